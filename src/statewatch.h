/* statewatch: how the daemon learns that another process (the CLI) changed
 * the state file, without polling. inotify on the state directory wakes the
 * loop when phoneboot.db-wal or phoneboot.db is written; PRAGMA
 * data_version on the daemon's own connection then says whether ANOTHER
 * connection committed (the daemon's own commits leave it as it is). At most
 * one check per loop turn, so a burst (an import's chunks) costs one. */
#ifndef PHONEBOOT_STATEWATCH_H
#define PHONEBOOT_STATEWATCH_H

#include <stddef.h>

#include "loop.h"
#include "store.h"

#define STATEWATCH_SUBS 8
/* One more look this long after a wake-up: a commit's last write to the
 * WAL wakes us a moment before its WAL-index header says it is committed. */
#define STATEWATCH_SETTLE_US 10000

struct statewatch;
typedef void (*statewatch_fn)(void *ctx);

/* Watch state_dir through s (the daemon's connection); NULL with err. */
struct statewatch *statewatch_new(struct loop *l, struct store *s, const char *state_dir, char *err,
				  size_t errlen);
/* fn is called after another process committed (at most once per turn). */
int statewatch_subscribe(struct statewatch *w, statewatch_fn fn, void *ctx);
/* Look now: 1 another connection committed (subscribers called), 0 not, -1. */
int statewatch_check(struct statewatch *w);
/* How many wake-ups and how many changes seen (for tests and the log). */
void statewatch_counts(const struct statewatch *w, unsigned long *wakes, unsigned long *changes);
void statewatch_free(struct statewatch *w);

#endif
