/* conf: the INI configuration (inih): defaults, validation, one struct.
 * The built-in defaults are those of an installed system. */
#ifndef PHONEBOOT_CONF_H
#define PHONEBOOT_CONF_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONF_DEFAULT_PATH "/etc/phoneboot/phoneboot.conf"
#define CONF_MAX_LISTEN 8

enum conf_log { CONF_LOG_STDOUT, CONF_LOG_SYSLOG };

struct conf_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64];   /* as written, for messages */
};

struct conf {
	char *path;               /* the file read, or NULL for built-in defaults */
	/* [server] */
	char *state_dir;
	char *user;
	enum conf_log log;
	uint64_t keep_events_s;
	/* [tftp] */
	struct conf_addr tftp_listen[CONF_MAX_LISTEN];
	int ntftp_listen;
	char *tftp_root;
	unsigned max_blksize;
	unsigned max_windowsize;
	unsigned max_transfers;
	unsigned max_per_client;  /* 0: no limit */
	unsigned retries;
	char *allow_write;        /* NULL: write requests refused */
};

/* Load path (NULL: built-in defaults only). On error returns -1 and err says
 * "FILE:LINE: what was wrong, what was expected". */
int conf_load(struct conf *c, const char *path, char *err, size_t errlen);
void conf_free(struct conf *c);

/* Any INI file of ours (the config, the model table): lines counted, long
 * lines refused, section names checked where they stand; section() may be
 * NULL. Callbacks return 0, or -1 with a message. The first error is
 * returned as "NAME:LINE: message". */
struct conf_ini {
	int (*section)(void *ctx, const char *name, char *err, size_t errlen);
	int (*key)(void *ctx, const char *section, const char *key, const char *value, char *err,
		   size_t errlen);
	void *ctx;
};
int conf_ini_parse(FILE *f, const char *name, const struct conf_ini *ini, char *err, size_t errlen);

/* Parsers shared with the CLI; 0 or -1. */
int conf_parse_duration(const char *s, uint64_t *seconds);
int conf_parse_addr(const char *s, int default_port, struct conf_addr *a);

#endif
