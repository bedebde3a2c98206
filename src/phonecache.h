/* phonecache: the daemon's copy of the phone inventory in memory, MAC ->
 * phone, read with store_phones and read again when statewatch says another
 * process changed the state file and the phones' generation moved on. The
 * secrets are kept for the configs, never logged. */
#ifndef PHONEBOOT_PHONECACHE_H
#define PHONEBOOT_PHONECACHE_H

#include <stddef.h>

#include "store.h"

struct phonecache;

struct phonecache *phonecache_new(struct store *s);
/* Read the inventory again when the phones table changed (or force): the
 * number of phones, or -1 (the old copy is kept). *reloaded says whether
 * it was read. */
long phonecache_reload(struct phonecache *pc, int force, int *reloaded);
/* The phone with this MAC (aa:bb:cc:dd:ee:ff), or NULL; valid until the next reload. */
const struct store_phone *phonecache_get(const struct phonecache *pc, const char *mac);
size_t phonecache_count(const struct phonecache *pc);
/* For statewatch_subscribe: reload and log one line. */
void phonecache_on_change(void *pc);
void phonecache_free(struct phonecache *pc);

#endif
