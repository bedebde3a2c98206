/* phone_import: a CSV of phones into the inventory, all or nothing.
 * 1. read and validate the whole file in memory (every bad row reported);
 * 2. write the changed rows into phone_staging in transactions of at most
 *    IMPORT_CHUNK_MS each (the daemon, sharing the WAL, waits one at most);
 * 3. publish them in one short transaction. A run killed before 3 leaves the
 *    phones as they were; the next import clears the staging table. */
#include "phone_import.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "csvfile.h"
#include "inventory.h"
#include "mac.h"

#define ME "phoneboot phone import: "
#define IMPORT_CHUNK_MS 5
#define IMPORT_CHECKPOINT_FRAMES 256 /* 1 MiB of WAL */
#define IMPORT_MAX_BYTES (64u << 20)

enum col { C_MAC, C_MODEL, C_EXT, C_NAME, C_DESC, C_SECRET, C_LABEL, C_TECH, NCOLS };
static const char *const col_names[NCOLS] = {"mac", "model", "extension", "name", "description", "secret",
					     "label", "tech"};

enum kind { K_BAD, K_SKIP, K_ADD, K_UPDATE, K_SAME };

/* A phone already in the inventory. */
struct old {
	char *mac, *model, *ext, *name, *label, *secret;
	int64_t created_us;
};

/* One data row of the file, once validated. */
struct row {
	size_t line;
	enum kind kind;
	char mac[MAC_TEXT_LEN];
	const struct model *m;
	const char *ext, *name, *label, *secret;
	char gen[INV_SECRET_MAX + 1];
	int generated, fixed;
	const struct old *old;
};

/* One MAC and model per extension, from --macs. */
struct macs_entry {
	const char *ext, *model;
	char mac[MAC_TEXT_LEN];
	size_t line;
};

struct msg {
	size_t line, seq;
	char *text;
};

struct imp {
	struct phone_env *e;
	const char *file, *macs_file;
	int update, fix, skip_bad, dry_run;
	struct csvfile csv, macs_csv;
	int col[NCOLS];
	int col_mac_given; /* ours: a mac column; else FreePBX's, joined by --macs */
	size_t ncols;
	struct macs_entry *macs;
	size_t nmacs;
	struct old *olds, **olds_ext;
	size_t nolds, olds_cap;
	int64_t gen; /* the phones' generation when read */
	struct row *rows;
	size_t nrows;
	struct msg *msgs;
	size_t nmsgs, msgs_cap;
	size_t nbad;
};

static void note(struct imp *im, size_t line, int bad, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A message for the report, sorted by line when printed. */
static void note(struct imp *im, size_t line, int bad, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (char *c = text; *c; c++) /* values quoted from the file stay on one line */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	struct msg *m = im->msgs;
	if (im->nmsgs == im->msgs_cap) {
		size_t cap = im->msgs_cap ? im->msgs_cap * 2 : 64;
		if (!(m = realloc(im->msgs, cap * sizeof(*m))))
			return;
		im->msgs = m, im->msgs_cap = cap;
	}
	m[im->nmsgs].line = line;
	m[im->nmsgs].seq = im->nmsgs;
	m[im->nmsgs++].text = strdup(text);
	im->nbad += bad != 0;
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t wall_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
	return s;
}

/* --- reading --- */

static int read_csv(const char *path, struct csvfile *out)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, ME "%s: %s\n", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(IMPORT_MAX_BYTES + 1);
	size_t n = buf ? fread(buf, 1, IMPORT_MAX_BYTES + 1, f) : 0;
	int rerr = ferror(f);
	fclose(f);
	if (!buf || rerr || n > IMPORT_MAX_BYTES) {
		fprintf(stderr, ME "%s: %s\n", path, !buf ? "out of memory" : rerr ? "read error" : "larger than 64 MiB");
		free(buf);
		return -1;
	}
	char err[256];
	size_t line = 0;
	int r = csvfile_parse(buf, n, out, &line, err, sizeof(err));
	free(buf);
	if (r < 0) {
		fprintf(stderr, ME "%s:%zu: %s; nothing imported\n", path, line, err);
		return -1;
	}
	if (out->nrows == 0) {
		fprintf(stderr, ME "%s: empty (no header row)\n", path);
		return -1;
	}
	return 0;
}

/* The columns we know, by header name in any case; others are ignored. */
static int header(const char *path, const struct csv_row *h, int col[NCOLS])
{
	for (int k = 0; k < NCOLS; k++)
		col[k] = -1;
	for (size_t i = 0; i < h->n; i++) {
		char *name = trim(h->f[i]);
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		for (int k = 0; k < NCOLS; k++) {
			if (strcmp(name, col_names[k]) != 0)
				continue;
			if (col[k] >= 0) {
				fprintf(stderr, ME "%s:%zu: column '%s' twice (columns %d and %zu)\n", path, h->line,
					name, col[k] + 1, i + 1);
				return -1;
			}
			col[k] = (int)i;
		}
	}
	if (col[C_EXT] < 0) {
		fprintf(stderr, ME "%s:%zu: no extension column in the header\n", path, h->line);
		return -1;
	}
	return 0;
}

static char *field(const struct imp *im, const struct csv_row *r, enum col k)
{
	int i = im->col[k];
	return i >= 0 && (size_t)i < r->n ? r->f[i] : NULL;
}

static int macs_cmp(const void *a, const void *b)
{
	return strcmp(((const struct macs_entry *)a)->ext, ((const struct macs_entry *)b)->ext);
}

static int macs_entry_ok(struct imp *im, const struct csv_row *r, const int col[NCOLS], struct macs_entry *out)
{
	const char *f = im->macs_file, *why;
	uint8_t mac[6];
	if (r->n != im->macs_csv.rows[0].n) {
		note(im, 0, 1, "%s:%zu: %zu fields; the header has %zu", f, r->line, r->n, im->macs_csv.rows[0].n);
		return -1;
	}
	char *ext = trim(r->f[col[C_EXT]]), *m = trim(r->f[col[C_MAC]]);
	if (!*ext || strspn(ext, "0123456789") != strlen(ext)) {
		note(im, 0, 1, "%s:%zu: extension '%s' is not digits only", f, r->line, ext);
		return -1;
	}
	if (mac_parse(m, mac, &why) < 0) {
		note(im, 0, 1, "%s:%zu: extension %s: MAC '%s': %s", f, r->line, ext, m, why);
		return -1;
	}
	out->ext = ext;
	out->model = col[C_MODEL] >= 0 ? trim(r->f[col[C_MODEL]]) : "";
	out->line = r->line;
	mac_format(mac, out->mac);
	return 0;
}

/* --macs: extension -> MAC and model; its bad lines are bad rows too. */
static int read_macs(struct imp *im)
{
	int col[NCOLS];
	if (read_csv(im->macs_file, &im->macs_csv) < 0 || header(im->macs_file, &im->macs_csv.rows[0], col) < 0)
		return -1;
	if (col[C_MAC] < 0) {
		fprintf(stderr, ME "%s:%zu: no mac column in the header (columns: extension, mac, model)\n",
			im->macs_file, im->macs_csv.rows[0].line);
		return -1;
	}
	im->macs = calloc(im->macs_csv.nrows, sizeof(*im->macs));
	if (!im->macs)
		return -1;
	for (size_t i = 1; i < im->macs_csv.nrows; i++)
		if (macs_entry_ok(im, &im->macs_csv.rows[i], col, &im->macs[im->nmacs]) == 0)
			im->nmacs++;
	qsort(im->macs, im->nmacs, sizeof(*im->macs), macs_cmp);
	for (size_t i = 1; i < im->nmacs; i++)
		if (strcmp(im->macs[i].ext, im->macs[i - 1].ext) == 0)
			note(im, 0, 1, "%s:%zu: extension %s also on line %zu", im->macs_file,
			     im->macs[i].line > im->macs[i - 1].line ? im->macs[i].line : im->macs[i - 1].line,
			     im->macs[i].ext,
			     im->macs[i].line > im->macs[i - 1].line ? im->macs[i - 1].line : im->macs[i].line);
	return 0;
}

static const struct macs_entry *macs_find(const struct imp *im, const char *ext)
{
	struct macs_entry key = {.ext = ext};
	if (!im->nmacs)
		return NULL;
	return bsearch(&key, im->macs, im->nmacs, sizeof(*im->macs), macs_cmp);
}

/* --- the inventory as it is --- */

static int old_cmp(const void *a, const void *b)
{
	return strcmp(((const struct old *)a)->mac, ((const struct old *)b)->mac);
}

static int old_add(void *ctx, const struct store_phone *p)
{
	struct imp *im = ctx;
	if (im->nolds == im->olds_cap) {
		size_t cap = im->olds_cap ? im->olds_cap * 2 : 256;
		struct old *o = realloc(im->olds, cap * sizeof(*o));
		if (!o)
			return 1;
		im->olds = o, im->olds_cap = cap;
	}
	struct old *o = &im->olds[im->nolds++];
	o->mac = strdup(p->mac), o->model = strdup(p->model), o->ext = strdup(p->extension);
	o->name = strdup(p->name), o->label = strdup(p->label), o->secret = strdup(p->secret);
	o->created_us = p->created_us;
	return !o->mac || !o->model || !o->ext || !o->name || !o->label || !o->secret;
}

static const struct old *old_by_mac(const struct imp *im, const char *mac)
{
	struct old key = {.mac = (char *)mac};
	if (!im->nolds)
		return NULL;
	return bsearch(&key, im->olds, im->nolds, sizeof(*im->olds), old_cmp);
}

static int old_ext_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct old *const *)a)->ext, (*(const struct old *const *)b)->ext);
}

static const struct old *old_by_ext(const struct imp *im, const char *ext)
{
	struct old key = {.ext = (char *)ext}, *kp = &key;
	struct old **o = bsearch(&kp, im->olds_ext, im->nolds, sizeof(*im->olds_ext), old_ext_cmp);
	return o ? *o : NULL;
}

static int read_olds(struct imp *im)
{
	if ((im->gen = store_phone_generation(im->e->s)) < 0 || store_phones(im->e->s, old_add, im) < 0) {
		fprintf(stderr, ME "reading the inventory: %s\n", store_errmsg(im->e->s));
		return -1;
	}
	if (im->nolds) /* qsort and bsearch want a base even for no elements */
		qsort(im->olds, im->nolds, sizeof(*im->olds), old_cmp);
	im->olds_ext = malloc((im->nolds + 1) * sizeof(*im->olds_ext));
	if (!im->olds_ext)
		return -1;
	for (size_t i = 0; i < im->nolds; i++)
		im->olds_ext[i] = &im->olds[i];
	if (im->nolds)
		qsort(im->olds_ext, im->nolds, sizeof(*im->olds_ext), old_ext_cmp);
	return 0;
}

static void olds_free(struct imp *im)
{
	for (size_t i = 0; i < im->nolds; i++) {
		struct old *o = &im->olds[i];
		free(o->mac), free(o->model), free(o->ext), free(o->name), free(o->label), free(o->secret);
	}
	free(im->olds);
	free(im->olds_ext);
}

/* --- one row --- */

#define BAD(im, row, ...) note(im, (row)->line, 1, __VA_ARGS__)

/* MAC, model and extension: the row's identity. */
static int row_identity(struct imp *im, const struct csv_row *r, struct row *row)
{
	char why[1024];
	const char *f = im->file, *mac_s = field(im, r, C_MAC), *model = field(im, r, C_MODEL);
	char *ext = trim(field(im, r, C_EXT));
	uint8_t mac[6];
	const char *mwhy;
	if (!*ext)
		return BAD(im, row, "%s:%zu: no extension", f, row->line), -1;
	if (mac_s) {
		if (mac_parse(trim((char *)mac_s), mac, &mwhy) < 0)
			return BAD(im, row, "%s:%zu: extension %s: MAC '%s': %s", f, row->line, ext, mac_s, mwhy), -1;
		mac_format(mac, row->mac);
	} else {
		const struct macs_entry *me = macs_find(im, ext);
		if (!me)
			return BAD(im, row, "%s:%zu: extension %s has no entry in %s", f, row->line, ext, im->macs_file),
			       -1;
		snprintf(row->mac, sizeof(row->mac), "%s", me->mac);
		if (!model || !*trim((char *)model))
			model = me->model;
	}
	model = model ? trim((char *)model) : "";
	if (!*model)
		return BAD(im, row, "%s:%zu: %s (extension %s): no model (a model column%s)", f, row->line, row->mac,
			   ext, im->macs_file ? ", or one in the --macs file" : ""), -1;
	if (!(row->m = phone_env_model(im->e, model, why, sizeof(why))))
		return BAD(im, row, "%s:%zu: %s (extension %s): %s", f, row->line, row->mac, ext, why), -1;
	row->ext = ext;
	if (inv_check(row->m, INV_EXTENSION, ext, why, sizeof(why)) < 0)
		return BAD(im, row, "%s:%zu: %s: %s", f, row->line, row->mac, why), -1;
	return 0;
}

/* The secret: given, REGEN or none (generate, or keep a known phone's), or
 * longer than the model takes (refused, or replaced with --fix-secrets). */
static int row_secret(struct imp *im, const struct csv_row *r, struct row *row)
{
	char why[1024];
	const char *v = field(im, r, C_SECRET);
	if (v && *v && strcmp(v, INV_REGEN) != 0) {
		if (!(im->fix && inv_chars(v) > row->m->sip_password_max)) {
			if (inv_check(row->m, INV_SECRET, v, why, sizeof(why)) < 0)
				return BAD(im, row, "%s:%zu: %s (extension %s): %s", im->file, row->line, row->mac,
					   row->ext, why), -1;
			row->secret = v;
			return 0;
		}
		row->fixed = 1;
	} else if (!(v && *v) && row->old) {
		row->secret = row->old->secret;
		return 0;
	}
	if (inv_secret_new(row->m, row->gen, NULL, NULL) < 0)
		return BAD(im, row, "%s:%zu: generating a secret: %s", im->file, row->line, strerror(errno)), -1;
	row->secret = row->gen;
	row->generated = 1;
	return 0;
}

static int row_texts(struct imp *im, const struct csv_row *r, struct row *row)
{
	char why[1024];
	char *name = field(im, r, C_NAME), *desc = field(im, r, C_DESC), *label = field(im, r, C_LABEL);
	/* a column the file does not have keeps a known phone's value */
	name = name ? trim(name) : !desc && row->old ? row->old->name : (char *)"";
	if (!*name && desc)
		name = trim(desc);
	if (!*name && !im->col_mac_given)
		return BAD(im, row, "%s:%zu: %s (extension %s): no name (FreePBX requires one; description is empty too)",
			   im->file, row->line, row->mac, row->ext), -1;
	row->name = name;
	row->label = label ? trim(label) : row->old ? row->old->label : "";
	if (inv_check(row->m, INV_NAME, row->name, why, sizeof(why)) < 0 ||
	    inv_check(row->m, INV_LABEL, row->label, why, sizeof(why)) < 0)
		return BAD(im, row, "%s:%zu: %s (extension %s): %s", im->file, row->line, row->mac, row->ext, why), -1;
	return 0;
}

/* Added, updated or unchanged; a known MAC changes only with --update. */
static void row_kind(struct imp *im, struct row *row)
{
	const struct old *o = row->old;
	if (!o) {
		row->kind = K_ADD;
		return;
	}
	int same = !strcmp(o->model, row->m->id) && !strcmp(o->ext, row->ext) && !strcmp(o->name, row->name) &&
		   !strcmp(o->label, row->label) && !strcmp(o->secret, row->secret);
	if (same) {
		row->kind = K_SAME;
	} else if (im->update) {
		row->kind = K_UPDATE;
	} else {
		row->kind = K_BAD;
		BAD(im, row, "%s:%zu: %s is already in the inventory (extension %s); --update changes it", im->file,
		    row->line, row->mac, o->ext);
	}
}

static void row_check(struct imp *im, const struct csv_row *r, struct row *row)
{
	const char *tech = field(im, r, C_TECH);
	row->line = r->line;
	row->kind = K_BAD;
	if (r->n != im->ncols) {
		BAD(im, row, "%s:%zu: %zu fields; the header has %zu", im->file, row->line, r->n, im->ncols);
		return;
	}
	if (tech && *trim((char *)tech) && strcasecmp(tech, "pjsip") && strcasecmp(tech, "sip")) {
		row->kind = K_SKIP;
		note(im, row->line, 0, "%s:%zu: extension %s: tech %s is not a SIP phone of ours; skipped", im->file,
		     row->line, trim(field(im, r, C_EXT)), tech);
		return;
	}
	if (row_identity(im, r, row) < 0)
		return;
	row->old = old_by_mac(im, row->mac);
	if (row_texts(im, r, row) < 0 || row_secret(im, r, row) < 0)
		return;
	row_kind(im, row);
}

/* --- the rows together --- */

static int good(const struct row *r)
{
	return r->kind == K_ADD || r->kind == K_UPDATE || r->kind == K_SAME;
}

static const struct imp *sort_im; /* qsort has no context argument */

static int by_mac(const void *a, const void *b)
{
	const struct row *x = &sort_im->rows[*(const size_t *)a], *y = &sort_im->rows[*(const size_t *)b];
	int c = strcmp(x->mac, y->mac);
	return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

static int by_ext(const void *a, const void *b)
{
	const struct row *x = &sort_im->rows[*(const size_t *)a], *y = &sort_im->rows[*(const size_t *)b];
	int c = strcmp(x->ext, y->ext);
	return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

/* A MAC or an extension twice in the file: the later row is bad. */
static int duplicates(struct imp *im, size_t *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < im->nrows; i++)
		if (good(&im->rows[i]))
			idx[n++] = i;
	sort_im = im;
	qsort(idx, n, sizeof(*idx), by_mac);
	for (size_t i = 1, first = 0; i < n; i++) {
		struct row *a = &im->rows[idx[first]], *b = &im->rows[idx[i]];
		if (strcmp(a->mac, b->mac) != 0) {
			first = i;
		} else {
			b->kind = K_BAD;
			BAD(im, b, "%s:%zu: %s (extension %s): MAC also on line %zu", im->file, b->line, b->mac, b->ext,
			    a->line);
		}
	}
	n = 0;
	for (size_t i = 0; i < im->nrows; i++)
		if (good(&im->rows[i]))
			idx[n++] = i;
	qsort(idx, n, sizeof(*idx), by_ext);
	for (size_t i = 1, first = 0; i < n; i++) {
		struct row *a = &im->rows[idx[first]], *b = &im->rows[idx[i]];
		if (strcmp(a->ext, b->ext) != 0) {
			first = i;
		} else {
			b->kind = K_BAD;
			BAD(im, b, "%s:%zu: %s: extension %s also on line %zu (%s)", im->file, b->line, b->mac, b->ext,
			    a->line, a->mac);
		}
	}
	return 0;
}

/* The row of this MAC that will be imported, if any (idx sorted by MAC). */
static const struct row *good_row_of(const struct imp *im, const size_t *idx, size_t n, const char *mac)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(im->rows[idx[mid]].mac, mac);
		if (c == 0)
			return &im->rows[idx[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* An extension a phone outside the file keeps (or one whose row is bad):
 * bad. Repeated while it finds more, since each bad row keeps its phone. */
static void taken_extensions(struct imp *im, size_t *idx)
{
	for (int more = 1; more;) {
		size_t n = 0;
		more = 0;
		for (size_t i = 0; i < im->nrows; i++)
			if (good(&im->rows[i]))
				idx[n++] = i;
		sort_im = im;
		qsort(idx, n, sizeof(*idx), by_mac);
		for (size_t i = 0; i < n; i++) {
			struct row *r = &im->rows[idx[i]];
			const struct old *o = old_by_ext(im, r->ext);
			if (!o || !strcmp(o->mac, r->mac))
				continue;
			const struct row *moves = good_row_of(im, idx, n, o->mac);
			if (moves && strcmp(moves->ext, o->ext) != 0)
				continue;
			r->kind = K_BAD;
			more = 1;
			BAD(im, r, "%s:%zu: %s: extension %s is already phone %s's", im->file, r->line, r->mac, r->ext,
			    o->mac);
		}
	}
}

/* --- the report --- */

static int msg_cmp(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void print_msgs(struct imp *im)
{
	if (im->nmsgs)
		qsort(im->msgs, im->nmsgs, sizeof(*im->msgs), msg_cmp);
	for (size_t i = 0; i < im->nmsgs; i++)
		fprintf(stderr, ME "%s\n", im->msgs[i].text ? im->msgs[i].text : "(out of memory)");
}

struct counts {
	size_t add, update, same, generated, skipped, fixed;
};

static struct counts count(const struct imp *im)
{
	struct counts c = {0};
	for (size_t i = 0; i < im->nrows; i++) {
		const struct row *r = &im->rows[i];
		c.add += r->kind == K_ADD;
		c.update += r->kind == K_UPDATE;
		c.same += r->kind == K_SAME;
		c.skipped += r->kind == K_SKIP;
		c.generated += good(r) && r->kind != K_SAME && r->generated;
		c.fixed += good(r) && r->kind != K_SAME && r->fixed;
	}
	return c;
}

/* The phones whose secret --fix-secrets replaced: MAC and extension, never the secret. */
static void print_fixed(const struct imp *im, const struct counts *c)
{
	if (!c->fixed)
		return;
	printf("%s%zu secret%s longer than the model accepts, replaced with generated ones:\n",
	       im->dry_run ? "would replace: " : "", c->fixed, c->fixed == 1 ? "" : "s");
	for (size_t i = 0; i < im->nrows; i++) {
		const struct row *r = &im->rows[i];
		if (good(r) && r->kind != K_SAME && r->fixed)
			printf("  %s (extension %s)\n", r->mac, r->ext);
	}
	printf("the PBX must get the new secrets too: phoneboot pbx export\n");
}

/* --- writing --- */

static void staged(const struct row *r, struct store_phone *p, int64_t now)
{
	p->mac = r->mac, p->model = r->m->id, p->extension = r->ext, p->name = r->name, p->label = r->label;
	p->secret = r->secret;
	p->created_us = r->old ? r->old->created_us : now;
	p->updated_us = now;
}

/* One transaction of at most IMPORT_CHUNK_MS: the next changed rows from
 * *i, then the unchanged phones from *cursor. 1 more to do, 0 done, -1. */
static int write_chunk(struct imp *im, size_t *i, int64_t *cursor, int64_t now, int64_t *longest_us)
{
	struct store *s = im->e->s;
	int64_t t0 = mono_us(), budget = IMPORT_CHUNK_MS * 1000;
	int copied = 1;
	if (store_begin(s) < 0)
		return -1;
	for (; *i < im->nrows && mono_us() - t0 < budget; (*i)++) {
		struct store_phone p;
		if (im->rows[*i].kind != K_ADD && im->rows[*i].kind != K_UPDATE)
			continue;
		staged(&im->rows[*i], &p, now);
		if (store_phone_stage_put(s, &p) < 0)
			goto fail;
	}
	while (*i == im->nrows && copied > 0 && mono_us() - t0 < budget)
		if ((copied = store_phone_stage_copy(s, cursor, 64)) < 0)
			goto fail;
	if (store_commit(s) < 0)
		goto fail;
	int64_t t = mono_us() - t0;
	*longest_us = t > *longest_us ? t : *longest_us;
	return *i < im->nrows || copied > 0;
fail:
	store_rollback(s);
	return -1;
}

/* The next phones table built in chunks, then published in one. */
static int write_rows(struct imp *im, int64_t *longest_us, int64_t *publish_us, int *chunks)
{
	struct store *s = im->e->s;
	int64_t now = wall_us(), cursor = 0;
	size_t i = 0;
	int r;
	if (store_begin(s) < 0 || store_phone_stage_clear(s) < 0 || store_commit(s) < 0)
		goto fail;
	while ((r = write_chunk(im, &i, &cursor, now, longest_us)) > 0) {
		(*chunks)++;
		if (store_phone_stage_checkpoint(s, IMPORT_CHECKPOINT_FRAMES) < 0)
			goto fail;
	}
	if (r < 0)
		goto fail;
	(*chunks)++;
	int64_t t0 = mono_us(), n = store_phone_stage_publish(s, im->gen);
	*publish_us = mono_us() - t0;
	store_phone_stage_checkpoint(s, 0);
	if (n == -2) {
		fprintf(stderr, ME "the inventory changed while the import ran; nothing imported: run it again\n");
		return -1;
	}
	if (n < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, ME "writing the inventory: %s; no phone changed\n", store_errmsg(s));
	return -1;
}

/* --- the command --- */

static int import_args(struct imp *im, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--update") || !strcmp(a, "--fix-secrets") || !strcmp(a, "--skip-bad") ||
		    !strcmp(a, "--dry-run")) {
			int *flag[] = {&im->update, &im->fix, &im->skip_bad, &im->dry_run};
			flag[a[2] == 'u' ? 0 : a[2] == 'f' ? 1 : a[2] == 's' ? 2 : 3][0] = 1;
		} else if (!strcmp(a, "--macs") && i + 1 < argc) {
			im->macs_file = argv[++i];
		} else if (!strncmp(a, "--macs=", 7)) {
			im->macs_file = a + 7;
		} else if (a[0] != '-' && !im->file) {
			im->file = a;
		} else {
			fprintf(stderr, ME "%s '%s'\nusage: phoneboot phone import FILE.csv [--macs MACS.csv] [--update] "
				"[--fix-secrets] [--skip-bad] [--dry-run]\n",
				!strcmp(a, "--macs") ? "a file name is missing after" : a[0] == '-' ? "unknown option"
				: "one file only, not", a);
			return -1;
		}
	}
	if (!im->file) {
		fprintf(stderr, ME "which file? usage: phoneboot phone import FILE.csv [--macs MACS.csv] ...\n");
		return -1;
	}
	return 0;
}

/* Read both files and the inventory, and judge every row. */
static int validate(struct imp *im)
{
	if (phone_env_models(im->e) < 0 || read_csv(im->file, &im->csv) < 0 ||
	    header(im->file, &im->csv.rows[0], im->col) < 0)
		return -1;
	im->ncols = im->csv.rows[0].n;
	im->col_mac_given = im->col[C_MAC] >= 0;
	if (im->col_mac_given && im->macs_file) {
		fprintf(stderr, ME "%s has a mac column: --macs is for a file without one (FreePBX's)\n", im->file);
		return -1;
	}
	if (!im->col_mac_given && !im->macs_file) {
		fprintf(stderr, ME "%s: no mac column (a FreePBX export has none): give --macs MACS.csv "
			"with the columns extension, mac, model\n", im->file);
		return -1;
	}
	if ((im->macs_file && read_macs(im) < 0) || phone_env_store(im->e) < 0 || read_olds(im) < 0)
		return -1;
	im->nrows = im->csv.nrows - 1;
	im->rows = calloc(im->nrows + 1, sizeof(*im->rows));
	size_t *idx = malloc((im->nrows + 1) * sizeof(*idx));
	if (!im->rows || !idx) {
		free(idx);
		fprintf(stderr, ME "out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < im->nrows; i++)
		row_check(im, &im->csv.rows[i + 1], &im->rows[i]);
	duplicates(im, idx);
	taken_extensions(im, idx);
	free(idx);
	return 0;
}

static int finish(struct imp *im)
{
	struct counts c = count(im);
	print_msgs(im);
	if (im->nbad && !im->skip_bad) {
		fprintf(stderr, ME "%s: %zu bad row%s; nothing imported (--skip-bad imports the others)\n", im->file,
			im->nbad, im->nbad == 1 ? "" : "s");
		return 1;
	}
	if (im->nbad)
		fprintf(stderr, ME "%s: %zu bad row%s left out (--skip-bad)\n", im->file, im->nbad, im->nbad == 1 ? "" : "s");
	int64_t longest = 0, publish = 0, t0 = mono_us();
	int chunks = 0;
	if (!im->dry_run && c.add + c.update && write_rows(im, &longest, &publish, &chunks) < 0)
		return 1;
	print_fixed(im, &c);
	printf("%s%zu added, %zu updated, %zu unchanged, %zu secrets generated%s\n", im->dry_run ? "dry run: " : "",
	       c.add, c.update, c.same, c.generated, im->dry_run ? " (nothing written)" : "");
	if (c.skipped)
		printf("%zu row%s skipped (not SIP phones)\n", c.skipped, c.skipped == 1 ? "" : "s");
	if (chunks)
		printf("written in %d transaction%s of at most %.1f ms, published in %.1f ms; %.1f ms in all\n", chunks,
		       chunks == 1 ? "" : "s", (double)longest / 1000, (double)publish / 1000,
		       (double)(mono_us() - t0) / 1000);
	return 0;
}

int phone_import(struct phone_env *e, int argc, char **argv)
{
	struct imp im = {.e = e};
	if (import_args(&im, argc, argv) < 0)
		return 2;
	int rc = validate(&im) < 0 ? 1 : finish(&im);
	for (size_t i = 0; i < im.nmsgs; i++)
		free(im.msgs[i].text);
	free(im.msgs);
	free(im.rows);
	free(im.macs);
	olds_free(&im);
	csvfile_free(&im.csv);
	csvfile_free(&im.macs_csv);
	return rc;
}
