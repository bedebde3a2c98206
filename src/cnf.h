/* cnf: each inventory phone's configuration files, rendered from one
 * template per config family (data/templates/, built in; an admin's copy in
 * templates/ beside the config file overrides it) with the site's [pbx]
 * settings and the phone's fields, every value escaped for its format.
 * The templates are read and checked once, at start-up (file, line, name). */
#ifndef PHONEBOOT_CNF_H
#define PHONEBOOT_CNF_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct models;
struct model;
struct store_phone;

struct cnf;

/* Load and check every template: 0 and *out, or -1 with err ("FILE:LINE:
 * unknown placeholder {{foo}}", "FILE:LINE: not well-formed XML: ...",
 * "[pbx] timezone ...: nearest ..."). conf_path locates the admin's
 * templates/ folder. */
int cnf_open(const struct conf *c, const struct models *ms, struct cnf **out, char *err, size_t errlen);
/* Whether full SIP configs can be made ([pbx] sip_server set). */
int cnf_has_sip_server(const struct cnf *k);

/* One rendered file, malloc'd. */
struct cnf_file {
	uint8_t *data;
	size_t len;
	int has_secret;       /* it holds the phone's SIP secret: [prov] guard_configs applies */
};

/* The file a phone would be served under name (SEP<MAC>.cnf.xml in any
 * case, SIP<MAC>.cnf), or a site-wide one (XMLDefault.cnf.xml,
 * SIPDefault.cnf, dialplan.xml; p NULL). Returns 0 and *f, 1 when name is
 * not one of ours (the next resolver answers), -1 with why (a value the
 * format cannot carry, no sip_server, out of memory). */
int cnf_render(const struct cnf *k, const char *name, const struct store_phone *p, const struct model *m,
	       struct cnf_file *f, char *why, size_t whylen);
void cnf_file_free(struct cnf_file *f);
void cnf_close(struct cnf *k);

#endif
