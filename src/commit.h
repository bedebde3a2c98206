/* commit: the daemon's side of the state file's group commit. At the end of
 * each loop turn it flushes the store's queue without waiting for the lock;
 * while writes wait (the lock was taken, or more than one transaction's
 * worth) a short timer makes sure another turn comes: 2 ms, doubling to
 * 50 ms. It logs once when the queue grows long and once when it drains. */
#ifndef PHONEBOOT_COMMIT_H
#define PHONEBOOT_COMMIT_H

#include "loop.h"
#include "store.h"

struct commit;

struct commit *commit_new(struct loop *l, struct store *s);
/* Flush: 0 all committed, STORE_BUSY (retry armed), -1 an error (logged). */
int commit_turn_end(struct commit *c);
void commit_free(struct commit *c);

#endif
