/* store: the one SQLite state file (WAL): schema, migrations
 * (PRAGMA user_version), and every query. No SQL outside this module. */
#ifndef PHONEBOOT_STORE_H
#define PHONEBOOT_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* One entry of the timeline: a finished (or refused) transfer, for now. */
struct store_event {
	int64_t id;
	int64_t time_us;          /* wall clock, microseconds since 1970 */
	const char *kind;         /* "tftp-rrq", "tftp-wrq" */
	const char *ip;
	int port;
	const char *mac;          /* NULL until the phone is known */
	const char *file;
	const char *served;
	int64_t bytes, blocks, retransmits, duration_us;
	const char *outcome;
	const char *detail;
};

#define STORE_FILE "phoneboot.db"

/* Open (creating and migrating) state_dir/phoneboot.db. */
struct store *store_open(const char *state_dir, char *err, size_t errlen);
/* Open an existing state file for reading only (the CLI beside a daemon). */
struct store *store_open_readonly(const char *state_dir, char *err, size_t errlen);
void store_close(struct store *s);
const char *store_errmsg(struct store *s);

/* The daemon's writes (events, leases) wait in memory, their values
 * copied, until store_flush writes them, in order, in one transaction
 * (group commit, once per loop turn). */
#define STORE_BUSY 1                 /* store_flush: another connection writes */
#define STORE_BUSY_TIMEOUT_MS 5000   /* how long the CLI's connections wait */
#define STORE_FLUSH_MAX 500          /* writes per transaction (~1 ms); the rest next turn */
#define STORE_QUEUE_WARN 10000       /* the daemon logs once past this many waiting */
#define STORE_QUEUE_MAX 100000       /* past this, events are counted, not kept */
#define STORE_RETRY_FIRST_US 2000    /* after STORE_BUSY: 2 ms, doubling ... */
#define STORE_RETRY_MAX_US 50000     /* ... up to 50 ms */

/* Queue an event (0; past STORE_QUEUE_MAX it is counted as dropped). */
int store_add_event(struct store *s, const struct store_event *ev);
/* 0: what was queued is committed (up to STORE_FLUSH_MAX of it; see
 * store_pending); STORE_BUSY: the lock is taken, nothing lost, try again
 * after store_retry_us; -1: an error (store_errmsg), the queue kept too. */
int store_flush(struct store *s);
/* Writes waiting for a commit. */
int store_pending(const struct store *s);
/* Sequence numbers: the last write queued, the last committed. A write
 * queued when store_queued_seq was N is committed once store_committed_seq
 * reaches N. */
uint64_t store_queued_seq(const struct store *s);
uint64_t store_committed_seq(const struct store *s);
/* When to flush again while writes wait: 1 us after a partial flush, else
 * STORE_RETRY_FIRST_US doubling per busy flush up to STORE_RETRY_MAX_US. */
uint64_t store_retry_us(const struct store *s);
/* The daemon's connection: never wait for a lock (busy timeout 0). */
void store_nonblocking(struct store *s);

struct store_queue_stats {
	size_t pending;
	uint64_t committed, dropped, refused, busy_turns;
};
void store_queue_stats(const struct store *s, struct store_queue_stats *st);
/* Delete events older than time_us; returns how many, or -1. */
int64_t store_prune_events(struct store *s, int64_t before_us);

typedef int (*store_event_fn)(void *ctx, const struct store_event *ev);
/* Events with id > after_id, oldest first, at most limit (0: all). */
int store_events_since(struct store *s, int64_t after_id, int limit, store_event_fn fn, void *ctx);

/* --- the firmware library --- */

struct store_fw_package {
	int64_t id;
	const char *name, *sha1, *sha256, *verdict;
	int64_t size, imported_us;
};

struct store_fw_load {
	const char *load_id, *family, *protocol, *version, *release;
	int64_t package_id;
	const char *package;      /* its package's name (read side) */
	int64_t imported_us;
};

struct store_fw_file {
	const char *load_id;      /* NULL for a tree file */
	const char *name;         /* file name, or the tree path */
	int64_t size;
	const char *sha1, *sha256, *verdict, *role;
};

/* One transaction around an import or a removal. */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* 1 and *id when a package with this sha256 was imported, 0 when not, -1. */
int store_fw_package_find(struct store *s, const char *sha256, int64_t *id);
int store_fw_package_add(struct store *s, const struct store_fw_package *p, int64_t *id);
/* Insert or replace a load and its image list. */
int store_fw_load_put(struct store *s, const struct store_fw_load *l);
int store_fw_image_put(struct store *s, const char *load_id, int position, const char *name);
int store_fw_file_put(struct store *s, const struct store_fw_file *f);
int store_fw_tree_put(struct store *s, const struct store_fw_file *f, int64_t package_id);
int store_fw_load_remove(struct store *s, const char *load_id);
/* 1 when the load is in the library, 0 when not, -1. */
int store_fw_load_exists(struct store *s, const char *load_id);

typedef int (*store_fw_load_fn)(void *ctx, const struct store_fw_load *l);
typedef int (*store_fw_file_fn)(void *ctx, const struct store_fw_file *f);
typedef int (*store_fw_name_fn)(void *ctx, int position, const char *name);
/* Loads sorted by load ID; one load when load_id is not NULL. */
int store_fw_loads(struct store *s, const char *load_id, store_fw_load_fn fn, void *ctx);
int store_fw_files(struct store *s, const char *load_id, store_fw_file_fn fn, void *ctx);
int store_fw_images(struct store *s, const char *load_id, store_fw_name_fn fn, void *ctx);
/* Every stored file with this name in any load, ignoring case. */
int store_fw_lookup(struct store *s, const char *name, store_fw_file_fn fn, void *ctx);
int store_fw_tree_lookup(struct store *s, const char *path, store_fw_file_fn fn, void *ctx);
int store_fw_tree_all(struct store *s, store_fw_file_fn fn, void *ctx);
/* How many files (loads and tree) hold this content. */
int64_t store_fw_sha256_refs(struct store *s, const char *sha256);

/* --- DHCP leases --- */

struct store_lease {
	const char *ip;            /* dotted */
	const char *mac;           /* aa:bb:cc:dd:ee:ff */
	const char *client_id;     /* option 61 in hex, or NULL */
	const char *state;         /* offered, active, released, expired, declined */
	int64_t expires_us;        /* wall clock */
	const char *hostname, *vendor_class, *subnet;
	int64_t updated_us;
};

/* Queued like events, but never dropped: an ACK goes out only once
 * store_committed_seq has passed it. */
int store_lease_put(struct store *s, const struct store_lease *l);
typedef int (*store_lease_fn)(void *ctx, const struct store_lease *l);
int store_leases(struct store *s, store_lease_fn fn, void *ctx);
/* For provisioning: who has this address (IP -> MAC, vendor class -> model). */
int store_lease_by_ip(struct store *s, const char *ip, store_lease_fn fn, void *ctx);
int store_lease_by_mac(struct store *s, const char *mac, store_lease_fn fn, void *ctx);

/* --- the phone inventory (store_phone.c) --- */

struct store_phone {
	const char *mac, *model, *extension, *name, *label, *secret;
	int64_t created_us, updated_us;
};
typedef int (*store_phone_fn)(void *ctx, const struct store_phone *p);
/* Every phone, ordered by extension as a number; the callback's non-zero return stops. */
int store_phones(struct store *s, store_phone_fn fn, void *ctx);
/* One phone by MAC ("aa:bb:cc:dd:ee:ff"): 1 found (fn called), 0 not, -1 error. */
int store_phone_get(struct store *s, const char *mac, store_phone_fn fn, void *ctx);
/* One phone by extension: 1 found (fn called), 0 not, -1 error. */
int store_phone_by_ext(struct store *s, const char *extension, store_phone_fn fn, void *ctx);
/* A new phone (its own transaction unless one is open); -1: store_errmsg. */
int store_phone_add(struct store *s, const struct store_phone *p);
/* Every field but created_us of the phone with p->mac: 1 done, 0 no such phone, -1. */
int store_phone_update(struct store *s, const struct store_phone *p);
/* 1 removed, 0 no such phone, -1. */
int store_phone_remove(struct store *s, const char *mac);
int64_t store_phone_count(struct store *s);

/* An import builds the whole next phones table in the staging table: clear
 * it, put the new and changed phones (the caller holds each chunk in
 * store_begin/store_commit), copy the others from phones, at most max per
 * call from *cursor on (returns how many it looked at: 0 when done, or -1),
 * then publish: one short transaction renames it into place, provided the
 * phones are still at generation gen (read before the import read them).
 * Publish returns the phones now, -2 when they changed meanwhile, or -1. */
int64_t store_phone_generation(struct store *s);
int store_phone_stage_clear(struct store *s);
int store_phone_stage_put(struct store *s, const struct store_phone *p);
int store_phone_stage_copy(struct store *s, int64_t *cursor, int max);
/* Between chunks, outside a transaction: a passive checkpoint once the WAL
 * holds min_frames or more (the import's connection does its own). */
int store_phone_stage_checkpoint(struct store *s, int min_frames);
int64_t store_phone_stage_publish(struct store *s, int64_t gen);

/* --- seeing other processes' changes (statewatch) --- */

/* PRAGMA data_version: changes when ANOTHER connection has committed since
 * this connection last asked; -1 on an error. */
int64_t store_data_version(struct store *s);

#endif
