/* libFuzzer target for pbx: any phone (fields from the input) is either
 * refused with a reason, or rendered so that it reads back unchanged:
 * Asterisk's reader (a ';' is a comment unless "\;") gives the secret back,
 * the CSV reader gives every field back, and no control character but the
 * line end is ever written.
 *
 *   make build/fuzz/pbx */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvfile.h"
#include "pbx.h"

#define CHECK(c)                                                                      \
	do {                                                                          \
		if (!(c)) {                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#c);                                                  \
			abort();                                                      \
		}                                                                     \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The value of the line beginning with key, read as Asterisk's config
 * reader does; NULL when absent or cut by a comment. Changes doc. */
static char *ast_value(char *doc, const char *key)
{
	char *p = strstr(doc, key);
	if (!p)
		return NULL;
	p += strlen(key);
	char *end = strchr(p, '\n'), *w = p;
	*end = 0;
	for (char *r = p; *r; r++) {
		if (*r == ';') {
			if (w == p || w[-1] != '\\')
				return NULL;
			w[-1] = ';';
			continue;
		}
		*w++ = *r;
	}
	*w = 0;
	return p;
}

static void check_csv(const char *doc, size_t len, const struct pbx_phone *ph)
{
	struct csvfile c;
	char err[256];
	CHECK(csvfile_parse(doc, len, &c, NULL, err, sizeof(err)) == 0);
	CHECK(c.nrows == 2 && c.rows[1].n == 6);
	CHECK(strcmp(c.rows[1].f[0], ph->extension) == 0);
	CHECK(strcmp(c.rows[1].f[1], ph->name[0] ? ph->name : ph->extension) == 0);
	CHECK(strcmp(c.rows[1].f[4], ph->secret) == 0);
	CHECK(strcmp(c.rows[1].f[5], ph->label) == 0);
	csvfile_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 512)
		return 0;
	char buf[520], *f[4] = {"100", "", "", "x"};
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = 0;
	char *s = buf;
	for (int i = 0; i < 4 && s; i++) { /* fields: extension, name, label, secret; 0x01 between */
		f[i] = s;
		s = strchr(s, 1);
		if (s)
			*s++ = 0;
	}
	enum pbx_format fmt = (enum pbx_format)(data[0] % 3);
	struct pbx_site site = {data[0] & 4 ? PBX_UDP : PBX_TCP, 5060, "from-internal"};
	struct pbx_phone ph = {"00:1e:4a:00:00:01", "7906", f[0], f[1], f[2], f[3]};
	char *doc = NULL, err[256] = "";
	size_t len = 0;
	FILE *out = open_memstream(&doc, &len);
	CHECK(out);
	int r = pbx_render(out, fmt, &site, &ph, 1, err, sizeof(err));
	fclose(out);
	if (r < 0) {
		CHECK(err[0] && len == 0);
		free(doc);
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		CHECK(doc[i] == '\n' || ((unsigned char)doc[i] >= 0x20 && doc[i] != 0x7f));
	if (fmt == PBX_FREEPBX_CSV) {
		check_csv(doc, len, &ph);
	} else {
		char *v = ast_value(doc, fmt == PBX_PJSIP ? "\npassword = " : "\nsecret = ");
		CHECK(v && strcmp(v, ph.secret) == 0);
	}
	free(doc);
	return 0;
}
