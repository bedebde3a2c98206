/* firmware: the firmware library. Imports Cisco packages (.cop.sgn,
 * .cop.sha512, .zip, .tar, .tar.gz, loose .loads/.sbn files or a directory of
 * them) by content, never trusting archive paths; keeps each load's files
 * under STATE/firmware/loads/<LOADID>/ (content stored once in
 * STATE/firmware/blobs/); records loads, files and verdicts in the state
 * file; serves them to TFTP as a resolver. */
#ifndef PHONEBOOT_FIRMWARE_H
#define PHONEBOOT_FIRMWARE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "models.h"
#include "store.h"
#include "tftp.h"

struct fw_lib;

/* known_admin: the admin's known-firmware.conf (may be NULL or missing). */
struct fw_lib *fw_open(const char *state_dir, struct store *st, const struct models *ms,
		       const char *known_admin, char *err, size_t errlen);
void fw_close(struct fw_lib *lib);

struct fw_import_opts {
	int force;        /* import MISMATCH files too */
	int progress;     /* a progress bar on stdout (a terminal) */
	FILE *report;     /* what was found, a line each (stdout) */
};

/* Import one package (file or directory). 0 imported, 1 already there
 * (nothing done), -1 refused or failed (err says why; nothing changed). */
int fw_import(struct fw_lib *lib, const char *path, const struct fw_import_opts *o, char *err,
	      size_t errlen);

/* Re-hash every stored file against the state file: 0 all intact, 1 damage
 * found (reported), -1 error. */
int fw_verify(struct fw_lib *lib, FILE *report, char *err, size_t errlen);

/* Remove a load: its rows, its folder, content no other load holds. 0, 1 no
 * such load, -1 error. */
int fw_remove(struct fw_lib *lib, const char *load_id, char *err, size_t errlen);

/* The names of the images a load lacks, comma-separated into buf; returns how
 * many are missing, or -1. */
int fw_missing(struct fw_lib *lib, const char *load_id, char *buf, size_t len);

/* The TFTP resolver behind the root: a name one load holds is served from it;
 * a name several loads share is served from the newest complete load. */
int fw_resolve(void *ctx, const struct sockaddr *peer, const char *name, struct tftp_source *src,
	       char *why, size_t whylen);

/* The known-firmware list alone (the simulator names the load a phone
 * flashed from its images): the load a file of that name and size belongs
 * to, or NULL. */
struct fw_known;
struct fw_known *fw_known_open(const char *admin, char *err, size_t errlen);
const char *fw_known_load_of(const struct fw_known *k, const char *name);
void fw_known_close(struct fw_known *k);

/* Known-good list verdicts. */
#define FW_KNOWN "known-good"
#define FW_UNKNOWN "unknown"
#define FW_MISMATCH "MISMATCH"

/* The worse of two verdicts (MISMATCH over unknown over known-good), as one
 * of the constants above; NULL counts as none, so worse(NULL, NULL) is
 * known-good. b may be a string the state file lends for one row. */
const char *fw_verdict_worse(const char *a, const char *b);

#endif
