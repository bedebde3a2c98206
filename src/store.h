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

/* Queue an event: it goes into the transaction of this loop turn. */
int store_add_event(struct store *s, const struct store_event *ev);
/* Commit what was queued (group commit, once per loop turn). */
int store_flush(struct store *s);
int store_pending(const struct store *s);
/* Delete events older than time_us; returns how many, or -1. */
int64_t store_prune_events(struct store *s, int64_t before_us);

typedef int (*store_event_fn)(void *ctx, const struct store_event *ev);
/* Events with id > after_id, oldest first, at most limit (0: all). */
int store_events_since(struct store *s, int64_t after_id, int limit, store_event_fn fn, void *ctx);

#endif
