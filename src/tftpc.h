/* tftpc: the client side of TFTP in the one loop: one read transfer, from a
 * local address of the caller's choosing (a simulated phone's own IP), with
 * the same tftp_wire code the server uses. The bytes are hashed as they come
 * (SHA-256) and kept in memory up to a limit the caller sets. */
#ifndef PHONEBOOT_TFTPC_H
#define PHONEBOOT_TFTPC_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "loop.h"

struct tftpc;

enum tftpc_status {
	TFTPC_OK = 0,
	TFTPC_ERROR,      /* the server sent an ERROR: code and message */
	TFTPC_TIMEOUT,    /* no answer after the retries */
	TFTPC_LOCAL,      /* a socket or memory failure here */
	TFTPC_PROTOCOL,   /* the server broke the protocol (bad OACK, wrong TID...) */
};

struct tftpc_result {
	enum tftpc_status status;
	uint16_t errcode;
	char msg[128];
	uint64_t bytes;
	uint64_t retransmits;
	char sha256[DIGEST_SHA256_HEX];
	const uint8_t *data;      /* the first `keep` bytes (see tftpc_opts) */
	size_t data_len;
};

struct tftpc_opts {
	unsigned timeout_ms;      /* per try (a phone: about 1 s) */
	unsigned retries;
	size_t keep;              /* bytes kept in memory; the rest is only hashed */
	unsigned blksize;         /* 0: no option, 512-byte blocks (what the phones send) */
};

typedef void (*tftpc_done_fn)(void *ctx, const struct tftpc_result *r);

/* Start an RRQ for name from local (port 0: any) to server. done runs once,
 * from the loop; the transfer frees itself after it returns. */
struct tftpc *tftpc_get(struct loop *l, const struct sockaddr_in *local, const struct sockaddr_in *server,
			const char *name, const struct tftpc_opts *o, tftpc_done_fn done, void *ctx);
/* Stop a transfer without calling done. */
void tftpc_cancel(struct tftpc *t);

#endif
