/* digest: SHA-1 and SHA-256 of a byte stream, both at once.
 * libarchive is the one library of ours that computes digests: its mtree
 * writer hashes every byte written to an entry (sha1digest=, sha256digest=).
 * We feed it the data and read the two digests back; no new dependency. */
#ifndef PHONEBOOT_DIGEST_H
#define PHONEBOOT_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_SHA1_HEX 41    /* 40 hex digits and a NUL */
#define DIGEST_SHA256_HEX 65

struct digest {
	void *a;              /* struct archive * (mtree writer) */
	void *e;              /* struct archive_entry * */
	char out[512];        /* the mtree text: one line */
	size_t used;
	uint64_t bytes;
};

int digest_init(struct digest *d);
int digest_update(struct digest *d, const void *p, size_t n);
/* Fills both hex strings and frees d; -1 if anything failed. */
int digest_final(struct digest *d, char sha1[DIGEST_SHA1_HEX], char sha256[DIGEST_SHA256_HEX]);
/* Frees d without a result (on an error path). */
void digest_abort(struct digest *d);
/* A whole file, from its start; the size read goes to *size (may be NULL). */
int digest_fd(int fd, char sha1[DIGEST_SHA1_HEX], char sha256[DIGEST_SHA256_HEX], uint64_t *size);

#endif
