/* phone_import: "phoneboot phone import": our CSV and FreePBX's Bulk Handler
 * export, validated whole in memory, then written in short transactions
 * into a staging table and published in one. */
#ifndef PHONEBOOT_PHONE_IMPORT_H
#define PHONEBOOT_PHONE_IMPORT_H

#include <stddef.h>

#include "conf.h"
#include "models.h"
#include "store.h"

/* What every phone command shares (cli_phone.c). */
struct phone_env {
	const struct conf *c;
	struct models ms;
	int have_models;
	struct store *s;
};

/* The model table (built in plus the admin's) and the state file, opened
 * once; errors printed. 0 or -1. */
int phone_env_models(struct phone_env *e);
int phone_env_store(struct phone_env *e);
/* A model by any name; NULL with why naming the known ones. */
const struct model *phone_env_model(struct phone_env *e, const char *name, char *why, size_t whylen);

/* argv[0] is "import". Exit status as cli_phone. */
int phone_import(struct phone_env *e, int argc, char **argv);

#endif
