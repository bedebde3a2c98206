/* loop: epoll + timer heap + signalfd, single-threaded; after loop_ring_init,
 * an io_uring for datagram I/O as well.
 *
 * With the ring, the loop waits in io_uring_enter instead of epoll_wait: the
 * epoll descriptor is one multishot poll on the ring, so every other fd works
 * as before, while sockets given to loop_recv_start have their datagrams read
 * by the kernel into provided buffers, with no system call per datagram.
 * Datagrams from loop_send_buf go out at the start of the next wait: all of a
 * turn's in one system call. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "uring.h"

#define NO_IDX ((size_t)-1)
#define MAX_EVENTS 1024
#define MAX_HOOKS 8
#define MAX_SIGNALS 8
#define RING_ENTRIES 1024
#define RING_CQ_ENTRIES 8192
#define RING_BUFS 2048          /* provided buffers: datagrams read, not yet handled */
#define RING_BUFSIZE 256
#define ARENA_SIZE (128 << 10)  /* datagrams queued for sending in one turn */
#define RING_FILES 4096         /* sockets registered with the ring */
#define RECV_MAX_ERRS 8         /* a receive failing this often in a row is not renewed */

/* A CQE's user_data: a struct loop_recv * (aligned), or a kind in the low bits. */
#define UD_KIND 7u
#define UD_EPOLL 1u
#define UD_IGNORE 2u
#define UD_SEND 3u              /* the sender's tag above the kind bits */
#define UD_OP 4u                /* a struct loop_op * (16-aligned) */

/* The ring's lists of what it owns (receives, reads in flight): ring_free
 * frees what the kernel never ended. First member of each, for the cast. */
struct link {
	struct link *prev, *next;
};

#define SPARE_OPS 64            /* ended reads kept for the next ones */

struct loop_op {
	struct link link;
	loop_read_fn fn;        /* NULL once forgotten */
	void *arg;
	void *free_buf;         /* freed at the CQE, once forgotten */
};

struct loop_recv {
	struct link link;
	loop_recv_fn fn;        /* NULL once stopped; freed at its last CQE */
	void *arg;
	int fd;
	int slot;               /* its registered file, or -1 */
	int armed;              /* a multishot receive is in the kernel */
	int busy;               /* its callback is running */
	int errs;               /* errors in a row */
	int cancelled;          /* its cancel is queued */
};

struct ring {
	struct uring u;
	uint8_t *arena;         /* the bytes of queued sends */
	size_t arena_used;
	int epoll_ready;        /* epoll may have ready fds: ask epoll_wait */
	int epoll_armed;
	struct link *recvs;
	struct link *ops;       /* reads in flight */
	struct link *spare_ops; /* ended ones, by link.next */
	unsigned nspare;
	loop_send_err_fn send_err;
	void *send_err_ctx;
	unsigned batch, batch_us; /* completions worth waiting for, and how long */
	/* registered files: the kernel skips looking the fd up for every SQE */
	int *slot_of;           /* by fd: its slot, or -1 */
	size_t nslot_of;
	int *free_slots, nfree;
	/* fds to close once no queued SQE can name their numbers (loop_close) */
	int *closing;
	size_t nclosing, capclosing;
};

struct fd_reg {
	loop_fd_fn fn;
	void *arg;
	int last;
};

struct loop {
	int epfd;
	int running;
	uint64_t now_us;
	struct fd_reg *fds; /* indexed by fd */
	size_t nfds;
	struct loop_timer **heap;
	size_t nheap, capheap;
	int sigfd;
	sigset_t sigs;
	struct {
		int signo;
		loop_fn fn;
		void *arg;
	} sig[MAX_SIGNALS];
	int nsig;
	struct {
		loop_fn fn;
		void *arg;
	} hook[MAX_HOOKS];
	int nhook;
	struct ring *ring;
};

static uint64_t clock_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->sigfd = -1;
	sigemptyset(&l->sigs);
	l->now_us = clock_us();
	return l;
}

static void ring_free(struct loop *l);

void loop_free(struct loop *l)
{
	if (!l)
		return;
	ring_free(l);
	close(l->epfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	free(l->fds);
	free(l->heap);
	free(l);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg)
{
	if (fd < 0)
		return -1;
	if ((size_t)fd >= l->nfds) {
		size_t n = l->nfds ? l->nfds : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct fd_reg *f = realloc(l->fds, n * sizeof(*f));
		if (!f)
			return -1;
		memset(f + l->nfds, 0, (n - l->nfds) * sizeof(*f));
		l->fds = f;
		l->nfds = n;
	}
	struct epoll_event ev = {.events = events, .data.fd = fd};
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	l->fds[fd].fn = fn;
	l->fds[fd].arg = arg;
	l->fds[fd].last = 0;
	return 0;
}

int loop_set_fd_last(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].fn)
		return -1;
	l->fds[fd].last = 1;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void loop_del_fd(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].fn = NULL;
	l->fds[fd].arg = NULL;
}

/* --- timers: a binary min-heap of pointers, each timer knowing its index --- */

static void heap_swap(struct loop *l, size_t a, size_t b)
{
	struct loop_timer *t = l->heap[a];
	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->idx = a;
	l->heap[b]->idx = b;
}

static void heap_up(struct loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (l->heap[p]->when_us <= l->heap[i]->when_us)
			break;
		heap_swap(l, i, p);
		i = p;
	}
}

static void heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;
		if (c < l->nheap && l->heap[c]->when_us < l->heap[m]->when_us)
			m = c;
		if (c + 1 < l->nheap && l->heap[c + 1]->when_us < l->heap[m]->when_us)
			m = c + 1;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

void loop_timer_init(struct loop_timer *t, loop_fn fn, void *arg)
{
	t->when_us = 0;
	t->idx = NO_IDX;
	t->fn = fn;
	t->arg = arg;
}

int loop_timer_armed(const struct loop_timer *t)
{
	return t->idx != NO_IDX;
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	size_t i = t->idx;
	if (i == NO_IDX)
		return;
	t->idx = NO_IDX;
	l->nheap--;
	if (i == l->nheap)
		return;
	l->heap[i] = l->heap[l->nheap];
	l->heap[i]->idx = i;
	heap_down(l, i);
	heap_up(l, i);
}

int loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t us)
{
	/* at least 1 us: a timer re-armed from its own callback waits a turn */
	uint64_t when = l->now_us + (us ? us : 1);
	if (t->idx != NO_IDX) {
		uint64_t old = t->when_us;
		t->when_us = when;
		if (when < old)
			heap_up(l, t->idx);
		else
			heap_down(l, t->idx);
		return 0;
	}
	if (l->nheap == l->capheap) {
		size_t n = l->capheap ? l->capheap * 2 : 256;
		struct loop_timer **h = realloc(l->heap, n * sizeof(*h));
		if (!h)
			return -1;
		l->heap = h;
		l->capheap = n;
	}
	t->when_us = when;
	t->idx = l->nheap;
	l->heap[l->nheap++] = t;
	heap_up(l, t->idx);
	return 0;
}

static void run_timers(struct loop *l)
{
	while (l->nheap > 0 && l->heap[0]->when_us <= l->now_us) {
		struct loop_timer *t = l->heap[0];
		loop_timer_cancel(l, t);
		t->fn(t->arg);
	}
}

static int64_t next_timeout_us(const struct loop *l)
{
	if (l->nheap == 0)
		return -1;
	uint64_t when = l->heap[0]->when_us;
	if (when <= l->now_us)
		return 0;
	uint64_t us = when - l->now_us;
	return us > 60000000u ? 60000000 : (int64_t)us;
}

static int next_timeout_ms(const struct loop *l)
{
	int64_t us = next_timeout_us(l);
	return us < 0 ? -1 : (int)((us + 999) / 1000); /* never wake early */
}

/* --- signals --- */

static void on_sigfd(void *arg, uint32_t events)
{
	struct loop *l = arg;
	struct signalfd_siginfo si;
	(void)events;
	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		for (int i = 0; i < l->nsig; i++)
			if (l->sig[i].signo == (int)si.ssi_signo)
				l->sig[i].fn(l->sig[i].arg);
	}
}

int loop_on_signal(struct loop *l, int signo, loop_fn fn, void *arg)
{
	if (l->nsig == MAX_SIGNALS)
		return -1;
	sigaddset(&l->sigs, signo);
	if (sigprocmask(SIG_BLOCK, &l->sigs, NULL) < 0)
		return -1;
	int first = l->sigfd < 0;
	int fd = signalfd(l->sigfd, &l->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	l->sigfd = fd;
	if (first && loop_add_fd(l, fd, EPOLLIN, on_sigfd, l) < 0)
		return -1;
	l->sig[l->nsig].signo = signo;
	l->sig[l->nsig].fn = fn;
	l->sig[l->nsig].arg = arg;
	l->nsig++;
	return 0;
}

int loop_on_turn_end(struct loop *l, loop_fn fn, void *arg)
{
	if (l->nhook == MAX_HOOKS)
		return -1;
	l->hook[l->nhook].fn = fn;
	l->hook[l->nhook].arg = arg;
	l->nhook++;
	return 0;
}

uint64_t loop_now_us(const struct loop *l)
{
	return l->now_us;
}

uint64_t loop_update_now(struct loop *l)
{
	l->now_us = clock_us();
	return l->now_us;
}

void loop_stop(struct loop *l)
{
	l->running = 0;
}

/* --- the ring --- */

static void on_cqe(struct loop *l, const struct io_uring_cqe *cqe);

static void link_add(struct link **head, struct link *n)
{
	n->prev = NULL;
	n->next = *head;
	if (n->next)
		n->next->prev = n;
	*head = n;
}

static void link_del(struct link **head, struct link *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		*head = n->next;
	if (n->next)
		n->next->prev = n->prev;
}

static void ring_free(struct loop *l)
{
	struct ring *g = l->ring;
	if (!g)
		return;
	g->send_err = NULL; /* its owner is gone by now */
	/* a read still in flight writes into its buffer: let it end first (a
	 * second at most; one from the page cache ends at once) */
	for (int i = 0; g->ops && i < 50; i++) {
		int r = uring_enter(&g->u, 1, 20000, 0);
		struct io_uring_cqe *cqe;
		while ((cqe = uring_cqe(&g->u))) {
			struct io_uring_cqe c = *cqe;
			uring_cqe_seen(&g->u);
			on_cqe(l, &c);
		}
		if (r < 0 && r != -ETIME && r != -EINTR)
			break;
	}
	uring_exit(&g->u); /* the kernel cancels what is still in flight */
	while (g->recvs) {
		struct loop_recv *r = (struct loop_recv *)g->recvs;
		g->recvs = r->link.next;
		free(r);
	}
	while (g->ops) {
		struct loop_op *op = (struct loop_op *)g->ops;
		g->ops = op->link.next;
		free(op->free_buf);
		free(op);
	}
	while (g->spare_ops) {
		struct link *n = g->spare_ops;
		g->spare_ops = n->next;
		free(n);
	}
	for (size_t i = 0; i < g->nclosing; i++)
		close(g->closing[i]);
	free(g->closing);
	free(g->arena);
	free(g->slot_of);
	free(g->free_slots);
	free(g);
	l->ring = NULL;
}

/* Every queued SQE is with the kernel: the arena is free again (each send
 * was copied, or failed, as it was issued), and no SQE names a closed fd. */
static void ring_submitted(struct ring *g)
{
	g->arena_used = 0;
	for (size_t i = 0; i < g->nclosing; i++)
		close(g->closing[i]);
	g->nclosing = 0;
}

void loop_close(struct loop *l, int fd)
{
	struct ring *g = l->ring;
	if (fd < 0)
		return;
	if (g && uring_pending(&g->u)) {
		if (g->nclosing == g->capclosing) {
			size_t n = g->capclosing ? 2 * g->capclosing : 64;
			int *c = realloc(g->closing, n * sizeof(*c));
			if (c) {
				g->closing = c;
				g->capclosing = n;
			}
		}
		if (g->nclosing < g->capclosing) {
			g->closing[g->nclosing++] = fd;
			return;
		}
		loop_flush(l); /* no memory to wait: hand the SQEs over now */
	}
	close(fd);
}

void loop_flush(struct loop *l)
{
	struct ring *g = l->ring;
	if (!g || !uring_pending(&g->u))
		return;
	if (uring_enter(&g->u, 0, 0, 0) == 0 && uring_pending(&g->u) == 0)
		ring_submitted(g);
}

/* An SQE, after flushing the queue to the kernel when it is full. */
static struct io_uring_sqe *ring_sqe(struct loop *l)
{
	struct io_uring_sqe *sqe = uring_sqe(&l->ring->u);
	if (!sqe) {
		loop_flush(l);
		sqe = uring_sqe(&l->ring->u);
	}
	return sqe;
}

static void arm_epoll(struct loop *l)
{
	struct io_uring_sqe *sqe = ring_sqe(l);
	if (!sqe)
		return; /* epoll_ready stays set: epoll is asked every turn */
	sqe->opcode = IORING_OP_POLL_ADD;
	sqe->fd = l->epfd;
	sqe->poll32_events = EPOLLIN;
	sqe->len = IORING_POLL_ADD_MULTI;
	sqe->user_data = UD_EPOLL;
	l->ring->epoll_armed = 1;
}

static int arm_recv(struct loop *l, struct loop_recv *r)
{
	struct io_uring_sqe *sqe = ring_sqe(l);
	if (!sqe)
		return -1;
	sqe->opcode = IORING_OP_RECV;
	sqe->ioprio = IORING_RECV_MULTISHOT;
	sqe->flags = IOSQE_BUFFER_SELECT;
	if (r->slot >= 0) {
		sqe->fd = r->slot;
		sqe->flags |= IOSQE_FIXED_FILE;
	} else {
		sqe->fd = r->fd;
	}
	sqe->buf_group = 0;
	sqe->user_data = (uint64_t)(uintptr_t)r;
	r->armed = 1;
	return 0;
}

int loop_ring_init(struct loop *l, char *why, size_t whylen)
{
	if (l->ring)
		return 0;
	struct ring *g = calloc(1, sizeof(*g));
	uint8_t *arena = malloc(ARENA_SIZE);
	int e = ENOMEM;
	if (g && arena)
		e = -uring_init(&g->u, RING_ENTRIES, RING_CQ_ENTRIES, RING_BUFS, RING_BUFSIZE);
	if (e) {
		snprintf(why, whylen, "%s", e == EINVAL ? "the kernel is older than Linux 6.1"
					   : e == EOPNOTSUPP ? "the kernel lacks an io_uring feature"
					   : strerror(e));
		free(arena);
		free(g);
		return -1;
	}
	g->arena = arena;
	g->batch = 1;
	/* without registered files (the table refused, no memory) fds are used as they are */
	/* the kernel refuses a table longer than RLIMIT_NOFILE */
	struct rlimit rl;
	int nfiles = RING_FILES;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nfiles)
		nfiles = (int)rl.rlim_cur;
	g->free_slots = malloc((size_t)nfiles * sizeof(int));
	if (g->free_slots && nfiles > 0 && uring_files_init(&g->u, (unsigned)nfiles) == 0)
		for (int i = nfiles; i > 0; i--)
			g->free_slots[g->nfree++] = i - 1;
	g->epoll_ready = 1; /* fds may have become ready before the poll is armed */
	l->ring = g;
	arm_epoll(l);
	return 0;
}

int loop_ring_on(const struct loop *l)
{
	return l->ring != NULL;
}

size_t loop_recv_max(const struct loop *l)
{
	return l->ring ? l->ring->u.bufsize : 0;
}

static int slot_get(const struct ring *g, int fd)
{
	return fd >= 0 && (size_t)fd < g->nslot_of ? g->slot_of[fd] : -1;
}

/* Put fd (its number stored at *fdp until the next submission) in a slot. */
static int slot_take(struct loop *l, const int *fdp)
{
	struct ring *g = l->ring;
	int fd = *fdp;
	if (!g->nfree)
		return -1;
	if ((size_t)fd >= g->nslot_of) {
		size_t n = g->nslot_of ? g->nslot_of : 64;
		while (n <= (size_t)fd)
			n *= 2;
		int *m = realloc(g->slot_of, n * sizeof(*m));
		if (!m)
			return -1;
		for (size_t i = g->nslot_of; i < n; i++)
			m[i] = -1;
		g->slot_of = m;
		g->nslot_of = n;
	}
	struct io_uring_sqe *sqe = ring_sqe(l);
	if (!sqe)
		return -1;
	int slot = g->free_slots[--g->nfree];
	sqe->opcode = IORING_OP_FILES_UPDATE;
	sqe->fd = -1;
	sqe->addr = (uint64_t)(uintptr_t)fdp;
	sqe->len = 1;
	sqe->off = (uint64_t)slot;
	sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = UD_IGNORE;
	g->slot_of[fd] = slot;
	return slot;
}

/* Empty fd's slot; SQEs queued before this still find the file in it. */
static void slot_drop(struct loop *l, int fd)
{
	static const int none = -1;
	struct ring *g = l->ring;
	int slot = slot_get(g, fd);
	if (slot < 0)
		return;
	g->slot_of[fd] = -1;
	struct io_uring_sqe *sqe = ring_sqe(l);
	if (!sqe)
		return; /* the slot stays taken: never reused with the old file in it */
	sqe->opcode = IORING_OP_FILES_UPDATE;
	sqe->fd = -1;
	sqe->addr = (uint64_t)(uintptr_t)&none;
	sqe->len = 1;
	sqe->off = (uint64_t)slot;
	sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = UD_IGNORE;
	g->free_slots[g->nfree++] = slot;
}

/* The SQE names fd, or its slot where it has one. */
static void sqe_fd(const struct ring *g, struct io_uring_sqe *sqe, int fd)
{
	int slot = slot_get(g, fd);
	if (slot >= 0) {
		sqe->fd = slot;
		sqe->flags |= IOSQE_FIXED_FILE;
	} else {
		sqe->fd = fd;
	}
}

struct loop_recv *loop_recv_start(struct loop *l, int fd, loop_recv_fn fn, void *arg)
{
	struct loop_recv *r = l->ring ? calloc(1, sizeof(*r)) : NULL;
	if (!r)
		return NULL;
	r->fn = fn;
	r->arg = arg;
	r->fd = fd;
	link_add(&l->ring->recvs, &r->link);
	r->slot = slot_take(l, &r->fd);
	if (arm_recv(l, r) < 0) {
		/* a queued SQE may still read r->fd: r stays, unused, until loop_free */
		if (r->slot >= 0)
			slot_drop(l, fd);
		r->slot = -1;
		r->fn = NULL;
		return NULL;
	}
	return r;
}

static void recv_free(struct ring *g, struct loop_recv *r)
{
	link_del(&g->recvs, &r->link);
	free(r);
}

/* Cancel r's multishot receive. The kernel holds its own reference to the
 * socket, so the fd may be closed at once; r lives until the last CQE. */
static void recv_cancel(struct loop *l, struct loop_recv *r)
{
	struct io_uring_sqe *sqe = ring_sqe(l);
	if (!sqe)
		return; /* no SQE even after a flush: tried again at its next CQE */
	r->cancelled = 1;
	sqe->opcode = IORING_OP_ASYNC_CANCEL;
	sqe->fd = -1;
	sqe->addr = (uint64_t)(uintptr_t)r;
	sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = UD_IGNORE;
}

void loop_recv_stop(struct loop *l, struct loop_recv *r)
{
	if (!r)
		return;
	r->fn = NULL;
	if (r->slot >= 0) {
		slot_drop(l, r->fd); /* the receive holds its own reference to the file */
		r->slot = -1;
	}
	if (r->busy)
		return; /* on_recv_cqe finishes this when the callback returns */
	if (r->armed)
		recv_cancel(l, r);
	else
		recv_free(l->ring, r);
}

void loop_ring_batch(struct loop *l, unsigned n, unsigned max_wait_us)
{
	if (!l->ring)
		return;
	l->ring->batch = n ? n : 1;
	l->ring->batch_us = max_wait_us;
}

void loop_on_send_error(struct loop *l, loop_send_err_fn fn, void *ctx)
{
	if (!l->ring)
		return;
	l->ring->send_err = fn;
	l->ring->send_err_ctx = ctx;
}

uint8_t *loop_send_buf(struct loop *l, int fd, size_t len, uint64_t tag)
{
	struct ring *g = l->ring;
	if (!g || len > ARENA_SIZE)
		return NULL;
	if (g->arena_used + len > ARENA_SIZE || uring_pending(&g->u) > g->u.sq_mask)
		loop_flush(l);
	if (g->arena_used + len > ARENA_SIZE)
		return NULL;
	struct io_uring_sqe *sqe = uring_sqe(&g->u);
	if (!sqe)
		return NULL;
	uint8_t *p = g->arena + g->arena_used;
	g->arena_used += (len + 15) & ~(size_t)15;
	if (g->arena_used > ARENA_SIZE)
		g->arena_used = ARENA_SIZE;
	sqe->opcode = IORING_OP_SEND;
	sqe_fd(g, sqe, fd);
	sqe->addr = (uint64_t)(uintptr_t)p;
	sqe->len = (uint32_t)len;
	/* MSG_DONTWAIT: with a full socket buffer the send fails at once (the
	 * sender retransmits later) instead of the kernel keeping p for a retry */
	sqe->msg_flags = MSG_DONTWAIT;
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = tag << 3 | UD_SEND;
	return p;
}

struct loop_op *loop_read(struct loop *l, int fd, void *buf, size_t len, uint64_t off,
			  loop_read_fn fn, void *arg)
{
	struct ring *g = l->ring;
	struct io_uring_sqe *sqe = g && len <= UINT32_MAX ? ring_sqe(l) : NULL;
	if (!sqe)
		return NULL;
	struct loop_op *op = (struct loop_op *)g->spare_ops;
	if (op) {
		g->spare_ops = op->link.next;
		g->nspare--;
		memset(op, 0, sizeof(*op));
	} else if (!(op = calloc(1, sizeof(*op)))) {
		sqe->opcode = IORING_OP_NOP; /* the SQE is taken: it does nothing */
		sqe->user_data = UD_IGNORE;
		return NULL;
	}
	_Static_assert(_Alignof(max_align_t) >= 8, "user_data kind bits");
	op->fn = fn;
	op->arg = arg;
	sqe->opcode = IORING_OP_READ;
	sqe->fd = fd;
	sqe->addr = (uint64_t)(uintptr_t)buf;
	sqe->len = (uint32_t)len;
	sqe->off = off;
	sqe->user_data = (uint64_t)(uintptr_t)op | UD_OP;
	link_add(&g->ops, &op->link);
	return op;
}

void loop_op_forget(struct loop *l, struct loop_op *op, void *free_buf)
{
	(void)l;
	op->fn = NULL;
	op->free_buf = free_buf;
}

static void on_recv_cqe(struct loop *l, struct loop_recv *r, const struct io_uring_cqe *cqe)
{
	struct ring *g = l->ring;
	int has_buf = (cqe->flags & IORING_CQE_F_BUFFER) != 0;
	unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
	if (!(cqe->flags & IORING_CQE_F_MORE))
		r->armed = 0;
	r->busy = 1;
	if (r->fn && cqe->res >= 0 && has_buf)
		r->fn(r->arg, 0, uring_buf(&g->u, bid), (size_t)cqe->res);
	else if (r->fn && cqe->res < 0 && cqe->res != -ENOBUFS && cqe->res != -ECANCELED)
		r->fn(r->arg, -cqe->res, NULL, 0);
	r->busy = 0;
	if (has_buf)
		uring_buf_return(&g->u, bid);
	r->errs = cqe->res < 0 && cqe->res != -ENOBUFS ? r->errs + 1 : 0;
	if (r->armed) {
		if (!r->fn && !r->cancelled)
			recv_cancel(l, r); /* its own callback stopped it, or a cancel found no SQE */
		return;
	}
	if (!r->fn) {
		recv_free(g, r);
		return;
	}
	/* the multishot ended (out of buffers, an error, a full CQ): again, unless
	 * the socket keeps failing (its owner's timer ends it then) */
	if (cqe->res == -EBADF && r->slot >= 0) {
		slot_drop(l, r->fd); /* the slot lost its file: the fd itself */
		r->slot = -1;
	}
	if (r->errs < RECV_MAX_ERRS)
		arm_recv(l, r); /* if it fails, r waits for loop_recv_stop */
}

static void on_cqe(struct loop *l, const struct io_uring_cqe *cqe)
{
	struct ring *g = l->ring;
	uint64_t ud = cqe->user_data;
	switch (ud & UD_KIND) {
	case 0:
		on_recv_cqe(l, (struct loop_recv *)(uintptr_t)ud, cqe);
		break;
	case UD_EPOLL:
		g->epoll_ready = 1;
		if (!(cqe->flags & IORING_CQE_F_MORE))
			g->epoll_armed = 0;
		break;
	case UD_SEND:
		if (cqe->res < 0 && g->send_err)
			g->send_err(g->send_err_ctx, ud >> 3, -cqe->res);
		break;
	case UD_OP: {
		struct loop_op *op = (struct loop_op *)(uintptr_t)(ud & ~(uint64_t)UD_KIND);
		link_del(&g->ops, &op->link);
		if (op->fn)
			op->fn(op->arg, cqe->res < 0 ? -cqe->res : 0, cqe->res < 0 ? 0 : (size_t)cqe->res);
		else
			free(op->free_buf);
		if (g->nspare < SPARE_OPS) { /* a read every few blocks: no malloc each */
			op->link.next = g->spare_ops;
			g->spare_ops = &op->link;
			g->nspare++;
		} else {
			free(op);
		}
		break;
	}
	default:
		break;
	}
}

static void dispatch_epoll(struct loop *l, const struct epoll_event *ev, int n)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			/* a handler earlier in this batch may have removed fd */
			if ((size_t)fd < l->nfds && l->fds[fd].fn && l->fds[fd].last == pass)
				l->fds[fd].fn(l->fds[fd].arg, ev[i].events);
		}
	}
}

/* One turn with the ring: submit and wait, the completions (transfers), then
 * the epoll fds with the listening sockets last, as in the epoll turn. */
static int ring_turn(struct loop *l, struct epoll_event *ev)
{
	struct ring *g = l->ring;
	int r = g->epoll_ready ? uring_enter(&g->u, 1, 0, 0)
			       : uring_enter(&g->u, g->batch, next_timeout_us(l), g->batch_us);
	if (r < 0 && r != -ETIME && r != -EINTR && r != -EBUSY && r != -EAGAIN) {
		errno = -r;
		return -1;
	}
	if (uring_pending(&g->u) == 0)
		ring_submitted(g);
	l->now_us = clock_us();
	struct io_uring_cqe *cqe;
	while ((cqe = uring_cqe(&g->u))) {
		struct io_uring_cqe c = *cqe;
		uring_cqe_seen(&g->u);
		on_cqe(l, &c);
	}
	if (!g->epoll_armed)
		arm_epoll(l);
	if (g->epoll_ready) {
		int n = epoll_wait(l->epfd, ev, MAX_EVENTS, 0);
		if (n < 0 && errno != EINTR)
			return -1;
		/* level-triggered fds left ready (a listener's budget) wake no poll */
		g->epoll_ready = n > 0 || !g->epoll_armed;
		dispatch_epoll(l, ev, n > 0 ? n : 0);
	}
	return 0;
}

int loop_run(struct loop *l)
{
	struct epoll_event ev[MAX_EVENTS];
	l->running = 1;
	while (l->running) {
		if (l->ring) {
			if (ring_turn(l, ev) < 0)
				return -1;
		} else {
			int n = epoll_wait(l->epfd, ev, MAX_EVENTS, next_timeout_ms(l));
			if (n < 0 && errno != EINTR)
				return -1;
			l->now_us = clock_us();
			dispatch_epoll(l, ev, n > 0 ? n : 0);
		}
		run_timers(l);
		for (int i = 0; i < l->nhook; i++)
			l->hook[i].fn(l->hook[i].arg);
	}
	return 0;
}
