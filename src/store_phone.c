/* store_phone: the phones table (mac, model, extension, name, label, secret).
 * Readers: the CLI, pbx export, the daemon. Writers: the CLI only, in short
 * transactions, so the daemon's group commit never waits long for them. */
#include <sqlite3.h>
#include <stdlib.h>

#include "store.h"
#include "store_int.h"

#define PHONE_COLS "mac, model, extension, name, label, secret, created_us, updated_us"

static sqlite3_stmt *prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(store_sqlite(s), sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

static void bind_phone(sqlite3_stmt *st, const struct store_phone *p)
{
	const char *t[] = {p->mac, p->model, p->extension, p->name ? p->name : "",
			   p->label ? p->label : "", p->secret};
	for (int i = 0; i < 6; i++)
		sqlite3_bind_text(st, i + 1, t[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, p->created_us);
	sqlite3_bind_int64(st, 8, p->updated_us);
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? v : "";
}

/* Rows of st to fn; the number of rows seen, or -1. */
static int each(sqlite3_stmt *st, store_phone_fn fn, void *ctx)
{
	int rc, n = 0;
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_phone p = {
			.mac = col(st, 0), .model = col(st, 1), .extension = col(st, 2),
			.name = col(st, 3), .label = col(st, 4), .secret = col(st, 5),
			.created_us = sqlite3_column_int64(st, 6), .updated_us = sqlite3_column_int64(st, 7),
		};
		n++;
		if (fn && fn(ctx, &p) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

int store_phones(struct store *s, store_phone_fn fn, void *ctx)
{
	/* digits only: by value, then by length for leading zeros */
	sqlite3_stmt *st = prep(s, "SELECT " PHONE_COLS " FROM phones"
				   " ORDER BY CAST(extension AS INTEGER), length(extension), extension");
	return each(st, fn, ctx) < 0 ? -1 : 0;
}

static int one(struct store *s, const char *sql, const char *key, store_phone_fn fn, void *ctx)
{
	sqlite3_stmt *st = prep(s, sql);
	if (st)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int n = each(st, fn, ctx);
	return n < 0 ? -1 : n > 0;
}

int store_phone_get(struct store *s, const char *mac, store_phone_fn fn, void *ctx)
{
	return one(s, "SELECT " PHONE_COLS " FROM phones WHERE mac = ?", mac, fn, ctx);
}

int store_phone_by_ext(struct store *s, const char *extension, store_phone_fn fn, void *ctx)
{
	return one(s, "SELECT " PHONE_COLS " FROM phones WHERE extension = ?", extension, fn, ctx);
}

/* Step a write; rows changed, or -1. */
static int step_write(struct store *s, sqlite3_stmt *st)
{
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_changes(store_sqlite(s)) : -1;
}

int store_phone_add(struct store *s, const struct store_phone *p)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO phones (" PHONE_COLS ") VALUES (?,?,?,?,?,?,?,?)");
	if (st)
		bind_phone(st, p);
	return step_write(s, st) < 0 ? -1 : 0;
}

int store_phone_update(struct store *s, const struct store_phone *p)
{
	sqlite3_stmt *st = prep(s, "UPDATE phones SET model = ?2, extension = ?3, name = ?4, label = ?5,"
				   " secret = ?6, updated_us = ?8 WHERE mac = ?1");
	if (st)
		bind_phone(st, p);
	return step_write(s, st);
}

int store_phone_remove(struct store *s, const char *mac)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM phones WHERE mac = ?");
	if (st)
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	return step_write(s, st);
}

int64_t store_phone_count(struct store *s)
{
	sqlite3_stmt *st = prep(s, "SELECT count(*) FROM phones");
	if (!st)
		return -1;
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return n;
}

static int exec(struct store *s, const char *sql)
{
	return sqlite3_exec(store_sqlite(s), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int64_t store_phone_generation(struct store *s)
{
	sqlite3_stmt *st = prep(s, "SELECT gen FROM phone_gen");
	if (!st)
		return -1;
	int64_t g = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return g;
}

/* After an import's commit: how many frames the WAL holds. */
static int wal_frames(void *ctx, sqlite3 *db, const char *name, int frames)
{
	(void)db, (void)name;
	*(int *)ctx = frames;
	return SQLITE_OK;
}

static int import_wal_frames; /* one import per process */

int store_phone_stage_clear(struct store *s)
{
	/* the import's connection may cache the whole table (the daemon keeps 512 KiB);
	 * it checkpoints between its chunks itself (store_phone_stage_checkpoint), so no
	 * commit of its own, and none of the daemon's, copies a long WAL while timed */
	sqlite3_wal_hook(store_sqlite(s), wal_frames, &import_wal_frames);
	return exec(s, "PRAGMA cache_size = -32768; DELETE FROM phone_staging");
}

int store_phone_stage_checkpoint(struct store *s, int min_frames)
{
	if (import_wal_frames < min_frames)
		return 0;
	import_wal_frames = 0;
	int rc = sqlite3_wal_checkpoint_v2(store_sqlite(s), NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : -1;
}

int store_phone_stage_put(struct store *s, const struct store_phone *p)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO phone_staging (" PHONE_COLS ") VALUES (?,?,?,?,?,?,?,?)");
	if (st)
		bind_phone(st, p);
	return step_write(s, st) < 0 ? -1 : 0;
}

int store_phone_stage_copy(struct store *s, int64_t *cursor, int max)
{
	sqlite3_stmt *st = prep(s, "SELECT rowid, mac FROM phones WHERE rowid > ? ORDER BY rowid LIMIT ?");
	sqlite3_stmt *ins = prep(s, "INSERT INTO phone_staging (" PHONE_COLS ") SELECT " PHONE_COLS
				    " FROM phones WHERE rowid = ?1 AND mac NOT IN (SELECT mac FROM phone_staging)");
	int rc = -1, n = 0;
	if (!st || !ins)
		goto out;
	sqlite3_bind_int64(st, 1, *cursor);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*cursor = sqlite3_column_int64(st, 0);
		sqlite3_bind_int64(ins, 1, *cursor);
		if (sqlite3_step(ins) != SQLITE_DONE)
			break;
		sqlite3_reset(ins);
		n++;
	}
	rc = rc == SQLITE_DONE ? n : -1;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	return rc;
}

/* The staging table becomes phones: a rename, however many phones there
 * are; the old table's pages go to the free list. */
int64_t store_phone_stage_publish(struct store *s, int64_t gen)
{
	if (store_begin(s) < 0)
		return -1;
	int64_t now = store_phone_generation(s);
	if (now != gen) {
		store_rollback(s);
		return now < 0 ? -1 : -2;
	}
	if (exec(s, "DROP TABLE phones; ALTER TABLE phone_staging RENAME TO phones;"
		    "CREATE TABLE phone_staging ("
		    "  mac TEXT PRIMARY KEY, model TEXT NOT NULL, extension TEXT NOT NULL UNIQUE,"
		    "  name TEXT NOT NULL DEFAULT '', label TEXT NOT NULL DEFAULT '',"
		    "  secret TEXT NOT NULL, created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL);"
		    "UPDATE phone_gen SET gen = gen + 1;" STORE_PHONE_TRIGGERS) < 0 ||
	    store_commit(s) < 0) {
		store_rollback(s);
		return -1;
	}
	return store_phone_count(s);
}
