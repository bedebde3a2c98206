/* store_int: shared by the store's own files (store.c, store_phone.c) only. */
#ifndef PHONEBOOT_STORE_INT_H
#define PHONEBOOT_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

sqlite3 *store_sqlite(struct store *s);

#endif
