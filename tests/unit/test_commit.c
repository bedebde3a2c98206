/* Unit tests for commit: at a turn's end a busy flush arms the retry timer,
 * so the queue is committed once the lock is released even when nothing
 * else wakes the loop; a long queue drains over several turns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "commit.h"
#include "loop.h"
#include "store.h"

struct fixture {
	char dir[64];
	struct loop *loop;
	struct store *s;
	struct commit *c;
	sqlite3 *other;
	struct loop_timer release, stop;
	int turns;
	int skip_turn;      /* the lock went between turns: this turn's end does not flush */
	int pending_at_stop;
};

static void on_turn(void *arg)
{
	struct fixture *f = arg;
	f->turns++;
	if (f->skip_turn) {
		f->skip_turn = 0;
		return;
	}
	commit_turn_end(f->c);
}

static void on_release(void *arg)
{
	struct fixture *f = arg;
	assert_int_equal(sqlite3_exec(f->other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	f->skip_turn = 1;
}

static void on_stop(void *arg)
{
	struct fixture *f = arg;
	f->pending_at_stop = store_pending(f->s);
	loop_stop(f->loop);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256], db[128];
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/phoneboot-commit.XXXXXX");
	if (!mkdtemp(f->dir) || !(f->loop = loop_new()) || !(f->s = store_open(f->dir, err, sizeof(err))))
		return -1;
	snprintf(db, sizeof(db), "%s/%s", f->dir, STORE_FILE);
	if (sqlite3_open(db, &f->other) != SQLITE_OK || !(f->c = commit_new(f->loop, f->s)) ||
	    loop_on_turn_end(f->loop, on_turn, f) < 0)
		return -1;
	loop_timer_init(&f->release, on_release, f);
	loop_timer_init(&f->stop, on_stop, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	commit_free(f->c);
	store_close(f->s);
	sqlite3_close(f->other);
	loop_free(f->loop);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static int64_t events_in_file(struct fixture *f)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	assert_int_equal(sqlite3_prepare_v2(f->other, "SELECT count(*) FROM events", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void add_events(struct fixture *f, int n)
{
	for (int i = 0; i < n; i++) {
		struct store_event ev = {.time_us = i, .kind = "tftp-rrq", .outcome = "ok"};
		assert_int_equal(store_add_event(f->s, &ev), 0);
	}
}

static void a_busy_commit_is_retried_by_timer_until_the_lock_goes(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sqlite3_exec(f->other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	add_events(f, 3);
	assert_int_equal(commit_turn_end(f->c), STORE_BUSY);
	/* nothing but the timers wakes this loop: the lock goes after 100 ms */
	loop_timer_set(f->loop, &f->release, 100000);
	loop_timer_set(f->loop, &f->stop, 400000);
	assert_int_equal(loop_run(f->loop), 0);
	/* committed by a retry turn after the release, before the stop timer's turn */
	assert_int_equal(f->pending_at_stop, 0);
	assert_int_equal(events_in_file(f), 3);
	/* backing off: 2, 4, 8, 16, 32, 50, 50 ms ... is a handful of turns, not a spin */
	assert_true(f->turns < 20);
}

static void a_long_queue_drains_over_turns(void **state)
{
	struct fixture *f = *state;
	add_events(f, STORE_FLUSH_MAX * 3 + 1);
	assert_int_equal(commit_turn_end(f->c), 0);
	assert_int_equal(store_pending(f->s), STORE_FLUSH_MAX * 2 + 1);
	loop_timer_set(f->loop, &f->stop, 200000);
	assert_int_equal(loop_run(f->loop), 0);
	assert_int_equal(f->pending_at_stop, 0);
	assert_int_equal(events_in_file(f), STORE_FLUSH_MAX * 3 + 1);
}

static void nothing_waiting_arms_nothing(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(commit_turn_end(f->c), 0);
	loop_timer_set(f->loop, &f->stop, 50000);
	assert_int_equal(loop_run(f->loop), 0);
	assert_int_equal(f->turns, 1); /* the stop timer's turn only */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_busy_commit_is_retried_by_timer_until_the_lock_goes),
		T(a_long_queue_drains_over_turns),
		T(nothing_waiting_arms_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
