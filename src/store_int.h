/* store_int: shared by the store's own files (store.c, store_phone.c) only. */
#ifndef PHONEBOOT_STORE_INT_H
#define PHONEBOOT_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

sqlite3 *store_sqlite(struct store *s);

/* Every change to phones counts in phone_gen (recreated with the table). */
#define STORE_PHONE_TRIGGERS                                                                        \
	"CREATE TRIGGER phones_ins AFTER INSERT ON phones BEGIN UPDATE phone_gen SET gen = gen + 1; END;" \
	"CREATE TRIGGER phones_upd AFTER UPDATE ON phones BEGIN UPDATE phone_gen SET gen = gen + 1; END;" \
	"CREATE TRIGGER phones_del AFTER DELETE ON phones BEGIN UPDATE phone_gen SET gen = gen + 1; END;"


#endif
