/* tftp: the TFTP server's sessions: a socket (TID) per transfer in the one
 * loop, options, windows, retransmission, duplicate-ACK safety, block-number
 * rollover. It knows nothing about phones: resolvers say what a name means,
 * and every transfer ends with exactly one event. */
#ifndef PHONEBOOT_TFTP_H
#define PHONEBOOT_TFTP_H

#include <stdint.h>
#include <sys/socket.h>

#include "loop.h"
#include "tftp_wire.h"

struct conf;

/* Where the bytes of one RRQ come from: a file descriptor, or memory. */
struct tftp_source {
	int fd;                   /* -1 when mem is used */
	const uint8_t *mem;
	uint64_t size;
	void (*release)(struct tftp_source *src); /* NULL: close(fd) when fd >= 0 */
	void *opaque;
	char path[256];           /* what was served, relative to its root (for the log) */
};

/* A resolver answers one RRQ: 0 and src filled, or a TFTP error code:
 * TFTP_ENOTFOUND lets the next resolver try, anything else is final;
 * TFTP_EUNDEF means "busy, try again" (out of descriptors or memory).
 * why (may be left empty) says more for the log. */
typedef int (*tftp_resolve_fn)(void *ctx, const struct sockaddr *peer, const char *name,
			       struct tftp_source *src, char *why, size_t whylen);

enum tftp_outcome {
	TFTP_OUT_OK,          /* sent, or received, whole */
	TFTP_OUT_NOTFOUND,
	TFTP_OUT_DENIED,      /* outside the roots, write refused, unreadable */
	TFTP_OUT_BADREQ,      /* malformed request, bad option value, mode */
	TFTP_OUT_BUSY,        /* a limit was reached */
	TFTP_OUT_TIMEOUT,
	TFTP_OUT_ABORTED,     /* the client sent an ERROR */
	TFTP_OUT_OPTREFUSED,  /* the client answered the OACK with ERROR 8 */
	TFTP_OUT_EXISTS,      /* WRQ for a name that exists */
	TFTP_OUT_IOERR,
	TFTP_OUT_SHUTDOWN,    /* the server stopped first */
};
const char *tftp_outcome_name(enum tftp_outcome o);

struct tftp_event {
	enum tftp_opcode op;              /* TFTP_RRQ or TFTP_WRQ */
	const struct sockaddr *peer;
	const char *peer_ip;              /* text form of peer's address */
	unsigned peer_port;
	const char *name;                 /* as asked, escaped for display */
	const char *served;               /* path served, or "" */
	uint64_t bytes;                   /* data bytes sent or received */
	uint64_t blocks;
	uint64_t retransmits;
	uint64_t duration_us;
	unsigned blksize, windowsize;
	enum tftp_outcome outcome;
	const char *detail;               /* client's error message, reason */
};
typedef void (*tftp_event_fn)(void *ctx, const struct tftp_event *ev);

struct tftp_server;

struct tftp_server *tftp_new(struct loop *l, const struct conf *c);
/* Bind the listening sockets (before privileges are dropped). */
int tftp_bind(struct tftp_server *s, char *err, size_t errlen);
/* Resolvers are asked in the order they were added. */
int tftp_add_resolver(struct tftp_server *s, tftp_resolve_fn fn, void *ctx);
void tftp_set_event_fn(struct tftp_server *s, tftp_event_fn fn, void *ctx);
/* Start answering (register sockets with the loop). */
int tftp_start(struct tftp_server *s);
/* Stop accepting requests; running transfers go on. */
void tftp_stop_accepting(struct tftp_server *s);
unsigned tftp_active(const struct tftp_server *s);
/* ACK coalescing on the ring, worked out once a period (10 ms): from the
 * loop's load then (per mille of a CPU), the ACKs that came in dt_us and the
 * smoothed round trip, how many ACKs to wait for (n, 1: none) and for how
 * long at most (us). on is carried from one period to the next: coalescing
 * starts above half a CPU and stops below a quarter. Pure. */
struct tftp_batch {
	unsigned n, us;
	int on;
};
struct tftp_batch tftp_batch_period(int on, uint64_t load, uint64_t acks, uint64_t dt_us,
				    uint64_t rtt_us);
/* How transfers reach the kernel: "io_uring" or "epoll". */
const char *tftp_io_name(const struct tftp_server *s);
/* End every running transfer now (ERROR 0 to the client, a SHUTDOWN event). */
void tftp_abort_all(struct tftp_server *s);
void tftp_free(struct tftp_server *s);

/* The directory resolver: files under root, symlinks only within it, names
 * matched without case when the exact one is missing. */
struct tftp_dir;
struct tftp_dir *tftp_dir_open(const char *root, char *err, size_t errlen);
int tftp_dir_resolve(void *ctx, const struct sockaddr *peer, const char *name,
		     struct tftp_source *src, char *why, size_t whylen);
/* openat2 beneath dirfd (no "..", no symlink leading out): an fd or -errno. */
int tftp_open_beneath(int dirfd, const char *name, int flags);
/* Open dir/name for reading, beneath dir, case-insensitively: an fd or -errno. */
int tftp_dir_openat(int dirfd, const char *name, char *found, size_t foundlen);
void tftp_dir_close(struct tftp_dir *d);

#endif
