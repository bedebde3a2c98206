/* uring: io_uring set-up and ring access through the raw system calls.
 *
 * The ring runs with deferred task work (IORING_SETUP_DEFER_TASKRUN): the
 * kernel finishes receives only inside our io_uring_enter, so completions
 * arrive in batches at one point of the loop and never interrupt it. The
 * memory order follows the kernel's io_uring.h: the SQ tail and the CQ head
 * are published with release stores, the kernel's SQ head and CQ tail are
 * read with acquire loads. */
#include "uring.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BGID 0
#ifndef IORING_FEAT_MIN_TIMEOUT
#define IORING_FEAT_MIN_TIMEOUT (1U << 15) /* Linux 6.12; newer than our headers */
#endif

static int sys_setup(unsigned entries, struct io_uring_params *p)
{
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int sys_enter(int fd, unsigned submit, unsigned wait_nr, unsigned flags, void *arg,
		     size_t argsz)
{
	return (int)syscall(__NR_io_uring_enter, fd, submit, wait_nr, flags, arg, argsz);
}

static int sys_register(int fd, unsigned op, void *arg, unsigned n)
{
	return (int)syscall(__NR_io_uring_register, fd, op, arg, n);
}

static void *map(int fd, size_t len, uint64_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, (off_t)off);
	return p == MAP_FAILED ? NULL : p;
}

static int map_rings(struct uring *u, const struct io_uring_params *p)
{
	u->sq_map_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	u->cq_map_len = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
	u->sqes_len = p->sq_entries * sizeof(struct io_uring_sqe);
	if (!(p->features & IORING_FEAT_SINGLE_MMAP))
		return -EINVAL; /* every kernel with DEFER_TASKRUN has it */
	if (u->cq_map_len > u->sq_map_len)
		u->sq_map_len = u->cq_map_len;
	u->sq_map = map(u->fd, u->sq_map_len, IORING_OFF_SQ_RING);
	if (!u->sq_map)
		return -errno;
	u->cq_map = u->sq_map;
	u->cq_map_len = 0; /* one mapping */
	u->sqes = map(u->fd, u->sqes_len, IORING_OFF_SQES);
	if (!u->sqes)
		return -errno;
	uint8_t *sq = u->sq_map, *cq = u->cq_map;
	u->sq_khead = (unsigned *)(sq + p->sq_off.head);
	u->sq_ktail = (unsigned *)(sq + p->sq_off.tail);
	u->sq_mask = *(unsigned *)(sq + p->sq_off.ring_mask);
	unsigned *array = (unsigned *)(sq + p->sq_off.array);
	for (unsigned i = 0; i < p->sq_entries; i++)
		array[i] = i; /* SQE i sits in slot i, always */
	u->sq_tail = *u->sq_ktail;
	u->cq_khead = (unsigned *)(cq + p->cq_off.head);
	u->cq_ktail = (unsigned *)(cq + p->cq_off.tail);
	u->cq_mask = *(unsigned *)(cq + p->cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)(cq + p->cq_off.cqes);
	return 0;
}

static int setup_bufs(struct uring *u, unsigned nbufs, unsigned bufsize)
{
	u->nbufs = nbufs;
	u->bufsize = bufsize;
	u->br_len = nbufs * sizeof(struct io_uring_buf);
	void *br = mmap(NULL, u->br_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (br == MAP_FAILED)
		return -errno;
	u->br = br;
	void *bufs = mmap(NULL, (size_t)nbufs * bufsize, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bufs == MAP_FAILED)
		return -errno;
	u->bufs = bufs;
	struct io_uring_buf_reg reg = {.ring_addr = (uint64_t)(uintptr_t)br, .ring_entries = nbufs,
				       .bgid = BGID};
	if (sys_register(u->fd, IORING_REGISTER_PBUF_RING, &reg, 1) < 0)
		return -errno;
	for (unsigned i = 0; i < nbufs; i++)
		uring_buf_return(u, i);
	return 0;
}

int uring_init(struct uring *u, unsigned entries, unsigned cq_entries, unsigned nbufs,
	       unsigned bufsize)
{
	memset(u, 0, sizeof(*u));
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
		  IORING_SETUP_DEFER_TASKRUN;
	p.cq_entries = cq_entries;
	u->fd = sys_setup(entries, &p);
	if (u->fd < 0)
		return -errno;
	const unsigned need = IORING_FEAT_NODROP | IORING_FEAT_EXT_ARG | IORING_FEAT_CQE_SKIP;
	u->min_timeout = (p.features & IORING_FEAT_MIN_TIMEOUT) != 0;
	int r = (p.features & need) != need ? -EOPNOTSUPP : map_rings(u, &p);
	if (r == 0)
		r = setup_bufs(u, nbufs, bufsize);
	if (r < 0) {
		uring_exit(u);
		return r;
	}
	return 0;
}

int uring_files_init(struct uring *u, unsigned n)
{
	struct io_uring_rsrc_register reg;
	memset(&reg, 0, sizeof(reg));
	reg.nr = n;
	reg.flags = IORING_RSRC_REGISTER_SPARSE;
	return sys_register(u->fd, IORING_REGISTER_FILES2, &reg, sizeof(reg)) < 0 ? -errno : 0;
}

void uring_exit(struct uring *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	if (u->sqes)
		munmap(u->sqes, u->sqes_len);
	if (u->sq_map)
		munmap(u->sq_map, u->sq_map_len);
	if (u->bufs)
		munmap(u->bufs, (size_t)u->nbufs * u->bufsize);
	if (u->br)
		munmap(u->br, u->br_len);
	u->sqes = NULL;
	u->sq_map = u->cq_map = NULL;
	u->bufs = NULL;
	u->br = NULL;
}

struct io_uring_sqe *uring_sqe(struct uring *u)
{
	unsigned head = __atomic_load_n(u->sq_khead, __ATOMIC_ACQUIRE);
	if (u->sq_tail - head > u->sq_mask)
		return NULL;
	struct io_uring_sqe *sqe = &u->sqes[u->sq_tail & u->sq_mask];
	u->sq_tail++;
	memset(sqe, 0, sizeof(*sqe));
	return sqe;
}

unsigned uring_pending(const struct uring *u)
{
	return u->sq_tail - __atomic_load_n(u->sq_khead, __ATOMIC_ACQUIRE);
}

int uring_enter(struct uring *u, unsigned wait_nr, int64_t timeout_us, unsigned batch_us)
{
	__atomic_store_n(u->sq_ktail, u->sq_tail, __ATOMIC_RELEASE);
	unsigned submit = uring_pending(u);
	if (!wait_nr && !submit)
		return 0;
	struct __kernel_timespec ts;
	struct io_uring_getevents_arg arg = {.sigmask_sz = _NSIG / 8};
	unsigned flags = IORING_ENTER_EXT_ARG;
	if (wait_nr) {
		/* deferred task work runs only with GETEVENTS: ask for it even when
		 * the timeout is 0, so receives that came in get completed */
		flags |= IORING_ENTER_GETEVENTS;
		if (wait_nr > 1 && batch_us && u->min_timeout)
			arg.pad = batch_us; /* min_wait_usec since Linux 6.12 */
		else
			wait_nr = 1;
		if (timeout_us >= 0) {
			ts.tv_sec = timeout_us / 1000000;
			ts.tv_nsec = (timeout_us % 1000000) * 1000;
			arg.ts = (uint64_t)(uintptr_t)&ts;
		}
	}
	int r = sys_enter(u->fd, submit, wait_nr, flags, &arg, sizeof(arg));
	if (r < 0 && errno == EINVAL && arg.pad) {
		/* a kernel that names the feature but refuses the batch wait */
		u->min_timeout = 0;
		arg.pad = 0;
		r = sys_enter(u->fd, submit, 1, flags, &arg, sizeof(arg));
	}
	return r < 0 ? -errno : 0;
}

struct io_uring_cqe *uring_cqe(struct uring *u)
{
	unsigned head = *u->cq_khead;
	if (head == __atomic_load_n(u->cq_ktail, __ATOMIC_ACQUIRE))
		return NULL;
	return &u->cqes[head & u->cq_mask];
}

void uring_cqe_seen(struct uring *u)
{
	__atomic_store_n(u->cq_khead, *u->cq_khead + 1, __ATOMIC_RELEASE);
}

uint8_t *uring_buf(const struct uring *u, unsigned bid)
{
	return u->bufs + (size_t)bid * u->bufsize;
}

void uring_buf_return(struct uring *u, unsigned bid)
{
	/* field by field: the ring's tail lives in bufs[0].resv */
	struct io_uring_buf *b = &u->br->bufs[u->br_tail & (u->nbufs - 1)];
	b->addr = (uint64_t)(uintptr_t)uring_buf(u, bid);
	b->len = u->bufsize;
	b->bid = (uint16_t)bid;
	u->br_tail++;
	__atomic_store_n(&u->br->tail, u->br_tail, __ATOMIC_RELEASE);
}
