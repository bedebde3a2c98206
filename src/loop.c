/* loop: epoll + timer heap + signalfd, single-threaded. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define NO_IDX ((size_t)-1)
#define MAX_EVENTS 1024
#define MAX_HOOKS 8
#define MAX_SIGNALS 8

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

void loop_free(struct loop *l)
{
	if (!l)
		return;
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

static int next_timeout_ms(const struct loop *l)
{
	if (l->nheap == 0)
		return -1;
	uint64_t when = l->heap[0]->when_us;
	if (when <= l->now_us)
		return 0;
	uint64_t ms = (when - l->now_us + 999) / 1000; /* never wake early */
	return ms > 60000 ? 60000 : (int)ms;
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

int loop_run(struct loop *l)
{
	struct epoll_event ev[MAX_EVENTS];
	l->running = 1;
	while (l->running) {
		int n = epoll_wait(l->epfd, ev, MAX_EVENTS, next_timeout_ms(l));
		if (n < 0 && errno != EINTR)
			return -1;
		l->now_us = clock_us();
		for (int pass = 0; pass < 2; pass++) {
			for (int i = 0; i < n; i++) {
				int fd = ev[i].data.fd;
				/* a handler earlier in this batch may have removed fd */
				if ((size_t)fd < l->nfds && l->fds[fd].fn && l->fds[fd].last == pass)
					l->fds[fd].fn(l->fds[fd].arg, ev[i].events);
			}
		}
		run_timers(l);
		for (int i = 0; i < l->nhook; i++)
			l->hook[i].fn(l->hook[i].arg);
	}
	return 0;
}
