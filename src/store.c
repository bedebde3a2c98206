/* store: SQLite state. WAL with synchronous=NORMAL: a commit is one append
 * to the log; events of a loop turn share one transaction. */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct store {
	sqlite3 *db;
	sqlite3_stmt *ins_event;
	int in_tx;
	int pending;
};

/* Each step moves the schema from user_version i to i + 1. */
static const char *const migrations[] = {
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  time_us INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  ip TEXT, port INTEGER, mac TEXT,"
	"  file TEXT, served TEXT,"
	"  bytes INTEGER, blocks INTEGER, retransmits INTEGER, duration_us INTEGER,"
	"  outcome TEXT, detail TEXT);"
	"CREATE INDEX events_time ON events(time_us);"
	"CREATE INDEX events_ip ON events(ip, time_us);",
};
#define NMIGRATIONS (int)(sizeof(migrations) / sizeof(migrations[0]))

const char *store_errmsg(struct store *s)
{
	return sqlite3_errmsg(s->db);
}

static int exec(struct store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int user_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(struct store *s, char *err, size_t errlen)
{
	int v = user_version(s);
	if (v > NMIGRATIONS) {
		snprintf(err, errlen, "state file schema %d is newer than this phoneboot (%d)", v,
			 NMIGRATIONS);
		return -1;
	}
	for (; v >= 0 && v < NMIGRATIONS; v++) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec(s, "BEGIN IMMEDIATE") < 0 || exec(s, migrations[v]) < 0 || exec(s, sql) < 0 ||
		    exec(s, "COMMIT") < 0) {
			snprintf(err, errlen, "migrating the state file to schema %d: %s", v + 1,
				 sqlite3_errmsg(s->db));
			exec(s, "ROLLBACK");
			return -1;
		}
	}
	return v < 0 ? -1 : 0;
}

static struct store *open_db(const char *state_dir, int flags, char *err, size_t errlen)
{
	char path[4096];
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", state_dir, STORE_FILE);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 5000);
	return s;
}

struct store *store_open(const char *state_dir, char *err, size_t errlen)
{
	struct store *s = open_db(state_dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err, errlen);
	if (!s)
		return NULL;
	if (user_version(s) > NMIGRATIONS) { /* refuse before changing anything in it */
		migrate(s, err, errlen);
		store_close(s);
		return NULL;
	}
	if (exec(s, "PRAGMA journal_mode = WAL") < 0 || exec(s, "PRAGMA synchronous = NORMAL") < 0 ||
	    exec(s, "PRAGMA foreign_keys = ON") < 0) {
		snprintf(err, errlen, "%s/%s: %s", state_dir, STORE_FILE, sqlite3_errmsg(s->db));
		store_close(s);
		return NULL;
	}
	if (migrate(s, err, errlen) < 0) {
		store_close(s);
		return NULL;
	}
	if (sqlite3_prepare_v3(s->db,
			       "INSERT INTO events (time_us, kind, ip, port, mac, file, served, bytes,"
			       " blocks, retransmits, duration_us, outcome, detail)"
			       " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, SQLITE_PREPARE_PERSISTENT, &s->ins_event, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "preparing: %s", sqlite3_errmsg(s->db));
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *store_open_readonly(const char *state_dir, char *err, size_t errlen)
{
	struct store *s = open_db(state_dir, SQLITE_OPEN_READONLY, err, errlen);
	if (!s)
		return NULL;
	int v = user_version(s);
	if (v < 0) {
		snprintf(err, errlen, "%s/%s: cannot read it: %s", state_dir, STORE_FILE,
			 sqlite3_errmsg(s->db));
		store_close(s);
		return NULL;
	}
	if (v < 1 || v > NMIGRATIONS) {
		snprintf(err, errlen, "%s/%s: not a phoneboot state file of schema 1..%d (found %d)",
			 state_dir, STORE_FILE, NMIGRATIONS, v);
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		store_flush(s);
	sqlite3_finalize(s->ins_event);
	sqlite3_close(s->db);
	free(s);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int store_add_event(struct store *s, const struct store_event *ev)
{
	if (!s->in_tx) {
		if (exec(s, "BEGIN") < 0)
			return -1;
		s->in_tx = 1;
	}
	sqlite3_stmt *st = s->ins_event;
	sqlite3_bind_int64(st, 1, ev->time_us);
	bind_text(st, 2, ev->kind);
	bind_text(st, 3, ev->ip);
	sqlite3_bind_int(st, 4, ev->port);
	bind_text(st, 5, ev->mac);
	bind_text(st, 6, ev->file);
	bind_text(st, 7, ev->served);
	sqlite3_bind_int64(st, 8, ev->bytes);
	sqlite3_bind_int64(st, 9, ev->blocks);
	sqlite3_bind_int64(st, 10, ev->retransmits);
	sqlite3_bind_int64(st, 11, ev->duration_us);
	bind_text(st, 12, ev->outcome);
	bind_text(st, 13, ev->detail);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	s->pending++;
	return 0;
}

int store_pending(const struct store *s)
{
	return s->pending;
}

int store_flush(struct store *s)
{
	if (!s->in_tx)
		return 0;
	if (exec(s, "COMMIT") < 0)
		return -1;
	s->in_tx = 0;
	s->pending = 0;
	return 0;
}

int64_t store_prune_events(struct store *s, int64_t before_us)
{
	sqlite3_stmt *st;
	if (store_flush(s) < 0 ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM events WHERE time_us < ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, before_us);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_changes(s->db) : -1;
}

int store_events_since(struct store *s, int64_t after_id, int limit, store_event_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, time_us, kind, ip, port, mac, file, served, bytes, blocks,"
			       " retransmits, duration_us, outcome, detail FROM events"
			       " WHERE id > ? ORDER BY id LIMIT ?",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event ev = {
			.id = sqlite3_column_int64(st, 0),
			.time_us = sqlite3_column_int64(st, 1),
			.kind = (const char *)sqlite3_column_text(st, 2),
			.ip = (const char *)sqlite3_column_text(st, 3),
			.port = sqlite3_column_int(st, 4),
			.mac = (const char *)sqlite3_column_text(st, 5),
			.file = (const char *)sqlite3_column_text(st, 6),
			.served = (const char *)sqlite3_column_text(st, 7),
			.bytes = sqlite3_column_int64(st, 8),
			.blocks = sqlite3_column_int64(st, 9),
			.retransmits = sqlite3_column_int64(st, 10),
			.duration_us = sqlite3_column_int64(st, 11),
			.outcome = (const char *)sqlite3_column_text(st, 12),
			.detail = (const char *)sqlite3_column_text(st, 13),
		};
		n++;
		if (fn(ctx, &ev) != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}
