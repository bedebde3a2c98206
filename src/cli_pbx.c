/* cli_pbx: "phoneboot pbx export --format pjsip|sip|freepbx-csv [-o FILE]".
 * Reads the inventory read-only; the file written holds every secret, so
 * it is created 0600 and appears whole or not at all (rename). */
#include "cli_pbx.h"
#include "pbx.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ME "phoneboot pbx: "
#define USAGE "usage: phoneboot pbx export --format pjsip|sip|freepbx-csv [-o FILE]\n"

/* The phones, copied out of the store's callback. */
struct list {
	struct pbx_phone *v;
	size_t n, cap;
	int oom;
};

static int usage(const char *what, const char *val)
{
	if (what)
		fprintf(stderr, ME "%s%s%s%s\n", what, val ? " '" : "", val ? val : "", val ? "'" : "");
	fputs(USAGE, stderr);
	return 2;
}

static int add_phone(void *ctx, const struct store_phone *p)
{
	struct list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct pbx_phone *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return l->oom = 1;
		l->v = v, l->cap = cap;
	}
	struct pbx_phone *q = &l->v[l->n];
	*q = (struct pbx_phone){strdup(p->mac), strdup(p->model), strdup(p->extension), strdup(p->name),
				strdup(p->label), strdup(p->secret)};
	l->n++;
	if (!q->mac || !q->model || !q->extension || !q->name || !q->label || !q->secret)
		return l->oom = 1;
	return 0;
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct pbx_phone *p = &l->v[i];
		free((char *)p->mac), free((char *)p->model), free((char *)p->extension);
		free((char *)p->name), free((char *)p->label);
		if (p->secret)
			explicit_bzero((char *)p->secret, strlen(p->secret));
		free((char *)p->secret);
	}
	free(l->v);
}

static int read_phones(const struct conf *c, struct list *l)
{
	char err[1024];
	snprintf(err, sizeof(err), "%s/%s", c->state_dir, STORE_FILE);
	if (access(err, F_OK) != 0 && errno == ENOENT) {
		fprintf(stderr, ME "no inventory: %s does not exist (phoneboot phone add or phone import makes it)\n",
			err);
		return -1;
	}
	struct store *s = store_open_readonly(c->state_dir, err, sizeof(err));
	if (!s) {
		fprintf(stderr, ME "cannot read the inventory: %s\n", err);
		return -1;
	}
	int r = store_phones(s, add_phone, l);
	if (r < 0 || l->oom)
		fprintf(stderr, ME "cannot read the inventory in %s: %s\n", c->state_dir,
			l->oom ? "out of memory" : store_errmsg(s));
	store_close(s);
	return r < 0 || l->oom ? -1 : 0;
}

/* The rename made durable; a failure here loses nothing already written. */
static void sync_dir(const char *path, int dirlen)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%.*s", dirlen ? dirlen : 1, dirlen ? path : ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The document into a temporary file beside path, synced, then renamed
 * over it: a reader sees the old file or the new one, never a part. */
static int write_atomic(const char *path, enum pbx_format f, const struct pbx_site *site, const struct list *l)
{
	char tmp[4096], err[512];
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) + 1 : 0; /* the directory, with its '/' */
	int n = snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", dirlen, path, slash ? slash + 1 : path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, ME "%s: the path is too long\n", path);
		return -1;
	}
	int fd = mkstemp(tmp); /* mode 0600 */
	if (fd < 0) {
		fprintf(stderr, ME "%s: cannot create a file beside it: %s\n", path, strerror(errno));
		return -1;
	}
	FILE *out = fdopen(fd, "w");
	int r = out ? pbx_render(out, f, site, l->v, l->n, err, sizeof(err)) : -1;
	if (!out)
		snprintf(err, sizeof(err), "%s", strerror(errno)), close(fd);
	else if (r == 0 && (fflush(out) != 0 || fsync(fileno(out)) != 0))
		r = -1, snprintf(err, sizeof(err), "writing failed: %s", strerror(errno));
	if (out && fclose(out) != 0 && r == 0)
		r = -1, snprintf(err, sizeof(err), "writing failed: %s", strerror(errno));
	if (r == 0 && rename(tmp, path) != 0)
		r = -1, snprintf(err, sizeof(err), "cannot rename the temporary file to it: %s", strerror(errno));
	if (r == 0)
		sync_dir(path, dirlen);
	if (r < 0) {
		unlink(tmp);
		fprintf(stderr, ME "%s: %s (nothing written)\n", path, err);
	}
	return r;
}

static int write_stdout(enum pbx_format f, const struct pbx_site *site, const struct list *l)
{
	char err[512];
	if (pbx_render(stdout, f, site, l->v, l->n, err, sizeof(err)) < 0) {
		fprintf(stderr, ME "%s\n", err);
		return -1;
	}
	return 0;
}

static int export(const struct conf *c, enum pbx_format f, const char *path)
{
	struct pbx_site site = {c->pbx_transport == CONF_TRANSPORT_UDP ? PBX_UDP : PBX_TCP, c->pbx_sip_port,
				c->pbx_context};
	struct list l = {0};
	int r = read_phones(c, &l);
	if (r == 0)
		r = path ? write_atomic(path, f, &site, &l) : write_stdout(f, &site, &l);
	if (r == 0 && path)
		fprintf(stderr, ME "%zu phone%s written to %s\n", l.n, l.n == 1 ? "" : "s", path);
	list_free(&l);
	return r < 0 ? 1 : 0;
}

static int cmd_export(const struct conf *c, int argc, char **argv)
{
	const char *format = NULL, *path = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--format") == 0 || strcmp(a, "-o") == 0) {
			if (i + 1 >= argc)
				return usage("a value is missing after", a);
			*(a[1] == 'o' ? &path : &format) = argv[++i];
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(USAGE, stdout);
			return 0;
		} else {
			return usage("export: unknown argument", a);
		}
	}
	enum pbx_format f;
	if (!format)
		return usage("export: --format is required", NULL);
	if (pbx_format_parse(format, &f) < 0)
		return usage("export: --format expects pjsip, sip or freepbx-csv, not", format);
	if (path && !*path)
		return usage("export: -o expects a file name", NULL);
	return export(c, f, path);
}

int cli_pbx(const struct conf *c, int argc, char **argv)
{
	if (argc < 2)
		return usage("a subcommand is missing", NULL);
	if (strcmp(argv[1], "export") == 0)
		return cmd_export(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(USAGE, stdout);
		return 0;
	}
	return usage("unknown subcommand", argv[1]);
}
