/* csvfile: CSV through libcsv, fed a line at a time so every record knows
 * the line it starts on (a quoted field may span lines). */
#include "csvfile.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct build {
	struct csvfile *out;
	size_t cap;
	struct csv_row cur;   /* the record being read */
	size_t fcap;
	size_t start, line;   /* where the record began; the line being fed */
	const char *err;      /* set by a callback: stop */
};

/* No trimming: a secret's blanks must reach the rules that refuse them. */
static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void on_field(void *s, size_t len, void *ctx)
{
	struct build *b = ctx;
	if (b->err)
		return;
	if (b->cur.n == CSVFILE_MAX_FIELDS || len > CSVFILE_MAX_FIELD) {
		b->err = b->cur.n == CSVFILE_MAX_FIELDS ? "more than 4096 fields in a record"
							 : "a field longer than 65536 bytes";
		return;
	}
	if (b->cur.n == b->fcap) {
		size_t cap = b->fcap ? b->fcap * 2 : 16;
		char **f = realloc(b->cur.f, cap * sizeof(*f));
		if (!f) {
			b->err = "out of memory";
			return;
		}
		b->cur.f = f, b->fcap = cap;
	}
	char *v = malloc(len + 1);
	if (!v) {
		b->err = "out of memory";
		return;
	}
	if (len)
		memcpy(v, s, len);
	v[len] = 0;
	b->cur.f[b->cur.n++] = v;
}

static void free_row(struct csv_row *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i]);
	free(r->f);
	memset(r, 0, sizeof(*r));
}

static int blank_row(const struct csv_row *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i][strspn(r->f[i], " \t")])
			return 0;
	return 1;
}

static void on_record(int c, void *ctx)
{
	struct build *b = ctx;
	(void)c;
	if (b->err || blank_row(&b->cur)) {
		free_row(&b->cur);
		b->fcap = 0;
		return;
	}
	if (b->out->nrows == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct csv_row *r = realloc(b->out->rows, cap * sizeof(*r));
		if (!r) {
			b->err = "out of memory";
			return;
		}
		b->out->rows = r, b->cap = cap;
	}
	b->cur.line = b->start;
	b->out->rows[b->out->nrows++] = b->cur;
	memset(&b->cur, 0, sizeof(b->cur));
	b->fcap = 0;
}

static int fail(struct build *b, struct csv_parser *p, size_t at, const char *why, size_t *line, char *err,
		size_t errlen)
{
	snprintf(err, errlen, "%s", why);
	if (line)
		*line = at;
	free_row(&b->cur);
	csv_free(p);
	csvfile_free(b->out);
	return -1;
}

#define QUOTING "a \" inside an unquoted field, or text after a closing quote"

int csvfile_parse(const char *data, size_t len, struct csvfile *out, size_t *line, char *err, size_t errlen)
{
	struct build b = {.out = out};
	struct csv_parser p;
	memset(out, 0, sizeof(*out));
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return fail(&b, &p, 0, "out of memory", line, err, errlen);
	csv_set_space_func(&p, no_space);
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		data += 3, len -= 3;
	const char *s = data, *end = data + len;
	for (b.line = 1; s < end; b.line++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
		if (memchr(s, 0, n))
			return fail(&b, &p, b.line, "a NUL byte: not a text file", line, err, errlen);
		if (p.pstate == 0 && b.cur.n == 0) /* between records: one may start here */
			b.start = b.line;
		if (csv_parse(&p, s, n, on_field, on_record, &b) != n)
			return fail(&b, &p, b.line, csv_error(&p) == CSV_EPARSE ? QUOTING : "out of memory", line, err,
				    errlen);
		if (b.err)
			return fail(&b, &p, b.start, b.err, line, err, errlen);
		s += n;
	}
	if (csv_fini(&p, on_field, on_record, &b) != 0)
		return fail(&b, &p, b.start, "a quoted field is never closed", line, err, errlen);
	if (b.err)
		return fail(&b, &p, b.start, b.err, line, err, errlen);
	csv_free(&p);
	return 0;
}

void csvfile_free(struct csvfile *c)
{
	for (size_t i = 0; i < c->nrows; i++)
		free_row(&c->rows[i]);
	free(c->rows);
	c->rows = NULL;
	c->nrows = 0;
}
