/* inventory: the rules a phone's fields meet, every limit from the model
 * table (data/models.conf), and the secrets phoneboot generates. No I/O
 * but getrandom(2) for the secrets. */
#ifndef PHONEBOOT_INVENTORY_H
#define PHONEBOOT_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "models.h"

enum inv_field { INV_EXTENSION, INV_NAME, INV_LABEL, INV_SECRET };

#define INV_SECRET_MAX 128 /* the table's largest sip_password_max */
#define INV_REGEN "REGEN"  /* FreePBX's word for "generate one" */

/* 0 when v may be field f of a phone of model m, else -1 and why (for example
 * "secret of 32 characters; the 7906 accepts at most 12"). */
int inv_check(const struct model *m, enum inv_field f, const char *v, char *why, size_t whylen);
/* Characters of UTF-8 text, as the firmware counts them. */
size_t inv_chars(const char *s);

/* A random source: fill buf with n bytes; 0 or -1. */
typedef int (*inv_random_fn)(void *ctx, uint8_t *buf, size_t n);
/* A secret of exactly sip_password_max characters of [A-Za-z0-9], each
 * uniform (rejection sampling); out holds INV_SECRET_MAX + 1. rnd NULL:
 * getrandom(2). 0 or -1. */
int inv_secret_new(const struct model *m, char *out, inv_random_fn rnd, void *ctx);

#endif
