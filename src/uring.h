/* uring: the kernel's io_uring interface, used directly (its ABI from
 * <linux/io_uring.h>): set-up and mapping of the two rings, queueing SQEs,
 * reading CQEs, and one ring of provided buffers for multishot receives.
 * Only loop uses it; it knows nothing of what the operations are for. */
#ifndef PHONEBOOT_URING_H
#define PHONEBOOT_URING_H

#include <linux/io_uring.h>
#include <stddef.h>
#include <stdint.h>

struct uring {
	int fd;
	/* submission queue: sq_tail is ours until uring_enter publishes it */
	unsigned *sq_khead, *sq_ktail, sq_mask, sq_tail;
	struct io_uring_sqe *sqes;
	/* completion queue */
	unsigned *cq_khead, *cq_ktail, cq_mask;
	struct io_uring_cqe *cqes;
	void *sq_map, *cq_map;
	size_t sq_map_len, cq_map_len, sqes_len;
	/* provided buffers (group 0): nbufs of bufsize bytes */
	struct io_uring_buf_ring *br;
	size_t br_len;
	uint8_t *bufs;
	unsigned nbufs, bufsize;
	uint16_t br_tail;
	int min_timeout;          /* the kernel can wait for a batch (Linux 6.12) */
};

/* Set up a ring of entries SQEs (a power of two), a CQ of cq_entries and
 * nbufs provided buffers of bufsize bytes. 0, or -errno (and u->fd < 0)
 * when the kernel lacks what is needed (Linux 6.1: deferred task running,
 * provided-buffer rings, multishot receive). */
int uring_init(struct uring *u, unsigned entries, unsigned cq_entries, unsigned nbufs,
	       unsigned bufsize);
void uring_exit(struct uring *u);
/* A table of n registered files, empty (0, or -errno). */
int uring_files_init(struct uring *u, unsigned n);

/* A zeroed SQE to fill, or NULL when the SQ is full (uring_enter first). */
struct io_uring_sqe *uring_sqe(struct uring *u);
/* SQEs queued and not yet given to the kernel. */
unsigned uring_pending(const struct uring *u);
/* Submit what is queued; with wait_nr, also wait for that many completions
 * at most timeout_us (-1: no limit). With batch_us (where min_timeout says
 * the kernel can), a wait for more than one ends after batch_us once at
 * least one completion is there. Returns 0 or -errno (-ETIME, -EINTR: fewer
 * came; -EBUSY, -EAGAIN: try again after reading the CQ). */
int uring_enter(struct uring *u, unsigned wait_nr, int64_t timeout_us, unsigned batch_us);

/* The oldest completion, or NULL; uring_cqe_seen hands its slot back. */
struct io_uring_cqe *uring_cqe(struct uring *u);
void uring_cqe_seen(struct uring *u);

/* A provided buffer's bytes, and giving it back to the kernel. */
uint8_t *uring_buf(const struct uring *u, unsigned bid);
void uring_buf_return(struct uring *u, unsigned bid);

#endif
