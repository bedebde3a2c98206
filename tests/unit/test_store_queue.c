/* Unit tests for the store's write queue on the daemon's connection: a
 * flush that finds another connection holding the write lock returns
 * STORE_BUSY at once and keeps every write, in order; the retry delays;
 * flushes of at most STORE_FLUSH_MAX writes; events past STORE_QUEUE_MAX
 * counted, leases kept; the sequence numbers DHCP holds its ACKs by. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

struct fixture {
	char dir[64];
	char db[128];
	sqlite3 *other;    /* another connection, like the CLI's */
	struct store *s;   /* the daemon's */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/phoneboot-queue.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/%s", f->dir, STORE_FILE);
	f->s = store_open(f->dir, err, sizeof(err));
	if (!f->s || sqlite3_open(f->db, &f->other) != SQLITE_OK)
		return -1;
	store_nonblocking(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	store_close(f->s);
	sqlite3_close(f->other);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static void other_exec(struct fixture *f, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(f->other, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static int64_t other_int(struct fixture *f, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	assert_int_equal(sqlite3_prepare_v2(f->other, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void add_event(struct store *s, int i)
{
	char detail[32];
	snprintf(detail, sizeof(detail), "n%d", i);
	struct store_event ev = {.time_us = 1000 + i, .kind = "tftp-rrq", .ip = "127.0.0.1", .port = i,
				 .file = "f", .outcome = "ok", .detail = detail};
	assert_int_equal(store_add_event(s, &ev), 0);
}

static void add_lease(struct store *s, const char *ip)
{
	struct store_lease l = {.ip = ip, .mac = "00:1e:4a:00:00:01", .state = "active",
				.expires_us = 99, .updated_us = 7};
	assert_int_equal(store_lease_put(s, &l), 0);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void a_held_lock_makes_flush_busy_at_once_and_keeps_every_write(void **state)
{
	struct fixture *f = *state;
	other_exec(f, "BEGIN IMMEDIATE");
	add_event(f->s, 0);
	add_lease(f->s, "10.0.0.5");
	add_event(f->s, 1);
	assert_int_equal(store_queued_seq(f->s), 3);
	double t0 = now_ms();
	assert_int_equal(store_flush(f->s), STORE_BUSY);
	assert_true(now_ms() - t0 < 50); /* no busy timeout on this connection */
	assert_int_equal(store_flush(f->s), STORE_BUSY);
	assert_int_equal(store_pending(f->s), 3);
	assert_int_equal(store_committed_seq(f->s), 0);
	add_event(f->s, 2); /* a later turn's write goes behind them */
	other_exec(f, "COMMIT");

	assert_int_equal(store_flush(f->s), 0);
	assert_int_equal(store_pending(f->s), 0);
	assert_int_equal(store_committed_seq(f->s), 4);
	assert_int_equal(other_int(f, "SELECT count(*) FROM events"), 3);
	assert_int_equal(other_int(f, "SELECT count(*) FROM leases WHERE ip = '10.0.0.5' AND expires_us = 99"), 1);
	/* in the order queued */
	assert_int_equal(other_int(f, "SELECT group_concat(port, '') FROM (SELECT port FROM events ORDER BY id)"),
			 12);
}

static void retry_waits_2_ms_doubling_to_50(void **state)
{
	struct fixture *f = *state;
	const uint64_t want[] = {2000, 4000, 8000, 16000, 32000, 50000, 50000, 50000};
	other_exec(f, "BEGIN IMMEDIATE");
	add_event(f->s, 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(store_flush(f->s), STORE_BUSY);
		assert_int_equal(store_retry_us(f->s), want[i]);
	}
	other_exec(f, "COMMIT");
	assert_int_equal(store_flush(f->s), 0);
	struct store_queue_stats q;
	store_queue_stats(f->s, &q);
	assert_int_equal(q.busy_turns, 0);
}

static void a_long_queue_is_written_in_transactions_of_flush_max(void **state)
{
	struct fixture *f = *state;
	int n = STORE_FLUSH_MAX + 500;
	for (int i = 0; i < n; i++)
		add_event(f->s, i);
	assert_int_equal(store_flush(f->s), 0);
	assert_int_equal(store_pending(f->s), 500);
	assert_int_equal(store_retry_us(f->s), 1); /* go on next turn, no backoff */
	assert_int_equal(other_int(f, "SELECT count(*) FROM events"), STORE_FLUSH_MAX);
	assert_int_equal(store_flush(f->s), 0);
	assert_int_equal(store_pending(f->s), 0);
	assert_int_equal(other_int(f, "SELECT max(port) FROM events"), n - 1);
}

static void past_queue_max_events_are_counted_and_leases_kept(void **state)
{
	struct fixture *f = *state;
	other_exec(f, "BEGIN IMMEDIATE");
	for (int i = 0; i < STORE_QUEUE_MAX + 3; i++)
		add_event(f->s, i);
	add_lease(f->s, "10.0.0.9");
	struct store_queue_stats q;
	store_queue_stats(f->s, &q);
	assert_int_equal(q.pending, STORE_QUEUE_MAX + 1);
	assert_int_equal(q.dropped, 3);
	other_exec(f, "COMMIT");
	while (store_pending(f->s))
		assert_int_equal(store_flush(f->s), 0);
	assert_int_equal(other_int(f, "SELECT count(*) FROM events"), STORE_QUEUE_MAX);
	assert_int_equal(other_int(f, "SELECT count(*) FROM leases WHERE ip = '10.0.0.9'"), 1);
}

static void a_write_sqlite_refuses_is_counted_and_the_rest_commit(void **state)
{
	struct fixture *f = *state;
	struct store_event bad = {.time_us = 1, .kind = NULL}; /* kind is NOT NULL */
	add_event(f->s, 0);
	assert_int_equal(store_add_event(f->s, &bad), 0);
	add_event(f->s, 1);
	assert_int_equal(store_flush(f->s), 0);
	struct store_queue_stats q;
	store_queue_stats(f->s, &q);
	assert_int_equal(q.refused, 1);
	assert_int_equal(q.committed, 3);
	assert_int_equal(other_int(f, "SELECT count(*) FROM events"), 2);
}

static void close_waits_for_the_lock_and_commits(void **state)
{
	struct fixture *f = *state;
	add_event(f->s, 0);
	other_exec(f, "BEGIN IMMEDIATE");
	assert_int_equal(store_flush(f->s), STORE_BUSY);
	other_exec(f, "COMMIT");
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(other_int(f, "SELECT count(*) FROM events"), 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_held_lock_makes_flush_busy_at_once_and_keeps_every_write),
		T(retry_waits_2_ms_doubling_to_50),
		T(a_long_queue_is_written_in_transactions_of_flush_max),
		T(past_queue_max_events_are_counted_and_leases_kept),
		T(a_write_sqlite_refuses_is_counted_and_the_rest_commit),
		T(close_waits_for_the_lock_and_commits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
