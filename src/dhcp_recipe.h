/* dhcp_recipe: the lines that set options 150 and 66 on each DHCP server an
 * admin may run instead of phoneboot's (cisco-facts.md 8.3): one row a
 * server, its text a template. */
#ifndef PHONEBOOT_DHCP_RECIPE_H
#define PHONEBOOT_DHCP_RECIPE_H

#include <stdint.h>
#include <stdio.h>

struct dhcp_recipe {
	const char *name;   /* as --for names it: "isc" */
	const char *title;  /* the heading line(s) */
	const char *opt150; /* templates: @ips@ "a,b", @spaced@ "a b", @mt@ "'a''b'", */
	const char *opt66;  /* @hex@ the value in hex, @value@ as typed, @s@ "s" when it is an address */
};

/* The row --for NAME names, or NULL. */
const struct dhcp_recipe *dhcp_recipe_find(const char *name);

/* Every server's lines (only's alone if not NULL) for option code (150 or
 * 66) typed as value, encoded as enc (enclen bytes), hex its value in hex.
 * For 150 the addresses come from enc, so however they were typed ("a,b",
 * "a, b") every server gets its own list syntax. */
void dhcp_recipe_print(FILE *out, int code, const char *value, const uint8_t *enc, int enclen, const char *hex,
		       const char *only);

#endif
