/* store: SQLite state. WAL with synchronous=NORMAL: a commit is one append
 * to the log. The daemon's writes of a loop turn (events, leases) wait in a
 * queue in memory, with their bound values; store_flush writes them in one
 * transaction. On the daemon's connection (store_nonblocking) the lock is
 * never waited for: a flush that finds another connection writing keeps the
 * queue, in order, and says STORE_BUSY; the next turn tries again. */
#include "store.h"
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { Q_EVENT, Q_LEASE };
#define Q_TEXTS 7
#define Q_INTS 6

/* One queued write: its values, the texts in the same allocation. */
struct qwrite {
	int kind;
	int64_t n[Q_INTS];
	const char *t[Q_TEXTS];
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *ins_event;
	sqlite3_stmt *put_lease;
	struct qwrite **q;       /* q[head..nq) wait for a commit */
	size_t head, nq, cap;
	uint64_t done;           /* writes committed (or refused by SQLite) so far */
	uint64_t dropped;        /* events not queued: the queue was full */
	uint64_t refused;        /* writes SQLite refused (a constraint) */
	uint64_t busy_turns;     /* flushes in a row that found the lock taken */
	char flush_err[256];     /* why the last flush failed */
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
	/* 2: the firmware library */
	"CREATE TABLE fw_packages ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL, size INTEGER NOT NULL,"
	"  sha1 TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE,"
	"  verdict TEXT NOT NULL, imported_us INTEGER NOT NULL);"
	"CREATE TABLE fw_loads ("
	"  load_id TEXT PRIMARY KEY,"
	"  family TEXT NOT NULL, protocol TEXT NOT NULL, version TEXT NOT NULL,"
	"  release TEXT NOT NULL, package_id INTEGER REFERENCES fw_packages(id),"
	"  imported_us INTEGER NOT NULL);"
	/* the images a load's .loads names, in download order, present or not */
	"CREATE TABLE fw_images ("
	"  load_id TEXT NOT NULL REFERENCES fw_loads(load_id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL, name TEXT NOT NULL,"
	"  PRIMARY KEY (load_id, position));"
	/* every file stored for a load: .loads, images, leftovers */
	"CREATE TABLE fw_files ("
	"  load_id TEXT NOT NULL REFERENCES fw_loads(load_id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL, size INTEGER NOT NULL,"
	"  sha1 TEXT NOT NULL, sha256 TEXT NOT NULL,"
	"  verdict TEXT NOT NULL, role TEXT NOT NULL,"
	"  PRIMARY KEY (load_id, name));"
	"CREATE INDEX fw_files_name ON fw_files(name COLLATE NOCASE);"
	"CREATE INDEX fw_files_sha256 ON fw_files(sha256);"
	/* files served under a path of the TFTP tree (locale packages) */
	"CREATE TABLE fw_tree ("
	"  path TEXT PRIMARY KEY COLLATE NOCASE,"
	"  size INTEGER NOT NULL, sha1 TEXT NOT NULL, sha256 TEXT NOT NULL,"
	"  verdict TEXT NOT NULL, package_id INTEGER REFERENCES fw_packages(id) ON DELETE CASCADE);"
	"CREATE INDEX fw_tree_sha256 ON fw_tree(sha256);",
	/* 3: DHCP leases; what provisioning learns IP -> MAC and VCI -> model from */
	"CREATE TABLE leases ("
	"  ip TEXT PRIMARY KEY, mac TEXT NOT NULL, client_id TEXT,"
	"  state TEXT NOT NULL, expires_us INTEGER NOT NULL,"
	"  hostname TEXT, vendor_class TEXT, subnet TEXT, updated_us INTEGER NOT NULL);"
	"CREATE INDEX leases_mac ON leases(mac);",
	/* 4: the phone inventory (store_phone.c). An import builds the whole
	 * next table in phone_staging, in short chunks, and publishes it by
	 * renaming; phone_gen counts changes, so an import notices others' */
	"CREATE TABLE phones ("
	"  mac TEXT PRIMARY KEY, model TEXT NOT NULL, extension TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL DEFAULT '', label TEXT NOT NULL DEFAULT '',"
	"  secret TEXT NOT NULL, created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL);"
	"CREATE TABLE phone_staging ("
	"  mac TEXT PRIMARY KEY, model TEXT NOT NULL, extension TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL DEFAULT '', label TEXT NOT NULL DEFAULT '',"
	"  secret TEXT NOT NULL, created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL);"
	"CREATE TABLE phone_gen (gen INTEGER NOT NULL);"
	"INSERT INTO phone_gen VALUES (0);"
	STORE_PHONE_TRIGGERS,
};
#define NMIGRATIONS (int)(sizeof(migrations) / sizeof(migrations[0]))

sqlite3 *store_sqlite(struct store *s)
{
	return s->db;
}

const char *store_errmsg(struct store *s)
{
	return s->flush_err[0] ? s->flush_err : sqlite3_errmsg(s->db);
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
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	return s;
}

/* The state file holds SIP secrets: 0600, and its -wal and -shm (SQLite
 * gives them the database's mode) too, also when an older phoneboot made
 * them 0644. */
static int private_files(const char *state_dir, char *err, size_t errlen)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", state_dir, STORE_FILE);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 3; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s%s", state_dir, STORE_FILE, sfx[i]);
		if (stat(path, &st) == 0 && (st.st_mode & 077) && chmod(path, st.st_mode & 0700) < 0) {
			snprintf(err, errlen, "%s: making it private (mode 0600): %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

struct store *store_open(const char *state_dir, char *err, size_t errlen)
{
	if (private_files(state_dir, err, errlen) < 0)
		return NULL;
	struct store *s = open_db(state_dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err, errlen);
	if (!s)
		return NULL;
	if (user_version(s) > NMIGRATIONS) { /* refuse before changing anything in it */
		migrate(s, err, errlen);
		store_close(s);
		return NULL;
	}
	/* a small page cache: the daemon appends events and leases, it does not
	 * read much back (and its resident memory is a benchmark target) */
	if (exec(s, "PRAGMA journal_mode = WAL") < 0 || exec(s, "PRAGMA synchronous = NORMAL") < 0 ||
	    exec(s, "PRAGMA cache_size = -512") < 0 ||
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
	if (s->head < s->nq) {
		/* the last commit may wait for the lock like the CLI does */
		sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
		while (s->head < s->nq && store_flush(s) == 0)
			;
	}
	for (size_t i = s->head; i < s->nq; i++)
		free(s->q[i]);
	free(s->q);
	sqlite3_finalize(s->ins_event);
	sqlite3_finalize(s->put_lease);
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

/* --- the queue of the daemon's writes (events, leases) --- */

static struct qwrite *qwrite_new(int kind, const char *const *t, const int64_t *n)
{
	size_t len[Q_TEXTS], total = sizeof(struct qwrite);
	for (int i = 0; i < Q_TEXTS; i++) {
		len[i] = t[i] ? strlen(t[i]) + 1 : 0;
		total += len[i];
	}
	struct qwrite *w = malloc(total);
	if (!w)
		return NULL;
	w->kind = kind;
	memcpy(w->n, n, sizeof(w->n));
	char *p = (char *)(w + 1);
	for (int i = 0; i < Q_TEXTS; i++) {
		w->t[i] = t[i] ? memcpy(p, t[i], len[i]) : NULL;
		p += len[i];
	}
	return w;
}

static int enqueue(struct store *s, int kind, const char *const *t, const int64_t *n)
{
	if (s->nq == s->cap && s->head > 0) {
		memmove(s->q, s->q + s->head, (s->nq - s->head) * sizeof(*s->q));
		s->nq -= s->head;
		s->head = 0;
	}
	if (s->nq == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct qwrite **q = realloc(s->q, cap * sizeof(*q));
		if (!q)
			return -1;
		s->q = q;
		s->cap = cap;
	}
	struct qwrite *w = qwrite_new(kind, t, n);
	if (!w)
		return -1;
	s->q[s->nq++] = w;
	return 0;
}

int store_add_event(struct store *s, const struct store_event *ev)
{
	if (s->nq - s->head >= STORE_QUEUE_MAX) {
		s->dropped++; /* the lock has been held for very long: keep serving */
		return 0;
	}
	const char *t[Q_TEXTS] = {ev->kind, ev->ip, ev->mac, ev->file, ev->served, ev->outcome, ev->detail};
	const int64_t n[Q_INTS] = {ev->time_us, ev->port, ev->bytes, ev->blocks, ev->retransmits, ev->duration_us};
	return enqueue(s, Q_EVENT, t, n);
}

int store_pending(const struct store *s)
{
	return (int)(s->nq - s->head);
}

uint64_t store_queued_seq(const struct store *s)
{
	return s->done + (s->nq - s->head);
}

uint64_t store_committed_seq(const struct store *s)
{
	return s->done;
}

void store_queue_stats(const struct store *s, struct store_queue_stats *st)
{
	st->pending = s->nq - s->head;
	st->committed = s->done;
	st->dropped = s->dropped;
	st->refused = s->refused;
	st->busy_turns = s->busy_turns;
}

void store_nonblocking(struct store *s)
{
	sqlite3_busy_timeout(s->db, 0);
}

uint64_t store_retry_us(const struct store *s)
{
	if (s->busy_turns == 0)
		return 1; /* more than one transaction's worth: go on next turn */
	uint64_t us = (uint64_t)STORE_RETRY_FIRST_US << (s->busy_turns < 6 ? s->busy_turns - 1 : 5);
	return us < STORE_RETRY_MAX_US ? us : STORE_RETRY_MAX_US;
}

static int write_one(struct store *s, const struct qwrite *w)
{
	sqlite3_stmt *st;
	if (w->kind == Q_EVENT) {
		st = s->ins_event;
		static const int tcol[Q_TEXTS] = {2, 3, 5, 6, 7, 12, 13}, ncol[Q_INTS] = {1, 4, 8, 9, 10, 11};
		for (int i = 0; i < Q_TEXTS; i++)
			bind_text(st, tcol[i], w->t[i]);
		for (int i = 0; i < Q_INTS; i++)
			sqlite3_bind_int64(st, ncol[i], w->n[i]);
	} else {
		if (!s->put_lease &&
		    sqlite3_prepare_v3(s->db, "INSERT OR REPLACE INTO leases (ip, mac, client_id, state, hostname,"
					      " vendor_class, subnet, expires_us, updated_us) VALUES (?,?,?,?,?,?,?,?,?)",
				       -1, SQLITE_PREPARE_PERSISTENT, &s->put_lease, NULL) != SQLITE_OK)
			return sqlite3_errcode(s->db);
		st = s->put_lease;
		for (int i = 0; i < Q_TEXTS; i++)
			bind_text(st, i + 1, w->t[i]);
		sqlite3_bind_int64(st, 8, w->n[0]);
		sqlite3_bind_int64(st, 9, w->n[1]);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc;
}

static int is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* Undo a transaction that did not commit; keep SQLite's reason for the caller. */
static int flush_failed(struct store *s, int rc)
{
	snprintf(s->flush_err, sizeof(s->flush_err), "%s", sqlite3_errmsg(s->db));
	if (!sqlite3_get_autocommit(s->db))
		exec(s, "ROLLBACK");
	if (is_busy(rc)) {
		s->busy_turns++;
		return STORE_BUSY;
	}
	return -1;
}

static void dequeue(struct store *s, size_t end)
{
	for (size_t i = s->head; i < end; i++)
		free(s->q[i]);
	s->done += end - s->head;
	s->head = end;
	if (s->head == s->nq)
		s->head = s->nq = 0;
}

int store_flush(struct store *s)
{
	s->flush_err[0] = 0;
	if (s->head == s->nq)
		return 0;
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return flush_failed(s, rc);
	size_t end = s->nq - s->head > STORE_FLUSH_MAX ? s->head + STORE_FLUSH_MAX : s->nq;
	uint64_t refused = 0;
	for (size_t i = s->head; i < end; i++) {
		rc = write_one(s, s->q[i]);
		if (is_busy(rc))
			return flush_failed(s, rc);
		/* a write SQLite refuses (a constraint) it would refuse again */
		if (rc != SQLITE_DONE)
			refused++;
	}
	rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return flush_failed(s, rc);
	s->refused += refused;
	s->busy_turns = 0;
	dequeue(s, end);
	return 0;
}

int64_t store_prune_events(struct store *s, int64_t before_us)
{
	sqlite3_stmt *st;
	if (store_flush(s) != 0 ||
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

/* --- the firmware library --- */

int store_begin(struct store *s)
{
	if (store_flush(s) != 0)
		return -1;
	return exec(s, "BEGIN IMMEDIATE");
}

int store_commit(struct store *s)
{
	return exec(s, "COMMIT");
}

void store_rollback(struct store *s)
{
	exec(s, "ROLLBACK");
}

/* Prepare sql and bind the texts (NULL binds NULL) and then the integers. */
static sqlite3_stmt *prep(struct store *s, const char *sql, int ntext, const char *const *text, int nint,
			  const int64_t *ints)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	for (int i = 0; i < ntext; i++)
		bind_text(st, i + 1, text[i]);
	for (int i = 0; i < nint; i++)
		sqlite3_bind_int64(st, ntext + i + 1, ints[i]);
	return st;
}

static int run(struct store *s, const char *sql, int ntext, const char *const *text, int nint,
	       const int64_t *ints)
{
	sqlite3_stmt *st = prep(s, sql, ntext, text, nint, ints);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_fw_package_find(struct store *s, const char *sha256, int64_t *id)
{
	const char *t[] = {sha256};
	sqlite3_stmt *st = prep(s, "SELECT id FROM fw_packages WHERE sha256 = ?", 1, t, 0, NULL);
	if (!st)
		return -1;
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}

int store_fw_package_add(struct store *s, const struct store_fw_package *p, int64_t *id)
{
	const char *t[] = {p->name, p->sha1, p->sha256, p->verdict};
	const int64_t n[] = {p->size, p->imported_us};
	if (run(s, "INSERT INTO fw_packages (name, sha1, sha256, verdict, size, imported_us)"
		   " VALUES (?,?,?,?,?,?)", 4, t, 2, n) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_fw_load_put(struct store *s, const struct store_fw_load *l)
{
	const char *t[] = {l->load_id, l->family, l->protocol, l->version, l->release};
	const int64_t n[] = {l->package_id, l->imported_us};
	if (run(s, "DELETE FROM fw_images WHERE load_id = ?", 1, t, 0, NULL) < 0)
		return -1;
	return run(s, "INSERT INTO fw_loads (load_id, family, protocol, version, release, package_id,"
		      " imported_us) VALUES (?,?,?,?,?,?,?) ON CONFLICT(load_id) DO UPDATE SET"
		      " family = excluded.family, protocol = excluded.protocol, version = excluded.version,"
		      " release = excluded.release, package_id = excluded.package_id,"
		      " imported_us = excluded.imported_us", 5, t, 2, n);
}

int store_fw_image_put(struct store *s, const char *load_id, int position, const char *name)
{
	const char *t[] = {load_id, name};
	const int64_t n[] = {position};
	return run(s, "INSERT INTO fw_images (load_id, name, position) VALUES (?,?,?)", 2, t, 1, n);
}

int store_fw_file_put(struct store *s, const struct store_fw_file *f)
{
	const char *t[] = {f->load_id, f->name, f->sha1, f->sha256, f->verdict, f->role};
	const int64_t n[] = {f->size};
	return run(s, "INSERT OR REPLACE INTO fw_files (load_id, name, sha1, sha256, verdict, role, size)"
		      " VALUES (?,?,?,?,?,?,?)", 6, t, 1, n);
}

int store_fw_tree_put(struct store *s, const struct store_fw_file *f, int64_t package_id)
{
	const char *t[] = {f->name, f->sha1, f->sha256, f->verdict};
	const int64_t n[] = {f->size, package_id};
	return run(s, "INSERT OR REPLACE INTO fw_tree (path, sha1, sha256, verdict, size, package_id)"
		      " VALUES (?,?,?,?,?,?)", 4, t, 2, n);
}

int store_fw_load_remove(struct store *s, const char *load_id)
{
	const char *t[] = {load_id};
	if (run(s, "DELETE FROM fw_loads WHERE load_id = ?", 1, t, 0, NULL) < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 1;
	/* a package none of whose loads or tree files is left is forgotten, so
	 * importing it again imports it */
	return run(s, "DELETE FROM fw_packages WHERE id NOT IN (SELECT package_id FROM fw_loads"
		      " WHERE package_id IS NOT NULL) AND id NOT IN (SELECT package_id FROM fw_tree"
		      " WHERE package_id IS NOT NULL)", 0, NULL, 0, NULL);
}

int store_fw_load_exists(struct store *s, const char *load_id)
{
	const char *t[] = {load_id};
	sqlite3_stmt *st = prep(s, "SELECT 1 FROM fw_loads WHERE load_id = ?", 1, t, 0, NULL);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Step st to the end, calling row for each row; 0, or -1 on an error. */
static int each(sqlite3_stmt *st, int (*row)(sqlite3_stmt *st, void *fn, void *ctx), void *fn, void *ctx)
{
	int rc;
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (row(st, fn, ctx) != 0)
			break;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int load_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct store_fw_load l = {
		.load_id = col(st, 0), .family = col(st, 1), .protocol = col(st, 2),
		.version = col(st, 3), .release = col(st, 4), .package_id = sqlite3_column_int64(st, 5),
		.package = col(st, 6), .imported_us = sqlite3_column_int64(st, 7),
	};
	return ((store_fw_load_fn)fn)(ctx, &l);
}

int store_fw_loads(struct store *s, const char *load_id, store_fw_load_fn fn, void *ctx)
{
	const char *t[] = {load_id};
	sqlite3_stmt *st = prep(s, "SELECT l.load_id, l.family, l.protocol, l.version, l.release,"
				   " l.package_id, p.name, l.imported_us FROM fw_loads l"
				   " LEFT JOIN fw_packages p ON p.id = l.package_id"
				   " WHERE ?1 IS NULL OR l.load_id = ?1 ORDER BY l.load_id", 1, t, 0, NULL);
	return each(st, load_row, (void *)fn, ctx);
}

static int file_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct store_fw_file f = {
		.load_id = col(st, 0), .name = col(st, 1), .size = sqlite3_column_int64(st, 2),
		.sha1 = col(st, 3), .sha256 = col(st, 4), .verdict = col(st, 5), .role = col(st, 6),
	};
	return ((store_fw_file_fn)fn)(ctx, &f);
}

int store_fw_files(struct store *s, const char *load_id, store_fw_file_fn fn, void *ctx)
{
	const char *t[] = {load_id};
	sqlite3_stmt *st = prep(s, "SELECT load_id, name, size, sha1, sha256, verdict, role FROM fw_files"
				   " WHERE ?1 IS NULL OR load_id = ?1 ORDER BY load_id, role, name",
				1, t, 0, NULL);
	return each(st, file_row, (void *)fn, ctx);
}

static int image_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	return ((store_fw_name_fn)fn)(ctx, sqlite3_column_int(st, 0), col(st, 1));
}

int store_fw_images(struct store *s, const char *load_id, store_fw_name_fn fn, void *ctx)
{
	const char *t[] = {load_id};
	sqlite3_stmt *st = prep(s, "SELECT position, name FROM fw_images WHERE load_id = ? ORDER BY position",
				1, t, 0, NULL);
	return each(st, image_row, (void *)fn, ctx);
}

int store_fw_lookup(struct store *s, const char *name, store_fw_file_fn fn, void *ctx)
{
	const char *t[] = {name};
	sqlite3_stmt *st = prep(s, "SELECT load_id, name, size, sha1, sha256, verdict, role FROM fw_files"
				   " WHERE name = ? COLLATE NOCASE ORDER BY load_id", 1, t, 0, NULL);
	return each(st, file_row, (void *)fn, ctx);
}

static int tree_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct store_fw_file f = {
		.load_id = NULL, .name = col(st, 0), .size = sqlite3_column_int64(st, 1),
		.sha1 = col(st, 2), .sha256 = col(st, 3), .verdict = col(st, 4), .role = "tree",
	};
	return ((store_fw_file_fn)fn)(ctx, &f);
}

int store_fw_tree_lookup(struct store *s, const char *path, store_fw_file_fn fn, void *ctx)
{
	const char *t[] = {path};
	sqlite3_stmt *st = prep(s, "SELECT path, size, sha1, sha256, verdict FROM fw_tree WHERE path = ?",
				1, t, 0, NULL);
	return each(st, tree_row, (void *)fn, ctx);
}

int store_fw_tree_all(struct store *s, store_fw_file_fn fn, void *ctx)
{
	sqlite3_stmt *st = prep(s, "SELECT path, size, sha1, sha256, verdict FROM fw_tree ORDER BY path",
				0, NULL, 0, NULL);
	return each(st, tree_row, (void *)fn, ctx);
}

int64_t store_fw_sha256_refs(struct store *s, const char *sha256)
{
	const char *t[] = {sha256};
	sqlite3_stmt *st = prep(s, "SELECT (SELECT count(*) FROM fw_files WHERE sha256 = ?1) +"
				   " (SELECT count(*) FROM fw_tree WHERE sha256 = ?1)", 1, t, 0, NULL);
	if (!st)
		return -1;
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return n;
}

/* --- DHCP leases --- */

int store_lease_put(struct store *s, const struct store_lease *l)
{
	const char *t[Q_TEXTS] = {l->ip, l->mac, l->client_id, l->state, l->hostname, l->vendor_class, l->subnet};
	const int64_t n[Q_INTS] = {l->expires_us, l->updated_us};
	/* never dropped: an ACK waits for it */
	return enqueue(s, Q_LEASE, t, n);
}

static int lease_row(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct store_lease l = {
		.ip = col(st, 0), .mac = col(st, 1), .client_id = col(st, 2), .state = col(st, 3),
		.expires_us = sqlite3_column_int64(st, 4), .hostname = col(st, 5), .vendor_class = col(st, 6),
		.subnet = col(st, 7), .updated_us = sqlite3_column_int64(st, 8),
	};
	return ((store_lease_fn)fn)(ctx, &l);
}

int store_leases(struct store *s, store_lease_fn fn, void *ctx)
{
	sqlite3_stmt *st = prep(s, "SELECT ip, mac, client_id, state, expires_us, hostname, vendor_class, subnet,"
				   " updated_us FROM leases ORDER BY mac, ip", 0, NULL, 0, NULL);
	return each(st, lease_row, (void *)fn, ctx);
}

int store_lease_by_ip(struct store *s, const char *ip, store_lease_fn fn, void *ctx)
{
	const char *t[] = {ip};
	sqlite3_stmt *st = prep(s, "SELECT ip, mac, client_id, state, expires_us, hostname, vendor_class, subnet,"
				   " updated_us FROM leases WHERE ip = ?", 1, t, 0, NULL);
	return each(st, lease_row, (void *)fn, ctx);
}

int store_lease_by_mac(struct store *s, const char *mac, store_lease_fn fn, void *ctx)
{
	const char *t[] = {mac};
	sqlite3_stmt *st = prep(s, "SELECT ip, mac, client_id, state, expires_us, hostname, vendor_class, subnet,"
				   " updated_us FROM leases WHERE mac = ? ORDER BY updated_us DESC", 1, t, 0, NULL);
	return each(st, lease_row, (void *)fn, ctx);
}

/* --- seeing other processes' changes --- */

int64_t store_data_version(struct store *s)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}
