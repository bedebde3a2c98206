/* Unit tests for store: the state file's schema and migrations, the events
 * group commit (a loop turn's events become visible together at
 * store_flush), read back, prune, and the refusals of the read-only open.
 * Every test works in a fresh directory made with mkdtemp under /tmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

struct fixture {
	char dir[64];
	char db[128];
	char err[512];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/phoneboot-store.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/%s", f->dir, STORE_FILE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static struct store *open_rw(struct fixture *f)
{
	f->err[0] = 0;
	struct store *s = store_open(f->dir, f->err, sizeof(f->err));
	if (!s)
		fail_msg("store_open %s: %s", f->dir, f->err);
	return s;
}

static struct store *open_ro(struct fixture *f)
{
	f->err[0] = 0;
	struct store *s = store_open_readonly(f->dir, f->err, sizeof(f->err));
	if (!s)
		fail_msg("store_open_readonly %s: %s", f->dir, f->err);
	return s;
}

/* the schema this phoneboot writes: 1 events, 2 the firmware library, 3 leases, 4 phones */
#define SCHEMA_NOW 4

/* PRAGMA user_version of the file, read with sqlite3 directly. */
static int file_user_version(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int v = -1;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void exec_direct(const char *db, const char *sql)
{
	sqlite3 *h;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	sqlite3_close(h);
}

/* ---- collecting events read back ---- */

#define MAXEV 64

struct copy {
	int64_t id, time_us;
	char *kind, *ip, *mac, *file, *served, *outcome, *detail;
	int port;
	int64_t bytes, blocks, retransmits, duration_us;
};

struct got {
	struct copy ev[MAXEV];
	int n;
	int stop_after; /* 0: take all */
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int collect(void *ctx, const struct store_event *ev)
{
	struct got *g = ctx;
	assert_true(g->n < MAXEV);
	struct copy *c = &g->ev[g->n++];
	c->id = ev->id;
	c->time_us = ev->time_us;
	c->kind = dup_or_null(ev->kind);
	c->ip = dup_or_null(ev->ip);
	c->port = ev->port;
	c->mac = dup_or_null(ev->mac);
	c->file = dup_or_null(ev->file);
	c->served = dup_or_null(ev->served);
	c->bytes = ev->bytes;
	c->blocks = ev->blocks;
	c->retransmits = ev->retransmits;
	c->duration_us = ev->duration_us;
	c->outcome = dup_or_null(ev->outcome);
	c->detail = dup_or_null(ev->detail);
	return g->stop_after && g->n == g->stop_after;
}

static void got_free(struct got *g)
{
	for (int i = 0; i < g->n; i++) {
		struct copy *c = &g->ev[i];
		free(c->kind);
		free(c->ip);
		free(c->mac);
		free(c->file);
		free(c->served);
		free(c->outcome);
		free(c->detail);
	}
	memset(g, 0, sizeof(*g));
}

static int read_since(struct store *s, int64_t after, int limit, struct got *g)
{
	got_free(g);
	return store_events_since(s, after, limit, collect, g);
}

static struct store_event sample(int i)
{
	static char files[MAXEV][32];
	snprintf(files[i], sizeof(files[i]), "SEP00112233445%d.cnf.xml", i % 10);
	struct store_event ev = {
		.time_us = 1700000000000000 + (int64_t)i * 1000000,
		.kind = i % 2 ? "tftp-wrq" : "tftp-rrq",
		.ip = "10.0.0.21",
		.port = 50000 + i,
		.mac = NULL,
		.file = files[i],
		.served = files[i],
		.bytes = 4096 + i,
		.blocks = 3 + i,
		.retransmits = i,
		.duration_us = 1500 + i,
		.outcome = "ok",
		.detail = NULL,
	};
	return ev;
}

static void assert_same_text(const char *got, const char *want)
{
	if (!want)
		assert_null(got);
	else
		assert_string_equal(got, want);
}

static void assert_event(const struct copy *c, const struct store_event *want)
{
	assert_int_equal(c->time_us, want->time_us);
	assert_same_text(c->kind, want->kind);
	assert_same_text(c->ip, want->ip);
	assert_int_equal(c->port, want->port);
	assert_same_text(c->mac, want->mac);
	assert_same_text(c->file, want->file);
	assert_same_text(c->served, want->served);
	assert_int_equal(c->bytes, want->bytes);
	assert_int_equal(c->blocks, want->blocks);
	assert_int_equal(c->retransmits, want->retransmits);
	assert_int_equal(c->duration_us, want->duration_us);
	assert_same_text(c->outcome, want->outcome);
	assert_same_text(c->detail, want->detail);
}

/* ---- schema ---- */

static void open_creates_the_file_with_the_current_schema(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	assert_int_equal(stat(f->db, &st), -1);
	struct store *s = open_rw(f);
	assert_int_equal(stat(f->db, &st), 0);
	assert_int_equal(file_user_version(f->db), SCHEMA_NOW);
	assert_int_equal(store_pending(s), 0);
	store_close(s);
	assert_int_equal(file_user_version(f->db), SCHEMA_NOW);
}

static void reopen_keeps_schema_and_events(void **state)
{
	struct fixture *f = *state;
	struct got g = {0};
	struct store *s = open_rw(f);
	struct store_event ev = sample(0);
	assert_int_equal(store_add_event(s, &ev), 0);
	assert_int_equal(store_flush(s), 0);
	store_close(s);

	s = open_rw(f);
	assert_int_equal(file_user_version(f->db), SCHEMA_NOW);
	assert_int_equal(read_since(s, 0, 0, &g), 1);
	assert_event(&g.ev[0], &ev);
	store_close(s);
	got_free(&g);
}

static void close_commits_what_was_queued(void **state)
{
	struct fixture *f = *state;
	struct got g = {0};
	struct store *s = open_rw(f);
	struct store_event ev = sample(1);
	assert_int_equal(store_add_event(s, &ev), 0);
	store_close(s);
	s = open_ro(f);
	assert_int_equal(read_since(s, 0, 0, &g), 1);
	store_close(s);
	got_free(&g);
}

/* ---- group commit ---- */

static void events_of_a_turn_become_visible_together_at_flush(void **state)
{
	struct fixture *f = *state;
	struct got g = {0};
	struct store *w = open_rw(f);
	struct store *r = open_ro(f);

	for (int i = 0; i < 5; i++) {
		struct store_event ev = sample(i);
		assert_int_equal(store_add_event(w, &ev), 0);
		assert_int_equal(store_pending(w), i + 1);
		assert_int_equal(read_since(r, 0, 0, &g), 0);
	}
	assert_int_equal(store_flush(w), 0);
	assert_int_equal(store_pending(w), 0);
	assert_int_equal(read_since(r, 0, 0, &g), 5);

	/* the next turn: again nothing until its flush */
	struct store_event ev = sample(5);
	assert_int_equal(store_add_event(w, &ev), 0);
	assert_int_equal(read_since(r, 0, 0, &g), 5);
	assert_int_equal(store_flush(w), 0);
	assert_int_equal(read_since(r, 0, 0, &g), 6);
	/* a flush with nothing queued is a no-op */
	assert_int_equal(store_flush(w), 0);

	store_close(r);
	store_close(w);
	got_free(&g);
}

/* ---- read back ---- */

static void events_since_come_back_in_id_order_with_every_field(void **state)
{
	struct fixture *f = *state;
	struct got g = {0};
	struct store *s = open_rw(f);
	struct store_event want[4];
	for (int i = 0; i < 4; i++)
		want[i] = sample(i);
	/* time order is not id order: the read follows ids */
	want[1].time_us = want[0].time_us - 5;
	want[2].mac = "00:11:22:33:44:55";
	want[2].detail = "timeout after 5 retries";
	want[2].outcome = "timeout";
	want[3].ip = "fe80::1";
	want[3].served = "firmware/Jar11sip.sbn";
	want[3].bytes = INT64_C(5000000000); /* beyond 32 bits */
	want[3].duration_us = INT64_C(86400000000);
	for (int i = 0; i < 4; i++)
		assert_int_equal(store_add_event(s, &want[i]), 0);
	assert_int_equal(store_flush(s), 0);

	assert_int_equal(read_since(s, 0, 0, &g), 4);
	for (int i = 0; i < 4; i++) {
		assert_event(&g.ev[i], &want[i]);
		if (i > 0)
			assert_true(g.ev[i].id > g.ev[i - 1].id);
	}
	assert_null(g.ev[0].mac); /* NULL stays NULL, not "" */
	assert_null(g.ev[0].detail);

	int64_t second = g.ev[1].id;
	assert_int_equal(read_since(s, second, 0, &g), 2);
	assert_event(&g.ev[0], &want[2]);
	assert_event(&g.ev[1], &want[3]);
	assert_int_equal(read_since(s, INT64_MAX, 0, &g), 0);
	store_close(s);
	got_free(&g);
}

static void events_since_limit_caps_the_count_oldest_first(void **state)
{
	struct fixture *f = *state;
	struct got g = {0};
	struct store *s = open_rw(f);
	for (int i = 0; i < 10; i++) {
		struct store_event ev = sample(i);
		assert_int_equal(store_add_event(s, &ev), 0);
	}
	assert_int_equal(store_flush(s), 0);

	assert_int_equal(read_since(s, 0, 3, &g), 3);
	struct store_event e0 = sample(0), e2 = sample(2), e3 = sample(3);
	assert_event(&g.ev[0], &e0);
	assert_event(&g.ev[2], &e2);
	/* page on from the last id seen */
	int64_t last = g.ev[2].id;
	assert_int_equal(read_since(s, last, 3, &g), 3);
	assert_event(&g.ev[0], &e3);
	assert_int_equal(read_since(s, 0, 100, &g), 10);
	assert_int_equal(read_since(s, 0, 1, &g), 1);
	store_close(s);
	got_free(&g);
}

static void events_since_stops_when_the_callback_says_so(void **state)
{
	struct fixture *f = *state;
	struct got g = {0};
	struct store *s = open_rw(f);
	for (int i = 0; i < 6; i++) {
		struct store_event ev = sample(i);
		assert_int_equal(store_add_event(s, &ev), 0);
	}
	assert_int_equal(store_flush(s), 0);
	g.stop_after = 2;
	assert_int_equal(store_events_since(s, 0, 0, collect, &g), 2);
	assert_int_equal(g.n, 2);
	store_close(s);
	got_free(&g);
}

/* ---- prune ---- */

static void prune_deletes_only_older_events_and_counts_them(void **state)
{
	struct fixture *f = *state;
	struct got g = {0};
	struct store *s = open_rw(f);
	static const int64_t times[] = {100, 300, 200, 250, 400};
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		struct store_event ev = sample((int)i);
		ev.time_us = times[i];
		assert_int_equal(store_add_event(s, &ev), 0);
	}
	/* prune sees what is still queued in this turn */
	assert_int_equal(store_prune_events(s, 250), 2); /* 100 and 200; 250 is not older */
	assert_int_equal(read_since(s, 0, 0, &g), 3);
	assert_int_equal(g.ev[0].time_us, 300);
	assert_int_equal(g.ev[1].time_us, 250);
	assert_int_equal(g.ev[2].time_us, 400);
	assert_int_equal(store_prune_events(s, 250), 0);
	assert_int_equal(store_prune_events(s, 1000), 3);
	assert_int_equal(read_since(s, 0, 0, &g), 0);
	store_close(s);
	got_free(&g);
}

/* ---- refusals ---- */

static void readonly_open_of_a_missing_dir_names_the_path(void **state)
{
	struct fixture *f = *state;
	char missing[128];
	snprintf(missing, sizeof(missing), "%s/no-such-dir", f->dir);
	f->err[0] = 0;
	assert_null(store_open_readonly(missing, f->err, sizeof(f->err)));
	if (!strstr(f->err, missing))
		fail_msg("error \"%s\" does not name %s", f->err, missing);
	struct stat st;
	assert_int_equal(stat(missing, &st), -1); /* and nothing was created */
}

static void readonly_open_of_an_empty_dir_fails_and_creates_nothing(void **state)
{
	struct fixture *f = *state;
	f->err[0] = 0;
	assert_null(store_open_readonly(f->dir, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, f->dir));
	struct stat st;
	assert_int_equal(stat(f->db, &st), -1);
}

static void open_refuses_a_state_file_with_a_newer_schema(void **state)
{
	struct fixture *f = *state;
	exec_direct(f->db, "CREATE TABLE future (x); PRAGMA user_version = 99;");
	f->err[0] = 0;
	assert_null(store_open(f->dir, f->err, sizeof(f->err)));
	if (!strstr(f->err, "99") || !strstr(f->err, "newer"))
		fail_msg("error \"%s\" does not say schema 99 is newer", f->err);
	assert_int_equal(file_user_version(f->db), 99); /* left alone */

	f->err[0] = 0;
	assert_null(store_open_readonly(f->dir, f->err, sizeof(f->err)));
	if (!strstr(f->err, "99") || !strstr(f->err, STORE_FILE))
		fail_msg("read-only error \"%s\" does not name the file and schema 99", f->err);
}

static void open_refuses_a_file_that_is_not_a_database(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->db, "w");
	assert_non_null(fp);
	fputs("this is not an SQLite database, it is a phone's config file\n", fp);
	fclose(fp);
	f->err[0] = 0;
	assert_null(store_open(f->dir, f->err, sizeof(f->err)));
	assert_true(f->err[0] != 0);
	f->err[0] = 0;
	assert_null(store_open_readonly(f->dir, f->err, sizeof(f->err)));
	assert_true(f->err[0] != 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(open_creates_the_file_with_the_current_schema),
		T(reopen_keeps_schema_and_events),
		T(close_commits_what_was_queued),
		T(events_of_a_turn_become_visible_together_at_flush),
		T(events_since_come_back_in_id_order_with_every_field),
		T(events_since_limit_caps_the_count_oldest_first),
		T(events_since_stops_when_the_callback_says_so),
		T(prune_deletes_only_older_events_and_counts_them),
		T(readonly_open_of_a_missing_dir_names_the_path),
		T(readonly_open_of_an_empty_dir_fails_and_creates_nothing),
		T(open_refuses_a_state_file_with_a_newer_schema),
		T(open_refuses_a_file_that_is_not_a_database),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
