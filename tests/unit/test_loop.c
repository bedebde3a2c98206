/* Unit tests for loop: the timer min-heap (order, cancel, re-arm, timers
 * that touch other timers), fd dispatch (removal within a turn, "last" fds),
 * end-of-turn hooks, signals through signalfd, and loop_stop; all of them
 * twice, with epoll alone and with the io_uring (which waits for everything
 * then). Then the ring's own datagram receives and sends, over UDP sockets
 * on 127.0.0.1.
 * Every test runs under a safety timer that stops the loop after 2 s and
 * fails the test, so a broken loop cannot hang the suite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

#define SAFETY_US 2000000u
#define MAXT 64

struct env;

struct tmr {
	struct loop_timer t;
	struct env *e;
	int id;
	void (*then)(struct tmr *); /* extra work in the callback, or NULL */
};

struct env {
	struct loop *l;
	struct loop_timer safety;
	int timed_out;
	struct tmr tm[MAXT];
	int ntm;
	int fired[MAXT * 4];   /* timer ids, in firing order */
	int nfired;
	int stop_after;        /* stop the loop when nfired reaches this */
	char log[256];         /* one letter per event, in order */
	size_t nlog;
	int sv[2][2];          /* two socketpairs */
};

static int with_ring; /* the group being run: epoll alone, or with the ring */

static void note(struct env *e, char c)
{
	if (e->nlog + 1 < sizeof(e->log)) {
		e->log[e->nlog++] = c;
		e->log[e->nlog] = 0;
	}
}

static void on_safety(void *arg)
{
	struct env *e = arg;
	e->timed_out = 1;
	loop_stop(e->l);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	e->l = loop_new();
	if (!e->l) {
		free(e);
		return -1;
	}
	for (int i = 0; i < 2; i++)
		e->sv[i][0] = e->sv[i][1] = -1;
	loop_timer_init(&e->safety, on_safety, e);
	if (loop_timer_set(e->l, &e->safety, SAFETY_US) < 0)
		return -1;
	char why[128];
	if (with_ring && loop_ring_init(e->l, why, sizeof(why)) < 0) {
		fprintf(stderr, "io_uring: %s\n", why);
		return -1;
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			if (e->sv[i][j] >= 0)
				close(e->sv[i][j]);
	loop_free(e->l);
	free(e);
	return 0;
}

static void run(struct env *e)
{
	assert_int_equal(loop_run(e->l), 0);
	if (e->timed_out)
		fail_msg("the loop was still running after %u ms", SAFETY_US / 1000);
}

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- timers ---- */

static void on_tmr(void *arg)
{
	struct tmr *t = arg;
	struct env *e = t->e;
	/* never early, by the loop's clock nor the real one */
	assert_true(loop_now_us(e->l) >= t->t.when_us);
	assert_true(mono_us() >= t->t.when_us);
	assert_false(loop_timer_armed(&t->t));
	assert_true(e->nfired < MAXT * 4);
	e->fired[e->nfired++] = t->id;
	if (t->then)
		t->then(t);
	if (e->nfired == e->stop_after)
		loop_stop(e->l);
}

static struct tmr *add_tmr(struct env *e, uint64_t us)
{
	assert_true(e->ntm < MAXT);
	struct tmr *t = &e->tm[e->ntm];
	t->e = e;
	t->id = e->ntm++;
	loop_timer_init(&t->t, on_tmr, t);
	assert_int_equal(loop_timer_set(e->l, &t->t, us), 0);
	return t;
}

/* The heap as the timers see it: the armed ones (and the safety timer) hold
 * the indexes 0..n-1 once each, and no one is due before its parent. */
static void assert_heap_ok(struct env *e)
{
	const struct loop_timer *at[MAXT + 1] = {0};
	size_t n = 0;
	const struct loop_timer *all[MAXT + 1];
	size_t nall = 0;
	all[nall++] = &e->safety;
	for (int i = 0; i < e->ntm; i++)
		all[nall++] = &e->tm[i].t;
	for (size_t i = 0; i < nall; i++)
		if (loop_timer_armed(all[i]))
			n++;
	for (size_t i = 0; i < nall; i++) {
		if (!loop_timer_armed(all[i]))
			continue;
		size_t idx = all[i]->idx;
		if (idx >= n)
			fail_msg("armed timer at index %zu of a %zu-timer heap", idx, n);
		if (at[idx])
			fail_msg("two timers at heap index %zu", idx);
		at[idx] = all[i];
	}
	for (size_t i = 1; i < n; i++)
		if (at[(i - 1) / 2]->when_us > at[i]->when_us)
			fail_msg("heap index %zu is due before its parent %zu", i, (i - 1) / 2);
}

/* Fired deadlines never go backwards. */
static void assert_fired_in_deadline_order(struct env *e)
{
	for (int i = 1; i < e->nfired; i++) {
		uint64_t a = e->tm[e->fired[i - 1]].t.when_us, b = e->tm[e->fired[i]].t.when_us;
		if (a > b)
			fail_msg("timer %d (due %llu) fired after timer %d (due %llu)", e->fired[i - 1],
				 (unsigned long long)a, e->fired[i], (unsigned long long)b);
	}
}

static void shuffle(int *v, int n, uint32_t seed)
{
	for (int i = n - 1; i > 0; i--) {
		seed = seed * 1103515245u + 12345u;
		int j = (int)((seed >> 8) % (uint32_t)(i + 1));
		int x = v[i];
		v[i] = v[j];
		v[j] = x;
	}
}

static void timers_fire_in_deadline_order(void **state)
{
	struct env *e = *state;
	int ms[MAXT];
	for (int i = 0; i < MAXT; i++)
		ms[i] = i / 3; /* threes of equal deadlines, 0..21 ms */
	shuffle(ms, MAXT, 7);
	for (int i = 0; i < MAXT; i++)
		add_tmr(e, (uint64_t)ms[i] * 1000);
	assert_heap_ok(e);
	e->stop_after = MAXT;
	run(e);
	assert_int_equal(e->nfired, MAXT);
	assert_fired_in_deadline_order(e);
	int seen[MAXT] = {0};
	for (int i = 0; i < e->nfired; i++)
		assert_int_equal(seen[e->fired[i]]++, 0);
}

/* Cancel the timers at the head, the middle and the end of the heap array;
 * the rest still fire, in order, and the cancelled never. */
static void cancel_of_head_middle_and_last_keeps_heap_order(void **state)
{
	struct env *e = *state;
	int ms[31];
	/* the safety timer steps aside while the heap holds only ours */
	loop_timer_cancel(e->l, &e->safety);
	for (int i = 0; i < 31; i++)
		ms[i] = 1 + i;
	shuffle(ms, 31, 99);
	for (int i = 0; i < 31; i++)
		add_tmr(e, (uint64_t)ms[i] * 500);
	int cancelled[3], nc = 0;
	for (int round = 0; round < 3; round++) {
		size_t n = 0;
		for (int i = 0; i < e->ntm; i++)
			n += (size_t)loop_timer_armed(&e->tm[i].t);
		size_t want = round == 0 ? 0 : round == 1 ? n / 2 : n - 1;
		struct tmr *victim = NULL;
		for (int i = 0; i < e->ntm; i++)
			if (loop_timer_armed(&e->tm[i].t) && e->tm[i].t.idx == want)
				victim = &e->tm[i];
		assert_non_null(victim);
		loop_timer_cancel(e->l, &victim->t);
		assert_false(loop_timer_armed(&victim->t));
		loop_timer_cancel(e->l, &victim->t); /* twice is harmless */
		cancelled[nc++] = victim->id;
		assert_heap_ok(e);
	}
	assert_int_equal(loop_timer_set(e->l, &e->safety, SAFETY_US), 0);
	e->stop_after = 31 - 3;
	run(e);
	assert_int_equal(e->nfired, 28);
	assert_fired_in_deadline_order(e);
	for (int i = 0; i < e->nfired; i++)
		for (int c = 0; c < nc; c++)
			if (e->fired[i] == cancelled[c])
				fail_msg("cancelled timer %d fired", cancelled[c]);
}

/* Inserted in this order the heap array is [1 10 2 11 12 3 4]: cancelling 11
 * (index 3) moves 4 from the end into a subtree under 10, so 4 must go up. */
static void cancel_that_moves_the_last_timer_up_keeps_heap_order(void **state)
{
	struct env *e = *state;
	static const int ms[] = {1, 10, 2, 11, 12, 3, 4};
	loop_timer_cancel(e->l, &e->safety);
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		add_tmr(e, (uint64_t)ms[i] * 1000);
	assert_heap_ok(e);
	struct tmr *eleven = &e->tm[3], *four = &e->tm[6];
	assert_int_equal(eleven->t.idx, 3);
	assert_int_equal(four->t.idx, 6);
	loop_timer_cancel(e->l, &eleven->t);
	assert_heap_ok(e);
	assert_int_equal(four->t.idx, 1);
	assert_int_equal(loop_timer_set(e->l, &e->safety, SAFETY_US), 0);
	e->stop_after = 6;
	run(e);
	static const int want[] = {0, 2, 5, 6, 1, 4}; /* 1 2 3 4 10 12 */
	assert_int_equal(e->nfired, 6);
	assert_memory_equal(e->fired, want, sizeof(want));
}

static void rearming_an_armed_timer_moves_it_earlier_or_later(void **state)
{
	struct env *e = *state;
	for (int i = 0; i < 20; i++)
		add_tmr(e, 10000 + (uint64_t)i * 1000);
	struct tmr *late = &e->tm[19], *early = &e->tm[0], *mid = &e->tm[10];
	assert_int_equal(loop_timer_set(e->l, &late->t, 1000), 0);   /* 29 ms -> 1 ms */
	assert_heap_ok(e);
	assert_int_equal(late->t.idx, 0);
	assert_int_equal(loop_timer_set(e->l, &early->t, 60000), 0); /* 10 ms -> 60 ms */
	assert_heap_ok(e);
	assert_int_equal(loop_timer_set(e->l, &mid->t, 20000), 0);   /* 20 ms -> 20 ms */
	assert_heap_ok(e);
	e->stop_after = 20;
	run(e);
	assert_int_equal(e->nfired, 20); /* each once: a re-arm is not a second timer */
	assert_fired_in_deadline_order(e);
	assert_int_equal(e->fired[0], late->id);
	assert_int_equal(e->fired[19], early->id);
}

/* A fires first (all are due when the loop starts): it cancels B (due, not
 * yet run) and C (later), re-arms D from 3 ms to 40 ms, and arms fresh F
 * to fire at once. */
static void then_cancel_and_arm(struct tmr *a)
{
	struct env *e = a->e;
	loop_timer_cancel(e->l, &e->tm[1].t);
	loop_timer_cancel(e->l, &e->tm[2].t);
	assert_int_equal(loop_timer_set(e->l, &e->tm[3].t, 40000), 0);
	assert_int_equal(loop_timer_set(e->l, &e->tm[4].t, 0), 0);
	assert_heap_ok(e);
}

static void timer_callback_can_arm_and_cancel_other_timers(void **state)
{
	struct env *e = *state;
	struct tmr *a = add_tmr(e, 100);
	add_tmr(e, 200);   /* B */
	add_tmr(e, 50000); /* C */
	add_tmr(e, 3000);  /* D */
	struct tmr *f = add_tmr(e, 0);
	loop_timer_cancel(e->l, &f->t); /* F: known, not armed until A says so */
	a->then = then_cancel_and_arm;
	usleep(5000); /* A, B and D are due at the first turn */
	e->stop_after = 3;
	run(e);
	assert_int_equal(e->nfired, 3);
	assert_int_equal(e->fired[0], 0); /* A */
	assert_int_equal(e->fired[1], 4); /* F, armed by A */
	assert_int_equal(e->fired[2], 3); /* D, moved later */
	assert_false(loop_timer_armed(&e->tm[1].t));
	assert_false(loop_timer_armed(&e->tm[2].t));
}

static void then_rearm_self(struct tmr *t)
{
	if (t->e->nfired < 3)
		assert_int_equal(loop_timer_set(t->e->l, &t->t, 1000), 0);
}

static void timer_callback_can_rearm_its_own_timer(void **state)
{
	struct env *e = *state;
	struct tmr *t = add_tmr(e, 1000);
	t->then = then_rearm_self;
	e->stop_after = 3;
	run(e);
	assert_int_equal(e->nfired, 3);
	assert_false(loop_timer_armed(&t->t));
}

static void timer_armed_follows_set_cancel_and_fire(void **state)
{
	struct env *e = *state;
	struct tmr *t = add_tmr(e, 1000);
	assert_true(loop_timer_armed(&t->t));
	loop_timer_cancel(e->l, &t->t);
	assert_false(loop_timer_armed(&t->t));
	assert_int_equal(loop_timer_set(e->l, &t->t, 1000), 0);
	assert_true(loop_timer_armed(&t->t));
	e->stop_after = 1;
	run(e); /* on_tmr checks it is not armed while it runs */
	assert_int_equal(e->nfired, 1);
	assert_false(loop_timer_armed(&t->t));

	struct loop_timer fresh;
	loop_timer_init(&fresh, on_safety, e);
	assert_false(loop_timer_armed(&fresh));
}

/* ---- fds ---- */

struct fdrec {
	struct env *e;
	char letter;
	int fd;
	int other_fd;       /* to remove, or -1 */
	uint32_t events;
	int calls;
};

static void on_fd(void *arg, uint32_t events)
{
	struct fdrec *r = arg;
	char buf[64];
	r->calls++;
	r->events = events;
	note(r->e, r->letter);
	(void)!read(r->fd, buf, sizeof(buf));
	if (r->other_fd >= 0)
		loop_del_fd(r->e->l, r->other_fd);
}

static void make_pairs(struct env *e)
{
	for (int i = 0; i < 2; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, e->sv[i]), 0);
		assert_int_equal(write(e->sv[i][1], "x", 1), 1);
	}
}

static void on_hook_stop(void *arg)
{
	struct env *e = arg;
	note(e, 'H');
	loop_stop(e->l);
}

static void fd_callback_fires_with_epollin(void **state)
{
	struct env *e = *state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	e->sv[0][0] = sv[0];
	e->sv[0][1] = sv[1];
	struct fdrec r = {e, 'A', sv[0], -1, 0, 0};
	assert_int_equal(loop_add_fd(e->l, sv[0], EPOLLIN, on_fd, &r), 0);
	assert_int_equal(loop_on_turn_end(e->l, on_hook_stop, e), 0);
	assert_int_equal(write(sv[1], "ping", 4), 4);
	run(e);
	assert_int_equal(r.calls, 1);
	assert_true(r.events & EPOLLIN);
}

static void fd_removed_by_an_earlier_callback_of_the_same_turn_is_not_called(void **state)
{
	struct env *e = *state;
	make_pairs(e);
	/* both are readable before the loop starts: one epoll_wait returns both;
	 * whichever runs first removes the other */
	struct fdrec a = {e, 'A', e->sv[0][0], e->sv[1][0], 0, 0};
	struct fdrec b = {e, 'B', e->sv[1][0], e->sv[0][0], 0, 0};
	assert_int_equal(loop_add_fd(e->l, a.fd, EPOLLIN, on_fd, &a), 0);
	assert_int_equal(loop_add_fd(e->l, b.fd, EPOLLIN, on_fd, &b), 0);
	assert_int_equal(loop_on_turn_end(e->l, on_hook_stop, e), 0);
	run(e);
	assert_int_equal(a.calls + b.calls, 1);
	assert_true(strcmp(e->log, "AH") == 0 || strcmp(e->log, "BH") == 0);
}

static void fd_marked_last_is_dispatched_after_the_others_of_its_turn(void **state)
{
	struct env *e = *state;
	make_pairs(e);
	/* A is registered (and so ready) first; marked last, it must go after B */
	struct fdrec a = {e, 'A', e->sv[0][0], -1, 0, 0};
	struct fdrec b = {e, 'B', e->sv[1][0], -1, 0, 0};
	assert_int_equal(loop_add_fd(e->l, a.fd, EPOLLIN, on_fd, &a), 0);
	assert_int_equal(loop_add_fd(e->l, b.fd, EPOLLIN, on_fd, &b), 0);
	assert_int_equal(loop_set_fd_last(e->l, a.fd), 0);
	assert_int_equal(loop_on_turn_end(e->l, on_hook_stop, e), 0);
	run(e);
	assert_string_equal(e->log, "BAH");
	assert_int_equal(loop_set_fd_last(e->l, 1000), -1); /* not registered */
}

/* Without the mark the same two go in readiness order; the mark is what
 * changes it (else the test above proves nothing). */
static void fds_not_marked_go_in_readiness_order(void **state)
{
	struct env *e = *state;
	make_pairs(e);
	struct fdrec a = {e, 'A', e->sv[0][0], -1, 0, 0};
	struct fdrec b = {e, 'B', e->sv[1][0], -1, 0, 0};
	assert_int_equal(loop_add_fd(e->l, a.fd, EPOLLIN, on_fd, &a), 0);
	assert_int_equal(loop_add_fd(e->l, b.fd, EPOLLIN, on_fd, &b), 0);
	assert_int_equal(loop_on_turn_end(e->l, on_hook_stop, e), 0);
	run(e);
	assert_string_equal(e->log, "ABH");
}

static void on_tmr_note(void *arg)
{
	note(arg, 'T');
}

static void on_hook_note(void *arg)
{
	note(arg, 'h');
}

static void turn_end_hooks_run_after_the_fds_and_timers_of_the_turn(void **state)
{
	struct env *e = *state;
	make_pairs(e);
	struct fdrec a = {e, 'A', e->sv[0][0], -1, 0, 0};
	struct loop_timer t;
	loop_timer_init(&t, on_tmr_note, e);
	assert_int_equal(loop_timer_set(e->l, &t, 0), 0);
	assert_int_equal(loop_on_turn_end(e->l, on_hook_note, e), 0);
	assert_int_equal(loop_on_turn_end(e->l, on_hook_stop, e), 0);
	assert_int_equal(loop_add_fd(e->l, a.fd, EPOLLIN, on_fd, &a), 0);
	run(e);
	/* one turn: the fd, the due timer, then the hooks in their order */
	assert_string_equal(e->log, "AThH");
}

/* ---- signals ---- */

static int usr1, usr2;

static void on_usr1(void *arg)
{
	struct env *e = arg;
	usr1++;
	note(e, '1');
	if (usr1 == 2 && usr2 == 1)
		loop_stop(e->l);
}

static void on_usr2(void *arg)
{
	struct env *e = arg;
	usr2++;
	note(e, '2');
	if (usr1 == 2 && usr2 == 1)
		loop_stop(e->l);
}

static void then_kill_self(struct tmr *t)
{
	(void)t;
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
}

static void signals_are_delivered_through_the_loop(void **state)
{
	struct env *e = *state;
	sigset_t old, pending;
	sigprocmask(SIG_BLOCK, NULL, &old);
	usr1 = usr2 = 0;
	assert_int_equal(loop_on_signal(e->l, SIGUSR1, on_usr1, e), 0);
	assert_int_equal(loop_on_signal(e->l, SIGUSR2, on_usr2, e), 0);
	/* blocked now: raise() leaves them pending for the signalfd */
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(usr1 + usr2, 0);
	/* the second SIGUSR1 comes from kill() in a timer, once the first is read */
	struct tmr *t = add_tmr(e, 20000);
	t->then = then_kill_self;
	run(e);
	assert_int_equal(usr1, 2);
	assert_int_equal(usr2, 1);
	sigpending(&pending);
	assert_false(sigismember(&pending, SIGUSR1));
	assert_false(sigismember(&pending, SIGUSR2));
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* ---- stop ---- */

static void on_stop(void *arg)
{
	struct env *e = arg;
	note(e, 'S');
	loop_stop(e->l);
}

static void loop_stop_from_a_callback_ends_loop_run_with_0(void **state)
{
	struct env *e = *state;
	struct loop_timer t;
	loop_timer_init(&t, on_stop, e);
	assert_int_equal(loop_timer_set(e->l, &t, 1000), 0);
	run(e);
	assert_string_equal(e->log, "S");
	/* the loop runs again after a stop */
	assert_int_equal(loop_timer_set(e->l, &t, 1000), 0);
	run(e);
	assert_string_equal(e->log, "SS");
}

static void loop_now_us_moves_with_the_monotonic_clock(void **state)
{
	struct env *e = *state;
	uint64_t a = loop_update_now(e->l);
	assert_int_equal(loop_now_us(e->l), a);
	usleep(2000);
	assert_int_equal(loop_now_us(e->l), a); /* read once per turn, not per call */
	uint64_t b = loop_update_now(e->l);
	assert_true(b >= a + 2000);
	assert_true(b <= mono_us());
}

/* ---- an fd its handler leaves readable ---- */

struct onerec {
	struct env *e;
	int fd;
	int calls;
};

static void on_fd_read_one(void *arg, uint32_t events)
{
	struct onerec *r = arg;
	char c;
	(void)events;
	assert_int_equal(read(r->fd, &c, 1), 1);
	if (++r->calls == 3)
		loop_stop(r->e->l);
}

/* A listener reads at most a budget per turn: what it leaves must bring it
 * back at the next turn, with no new datagram to wake anyone. */
static void fd_left_readable_by_its_handler_is_called_again(void **state)
{
	struct env *e = *state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, e->sv[0]), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(write(e->sv[0][1], "abc" + i, 1), 1);
	struct onerec r = {e, e->sv[0][0], 0};
	assert_int_equal(loop_add_fd(e->l, r.fd, EPOLLIN, on_fd_read_one, &r), 0);
	run(e);
	assert_int_equal(r.calls, 3);
}

/* ---- the ring's datagrams (UDP on 127.0.0.1) ---- */

#define NSOCK 24
#define PER_SOCK 120

/* Two UDP sockets on 127.0.0.1, each connected to the other. */
static void udp_pair(int fds[2])
{
	struct sockaddr_in a[2];
	for (int i = 0; i < 2; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		assert_true(fds[i] >= 0);
		a[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		assert_int_equal(bind(fds[i], (struct sockaddr *)&a[i], sizeof(a[i])), 0);
		socklen_t n = sizeof(a[i]);
		assert_int_equal(getsockname(fds[i], (struct sockaddr *)&a[i], &n), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(connect(fds[i], (struct sockaddr *)&a[1 - i], sizeof(a[i])), 0);
}

/* A datagram: its sequence number, then len - 4 bytes that depend on it. */
static void put_seq(uint8_t *p, size_t len, uint32_t seq)
{
	memcpy(p, &seq, 4);
	for (size_t i = 4; i < len; i++)
		p[i] = (uint8_t)(seq * 7 + i);
}

static void send_seq(int fd, size_t len, uint32_t seq)
{
	uint8_t buf[2048];
	put_seq(buf, len, seq);
	assert_int_equal(send(fd, buf, len, 0), (ssize_t)len);
}

struct rx {
	struct env *e;
	struct loop_recv *r;
	size_t len;            /* every datagram's length */
	uint32_t expect;       /* next sequence number */
	int n, err, bad;
	int *total, stop_at;   /* all receivers' count; stop the loop there */
	int stop_self;         /* loop_recv_stop from the callback after this many */
};

static void on_rx(void *arg, int err, const uint8_t *data, size_t len)
{
	struct rx *x = arg;
	if (err) {
		x->err = err;
		loop_stop(x->e->l);
		return;
	}
	uint8_t want[2048];
	put_seq(want, x->len, x->expect++);
	if (len != x->len || memcmp(data, want, len) != 0)
		x->bad++;
	x->n++;
	if (x->stop_self && x->n == x->stop_self)
		loop_recv_stop(x->e->l, x->r);
	if (x->total && ++*x->total == x->stop_at)
		loop_stop(x->e->l);
}

static void on_tmr_stop(void *arg)
{
	struct env *e = arg;
	loop_stop(e->l);
}

/* Run the loop for us microseconds (no more: this stops it). */
static void run_for(struct env *e, uint64_t us)
{
	struct loop_timer t;
	loop_timer_init(&t, on_tmr_stop, e);
	assert_int_equal(loop_timer_set(e->l, &t, us), 0);
	run(e);
	loop_timer_cancel(e->l, &t);
}

static void ring_is_on_after_init(void **state)
{
	struct env *e = *state;
	assert_true(loop_ring_on(e->l));
	assert_int_equal(loop_recv_max(e->l), 256);
	struct loop *plain = loop_new();
	assert_non_null(plain);
	assert_false(loop_ring_on(plain));
	assert_null(loop_recv_start(plain, 0, on_rx, NULL));
	assert_null(loop_send_buf(plain, 0, 4, 1));
	loop_free(plain);
}

static void recv_delivers_each_datagram_once_in_order(void **state)
{
	struct env *e = *state;
	udp_pair(e->sv[0]);
	int total = 0;
	struct rx x = {.e = e, .len = 100, .total = &total, .stop_at = 100};
	x.r = loop_recv_start(e->l, e->sv[0][0], on_rx, &x);
	assert_non_null(x.r);
	for (uint32_t i = 0; i < 100; i++)
		send_seq(e->sv[0][1], 100, i);
	run(e);
	assert_int_equal(x.n, 100);
	assert_int_equal(x.bad, 0);
	/* nothing more comes, and one sent later does */
	send_seq(e->sv[0][1], 100, 100);
	x.stop_at = 101;
	run(e);
	assert_int_equal(x.n, 101);
	assert_int_equal(x.bad, 0);
}

/* 2,880 datagrams wait on 24 sockets before the loop runs: more than the
 * ring's 2,048 buffers, so receives stop for want of one and start again. */
static void recv_goes_on_when_more_datagrams_wait_than_buffers(void **state)
{
	struct env *e = *state;
	int fds[NSOCK][2], total = 0;
	struct rx x[NSOCK];
	for (int s = 0; s < NSOCK; s++) {
		udp_pair(fds[s]);
		x[s] = (struct rx){.e = e, .len = 64, .total = &total, .stop_at = NSOCK * PER_SOCK};
		for (uint32_t i = 0; i < PER_SOCK; i++)
			send_seq(fds[s][1], 64, i);
		x[s].r = loop_recv_start(e->l, fds[s][0], on_rx, &x[s]);
		assert_non_null(x[s].r);
	}
	run(e);
	for (int s = 0; s < NSOCK; s++) {
		assert_int_equal(x[s].n, PER_SOCK);
		assert_int_equal(x[s].bad, 0);
		assert_int_equal(x[s].err, 0);
		loop_recv_stop(e->l, x[s].r);
		close(fds[s][0]);
		close(fds[s][1]);
	}
	assert_int_equal(total, NSOCK * PER_SOCK);
}

static void recv_reports_econnrefused_from_icmp(void **state)
{
	struct env *e = *state;
	udp_pair(e->sv[0]);
	close(e->sv[0][1]); /* the peer's port is closed now */
	e->sv[0][1] = -1;
	struct rx x = {.e = e, .len = 4};
	x.r = loop_recv_start(e->l, e->sv[0][0], on_rx, &x);
	assert_non_null(x.r);
	assert_int_equal(send(e->sv[0][0], "ping", 4, 0), 4);
	run(e);
	assert_int_equal(x.err, ECONNREFUSED);
	loop_recv_stop(e->l, x.r);
}

static void recv_stopped_in_its_callback_gets_no_more(void **state)
{
	struct env *e = *state;
	udp_pair(e->sv[0]);
	struct rx x = {.e = e, .len = 32, .stop_self = 1};
	x.r = loop_recv_start(e->l, e->sv[0][0], on_rx, &x);
	assert_non_null(x.r);
	for (uint32_t i = 0; i < 5; i++)
		send_seq(e->sv[0][1], 32, i);
	run_for(e, 20000);
	send_seq(e->sv[0][1], 32, 5);
	run_for(e, 20000);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.err, 0);
}

static void on_tmr_stop_rx(void *arg)
{
	struct rx *x = arg;
	loop_recv_stop(x->e->l, x->r);
	close(x->e->sv[0][0]); /* allowed at once after a stop */
	x->e->sv[0][0] = -1;
}

static void recv_stopped_outside_a_callback_gets_no_more(void **state)
{
	struct env *e = *state;
	udp_pair(e->sv[0]);
	struct rx x = {.e = e, .len = 32};
	x.r = loop_recv_start(e->l, e->sv[0][0], on_rx, &x);
	assert_non_null(x.r);
	send_seq(e->sv[0][1], 32, 0);
	struct loop_timer t;
	loop_timer_init(&t, on_tmr_stop_rx, &x);
	assert_int_equal(loop_timer_set(e->l, &t, 10000), 0);
	run_for(e, 30000);
	assert_int_equal(x.n, 1);
	/* the socket may still be held by the kernel until the cancel is done:
	 * whatever reaches it now must not reach the callback */
	(void)!send(e->sv[0][1], "late", 4, 0);
	run_for(e, 20000);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.err, 0);
}

struct sendjob {
	struct env *e;
	int fd, count;
	size_t len;
	int arrived_early;     /* datagrams the peer had before the loop waited */
	int bad;
};

/* The peer reads what came, from sequence number first on; returns how many. */
static int drain_seq(int fd, size_t len, uint32_t first, int *bad)
{
	uint8_t buf[2048], want[2048];
	int n = 0;
	ssize_t r;
	while ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
		put_seq(want, len, first + (uint32_t)n);
		if ((size_t)r != len || memcmp(buf, want, len) != 0)
			(*bad)++;
		n++;
	}
	return n;
}

static void on_tmr_send(void *arg)
{
	struct sendjob *j = arg;
	for (int i = 0; i < j->count; i++) {
		uint8_t *p = loop_send_buf(j->e->l, j->fd, j->len, (uint64_t)i + 1);
		assert_non_null(p);
		put_seq(p, j->len, (uint32_t)i);
	}
	j->bad = 0;
	j->arrived_early = drain_seq(j->e->sv[0][1], j->len, 0, &j->bad);
}

static void send_buf_datagrams_arrive_in_order_after_a_turn(void **state)
{
	struct env *e = *state;
	udp_pair(e->sv[0]);
	struct sendjob j = {e, e->sv[0][0], 100, 200, -1, 0};
	struct loop_timer t;
	loop_timer_init(&t, on_tmr_send, &j);
	assert_int_equal(loop_timer_set(e->l, &t, 1000), 0);
	run_for(e, 20000);
	assert_int_equal(j.arrived_early, 0); /* queued, not sent, during the turn */
	int bad = 0;
	assert_int_equal(drain_seq(e->sv[0][1], 200, 0, &bad), 100);
	assert_int_equal(bad, 0);
}

/* 400 datagrams of 1,000 bytes: three times what the send arena holds, so
 * loop_send_buf hands the queue to the kernel itself on the way. */
static void send_buf_more_than_the_arena_holds(void **state)
{
	struct env *e = *state;
	udp_pair(e->sv[0]);
	int big = 8 << 20;
	if (setsockopt(e->sv[0][1], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		skip(); /* not root: the peer's buffer cannot hold 400 KB */
	struct sendjob j = {e, e->sv[0][0], 400, 1000, -1, 0};
	struct loop_timer t;
	loop_timer_init(&t, on_tmr_send, &j);
	assert_int_equal(loop_timer_set(e->l, &t, 1000), 0);
	run_for(e, 20000);
	int bad = j.bad;
	assert_int_equal(j.arrived_early + drain_seq(e->sv[0][1], 1000, (uint32_t)j.arrived_early, &bad), 400);
	assert_true(j.arrived_early > 0); /* the arena was flushed on the way */
	assert_int_equal(bad, 0);
}

struct senderr {
	struct env *e;
	uint64_t tag;
	int err, calls;
};

static void on_send_err(void *ctx, uint64_t tag, int err)
{
	struct senderr *s = ctx;
	s->tag = tag;
	s->err = err;
	s->calls++;
	loop_stop(s->e->l);
}

static void on_tmr_send_huge(void *arg)
{
	struct sendjob *j = arg;
	uint8_t *p = loop_send_buf(j->e->l, j->fd, j->len, 42);
	assert_non_null(p);
	memset(p, 'x', j->len);
}

static void send_error_comes_back_with_its_tag(void **state)
{
	struct env *e = *state;
	udp_pair(e->sv[0]);
	struct senderr s = {e, 0, 0, 0};
	loop_on_send_error(e->l, on_send_err, &s);
	/* longer than any UDP datagram over IPv4 (65,507 bytes): EMSGSIZE */
	struct sendjob j = {e, e->sv[0][0], 1, 70000, -1, 0};
	struct loop_timer t;
	loop_timer_init(&t, on_tmr_send_huge, &j);
	assert_int_equal(loop_timer_set(e->l, &t, 1000), 0);
	run(e);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.tag, 42);
	assert_int_equal(s.err, EMSGSIZE);
}

struct cutrx {
	struct env *e;
	size_t len;
	uint8_t first[256];
};

static void on_cut(void *arg, int err, const uint8_t *data, size_t len)
{
	struct cutrx *c = arg;
	assert_int_equal(err, 0);
	c->len = len;
	memcpy(c->first, data, len < sizeof(c->first) ? len : sizeof(c->first));
	loop_stop(c->e->l);
}

static void recv_datagram_longer_than_a_buffer_is_cut(void **state)
{
	struct env *e = *state;
	udp_pair(e->sv[0]);
	struct cutrx c = {e, 0, {0}};
	struct loop_recv *r = loop_recv_start(e->l, e->sv[0][0], on_cut, &c);
	assert_non_null(r);
	send_seq(e->sv[0][1], 1000, 7);
	run(e);
	assert_int_equal(c.len, loop_recv_max(e->l));
	uint8_t want[1000];
	put_seq(want, 1000, 7);
	assert_memory_equal(c.first, want, c.len);
}

/* A socket with a receive sits in a registered-file slot: its sends name the
 * slot. Ping-pong: each datagram b gets, b answers; a's receive counts. */
struct pingpong {
	struct env *e;
	struct loop_recv *r;
	int n, fd;
};

static void on_pong(void *arg, int err, const uint8_t *data, size_t len)
{
	struct pingpong *p = arg;
	uint8_t want[64];
	assert_int_equal(err, 0);
	put_seq(want, 64, (uint32_t)p->n);
	assert_int_equal(len, 64);
	assert_memory_equal(data, want, 64);
	if (++p->n == 50) {
		loop_stop(p->e->l);
		return;
	}
	uint8_t *out = loop_send_buf(p->e->l, p->fd, 64, 7);
	assert_non_null(out);
	put_seq(out, 64, (uint32_t)p->n);
}

static void on_ping_readable(void *arg, uint32_t events)
{
	struct pingpong *p = arg;
	uint8_t buf[128];
	(void)events;
	ssize_t n;
	while ((n = recv(p->e->sv[0][1], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		assert_int_equal(send(p->e->sv[0][1], buf, (size_t)n, 0), n);
}

static void send_buf_on_a_socket_with_a_receive_goes_through_its_slot(void **state)
{
	struct env *e = *state;
	udp_pair(e->sv[0]);
	struct pingpong p = {e, NULL, 0, e->sv[0][0]};
	p.r = loop_recv_start(e->l, p.fd, on_pong, &p);
	assert_non_null(p.r);
	assert_int_equal(loop_add_fd(e->l, e->sv[0][1], EPOLLIN, on_ping_readable, &p), 0);
	uint8_t *out = loop_send_buf(e->l, p.fd, 64, 7);
	assert_non_null(out);
	put_seq(out, 64, 0);
	run(e);
	assert_int_equal(p.n, 50);
	loop_recv_stop(e->l, p.r);
}

struct rd {
	struct env *e;
	int err, calls;
	size_t len;
};

static void on_read(void *arg, int err, size_t len)
{
	struct rd *r = arg;
	r->err = err;
	r->len = len;
	r->calls++;
	loop_stop(r->e->l);
}

static int temp_file(size_t size)
{
	char path[] = "/tmp/phoneboot-test-loop.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	uint8_t buf[4096];
	for (size_t off = 0; off < size; off += sizeof(buf)) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);
		put_seq(buf, n < 4 ? 4 : n, (uint32_t)(off / sizeof(buf)));
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
	}
	return fd;
}

static void read_brings_the_bytes_at_the_offset(void **state)
{
	struct env *e = *state;
	int fd = temp_file(3 * 4096);
	e->sv[0][0] = fd;
	uint8_t buf[4096], want[4096];
	struct rd r = {e, -1, 0, 0};
	assert_non_null(loop_read(e->l, fd, buf, sizeof(buf), 4096, on_read, &r));
	run(e);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.len, 4096);
	put_seq(want, 4096, 1);
	assert_memory_equal(buf, want, 4096);
	/* at the end of the file: 0 bytes */
	r.calls = 0;
	assert_non_null(loop_read(e->l, fd, buf, sizeof(buf), 3 * 4096, on_read, &r));
	run(e);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.len, 0);
	/* a bad descriptor: the error */
	r.calls = 0;
	assert_non_null(loop_read(e->l, 1000, buf, sizeof(buf), 0, on_read, &r));
	run(e);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.err, EBADF);
}

/* A forgotten read never calls back, and its buffer is freed by the loop
 * (ASan: no leak, no use after free, even with the loop freed right after). */
static void read_forgotten_frees_its_buffer_and_stays_silent(void **state)
{
	struct env *e = *state;
	int fd = temp_file(4096);
	e->sv[0][0] = fd;
	struct rd r = {e, -1, 0, 0};
	uint8_t *buf = malloc(4096);
	assert_non_null(buf);
	struct loop_op *op = loop_read(e->l, fd, buf, 4096, 0, on_read, &r);
	assert_non_null(op);
	loop_op_forget(e->l, op, buf);
	run_for(e, 20000);
	assert_int_equal(r.calls, 0);
	uint8_t *buf2 = malloc(4096);
	assert_non_null(buf2);
	op = loop_read(e->l, fd, buf2, 4096, 0, on_read, &r);
	assert_non_null(op);
	loop_op_forget(e->l, op, buf2); /* still queued when the loop goes */
	assert_int_equal(r.calls, 0);
}

/* A socket closed while a send on it is still queued keeps its number until
 * the send is with the kernel: a socket opened meanwhile cannot take it and
 * receive what was meant for the first one's peer. */
static void close_waits_for_the_sqes_that_name_the_fd(void **state)
{
	struct env *e = *state;
	udp_pair(e->sv[0]);
	int a = e->sv[0][0];
	uint8_t *p = loop_send_buf(e->l, a, 32, 1);
	assert_non_null(p);
	put_seq(p, 32, 0);
	loop_close(e->l, a);
	e->sv[0][0] = -1;
	int c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(c >= 0);
	assert_int_not_equal(c, a);
	assert_int_equal(fcntl(a, F_GETFD) >= 0, 1); /* still open */
	run_for(e, 10000);
	assert_int_equal(fcntl(a, F_GETFD), -1); /* closed after the submission */
	assert_int_equal(errno, EBADF);
	int bad = 0;
	assert_int_equal(drain_seq(e->sv[0][1], 32, 0, &bad), 1);
	assert_int_equal(bad, 0);
	close(c);
	/* with nothing queued it closes at once */
	int d = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(d >= 0);
	loop_close(e->l, d);
	assert_int_equal(fcntl(d, F_GETFD), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(timers_fire_in_deadline_order),
		T(cancel_of_head_middle_and_last_keeps_heap_order),
		T(cancel_that_moves_the_last_timer_up_keeps_heap_order),
		T(rearming_an_armed_timer_moves_it_earlier_or_later),
		T(timer_callback_can_arm_and_cancel_other_timers),
		T(timer_callback_can_rearm_its_own_timer),
		T(timer_armed_follows_set_cancel_and_fire),
		T(fd_callback_fires_with_epollin),
		T(fd_removed_by_an_earlier_callback_of_the_same_turn_is_not_called),
		T(fd_marked_last_is_dispatched_after_the_others_of_its_turn),
		T(fds_not_marked_go_in_readiness_order),
		T(turn_end_hooks_run_after_the_fds_and_timers_of_the_turn),
		T(signals_are_delivered_through_the_loop),
		T(loop_stop_from_a_callback_ends_loop_run_with_0),
		T(loop_now_us_moves_with_the_monotonic_clock),
		T(fd_left_readable_by_its_handler_is_called_again),
	};
	const struct CMUnitTest ring_tests[] = {
		T(ring_is_on_after_init),
		T(recv_delivers_each_datagram_once_in_order),
		T(recv_goes_on_when_more_datagrams_wait_than_buffers),
		T(recv_reports_econnrefused_from_icmp),
		T(recv_stopped_in_its_callback_gets_no_more),
		T(recv_stopped_outside_a_callback_gets_no_more),
		T(send_buf_datagrams_arrive_in_order_after_a_turn),
		T(send_buf_more_than_the_arena_holds),
		T(send_error_comes_back_with_its_tag),
		T(recv_datagram_longer_than_a_buffer_is_cut),
		T(send_buf_on_a_socket_with_a_receive_goes_through_its_slot),
		T(read_brings_the_bytes_at_the_offset),
		T(read_forgotten_frees_its_buffer_and_stays_silent),
		T(close_waits_for_the_sqes_that_name_the_fd),
	};
	int failed = cmocka_run_group_tests_name("loop, epoll", tests, NULL, NULL);
	char why[128];
	struct loop *l = loop_new();
	int r = l ? loop_ring_init(l, why, sizeof(why)) : -1;
	loop_free(l);
	if (r < 0) {
		/* the kernel has no io_uring for us (older than 6.1, or disabled):
		 * the daemon runs on epoll there, and so do these tests */
		printf("io_uring not available (%s): ring tests not run\n", l ? why : "no loop");
		return failed;
	}
	with_ring = 1;
	failed += cmocka_run_group_tests_name("loop, io_uring", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("loop, io_uring datagrams", ring_tests, NULL, NULL);
	return failed;
}
