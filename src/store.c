/* store: SQLite state. WAL with synchronous=NORMAL: a commit is one append
 * to the log; events of a loop turn share one transaction. */
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

struct store {
	sqlite3 *db;
	sqlite3_stmt *ins_event;
	sqlite3_stmt *put_lease;
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
	if (s->in_tx)
		store_flush(s);
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

/* The loop turn's transaction, opened by its first write (group commit). */
static int turn_begin(struct store *s)
{
	if (s->in_tx)
		return 0;
	if (exec(s, "BEGIN") < 0)
		return -1;
	s->in_tx = 1;
	return 0;
}

static int turn_step(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	s->pending++;
	return 0;
}

int store_add_event(struct store *s, const struct store_event *ev)
{
	if (turn_begin(s) < 0)
		return -1;
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
	return turn_step(s, st);
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

/* --- the firmware library --- */

int store_begin(struct store *s)
{
	if (store_flush(s) < 0)
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
	if (!s->put_lease &&
	    sqlite3_prepare_v3(s->db, "INSERT OR REPLACE INTO leases (ip, mac, client_id, state, expires_us,"
				      " hostname, vendor_class, subnet, updated_us) VALUES (?,?,?,?,?,?,?,?,?)",
			       -1, SQLITE_PREPARE_PERSISTENT, &s->put_lease, NULL) != SQLITE_OK)
		return -1;
	if (turn_begin(s) < 0)
		return -1;
	sqlite3_stmt *st = s->put_lease;
	bind_text(st, 1, l->ip);
	bind_text(st, 2, l->mac);
	bind_text(st, 3, l->client_id);
	bind_text(st, 4, l->state);
	sqlite3_bind_int64(st, 5, l->expires_us);
	bind_text(st, 6, l->hostname);
	bind_text(st, 7, l->vendor_class);
	bind_text(st, 8, l->subnet);
	sqlite3_bind_int64(st, 9, l->updated_us);
	return turn_step(s, st);
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
