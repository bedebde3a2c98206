/* firmware: import, store, verify, remove and serve Cisco firmware.
 *
 * An import reads the package with libarchive into a private temporary folder
 * under STATE/firmware, hashing every byte on the way; nothing outside that
 * folder changes until every check has passed. Then the content goes into
 * blobs/<sha256> (stored once however many loads hold it), each load's folder
 * is built from hard links and swapped in with one rename, and the state file
 * records it all in one transaction. A crash before the commit leaves only
 * unreferenced content, which the next import sweeps away. */
#include "firmware.h"

#include "arch.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "digest.h"
#include "loads_wire.h"

extern const char known_builtin[]; /* data/known-firmware.conf, built in */

#define MAX_ENTRIES 10000          /* more is a tar bomb, not firmware */
#define MAX_TOTAL (4ull << 30)     /* bytes unpacked per import */
#define MAX_DEPTH 2                /* a zip holding a tar, a tgz holding a tar */
#define NAME_MAX_LEN 255
#define TREE_PREFIX "usr/local/cm/tftp/"
#define HEAD_MAX 65536             /* a signed header is at most 64 KiB */

struct known {
	char sha1[DIGEST_SHA1_HEX];
	uint64_t size;
	char *name, *load;
};

struct fw_known {
	struct known *known;
	int nknown;
};

struct fw_lib {
	char *dir;                 /* STATE/firmware */
	int dirfd;
	struct store *st;
	const struct models *ms;
	struct known *known;
	int nknown;
};

/* --- the known-firmware list --- */

static int known_parse(struct fw_known *lib, FILE *f, const char *name, char *err, size_t errlen)
{
	char line[1024];
	int lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char sha1[64], fname[512], load[256];
		unsigned long long size;
		char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == ';' || *p == '\n' || *p == 0)
			continue;
		int n = sscanf(p, "%63s %llu %511s %255s", sha1, &size, fname, load);
		if (n != 4 || strlen(sha1) != 40 || strspn(sha1, "0123456789abcdef") != 40) {
			snprintf(err, errlen, "%s:%d: expected SHA1 SIZE NAME LOAD (40 lower-case hex digits,"
				 " a size, a file name, a load ID or -)", name, lineno);
			return -1;
		}
		struct known *k = realloc(lib->known, (size_t)(lib->nknown + 1) * sizeof(*k));
		if (!k)
			return -1;
		lib->known = k;
		k = &lib->known[lib->nknown++];
		memcpy(k->sha1, sha1, sizeof(k->sha1));
		k->size = size;
		k->name = strdup(fname);
		k->load = strdup(load);
		if (!k->name || !k->load)
			return -1;
	}
	return 0;
}

static int known_load(struct fw_known *lib, const char *admin, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)known_builtin, strlen(known_builtin), "r");
	if (!f)
		return -1;
	int r = known_parse(lib, f, "data/known-firmware.conf (built in)", err, errlen);
	fclose(f);
	if (r == 0 && admin) {
		if ((f = fopen(admin, "r"))) {
			r = known_parse(lib, f, admin, err, errlen);
			fclose(f);
		} else if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", admin, strerror(errno));
			r = -1;
		}
	}
	return r;
}

static void known_free(struct known *k, int n)
{
	for (int i = 0; i < n; i++) {
		free(k[i].name);
		free(k[i].load);
	}
	free(k);
}

struct fw_known *fw_known_open(const char *admin, char *err, size_t errlen)
{
	struct fw_known *k = calloc(1, sizeof(*k));
	if (!k || known_load(k, admin, err, errlen) < 0) {
		if (k)
			known_free(k->known, k->nknown);
		free(k);
		return NULL;
	}
	return k;
}

const char *fw_known_load_of(const struct fw_known *k, const char *name)
{
	for (int i = 0; i < k->nknown; i++)
		if (strcasecmp(k->known[i].name, name) == 0 && strcmp(k->known[i].load, "-") != 0)
			return k->known[i].load;
	return NULL;
}

void fw_known_close(struct fw_known *k)
{
	if (!k)
		return;
	known_free(k->known, k->nknown);
	free(k);
}

/* known-good when name, size and SHA-1 match a line; MISMATCH when the name
 * is listed only with other sizes or hashes; unknown otherwise. */
static const char *verdict(const struct fw_lib *lib, const char *name, uint64_t size, const char *sha1)
{
	int named = 0;
	for (int i = 0; i < lib->nknown; i++) {
		const struct known *k = &lib->known[i];
		if (strcasecmp(k->name, name) != 0)
			continue;
		named = 1;
		if (k->size == size && strcmp(k->sha1, sha1) == 0)
			return FW_KNOWN;
	}
	return named ? FW_MISMATCH : FW_UNKNOWN;
}

static int verdict_rank(const char *v)
{
	return !v ? -1 : strcmp(v, FW_MISMATCH) == 0 ? 2 : strcmp(v, FW_UNKNOWN) == 0 ? 1 : 0;
}

const char *fw_verdict_worse(const char *a, const char *b)
{
	static const char *const names[] = {FW_KNOWN, FW_UNKNOWN, FW_MISMATCH};
	int ra = verdict_rank(a), rb = verdict_rank(b), r = ra > rb ? ra : rb;
	return names[r < 0 ? 0 : r];
}

/* --- the library --- */

static int mkdir_at(int dfd, const char *name)
{
	return mkdirat(dfd, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

struct fw_lib *fw_open(const char *state_dir, struct store *st, const struct models *ms,
		       const char *known_admin, char *err, size_t errlen)
{
	struct fw_lib *lib = calloc(1, sizeof(*lib));
	if (!lib || asprintf(&lib->dir, "%s/firmware", state_dir) < 0) {
		free(lib);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	lib->st = st;
	lib->ms = ms;
	lib->dirfd = -1;
	if (mkdir(lib->dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", lib->dir, strerror(errno));
		goto fail;
	}
	lib->dirfd = open(lib->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lib->dirfd < 0 || mkdir_at(lib->dirfd, "blobs") < 0 || mkdir_at(lib->dirfd, "loads") < 0 ||
	    mkdir_at(lib->dirfd, "tree") < 0) {
		snprintf(err, errlen, "%s: %s", lib->dir, strerror(errno));
		goto fail;
	}
	struct fw_known k = {0};
	if (known_load(&k, known_admin, err, errlen) < 0) {
		known_free(k.known, k.nknown);
		goto fail;
	}
	lib->known = k.known;
	lib->nknown = k.nknown;
	return lib;
fail:
	fw_close(lib);
	return NULL;
}

void fw_close(struct fw_lib *lib)
{
	if (!lib)
		return;
	known_free(lib->known, lib->nknown);
	if (lib->dirfd >= 0)
		close(lib->dirfd);
	free(lib->dir);
	free(lib);
}

/* One import at a time, and never beside a verify or a removal. */
static int lock_library(struct fw_lib *lib)
{
	int fd = openat(lib->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* rm -r of dirfd/name: our own folders, no symlinks followed. */
static void remove_tree(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		DIR *d = fdopendir(fd);
		if (d) {
			struct dirent *e;
			while ((e = readdir(d)))
				if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
					remove_tree(dirfd(d), e->d_name);
			closedir(d);
		} else {
			close(fd);
		}
		unlinkat(dfd, name, AT_REMOVEDIR);
	} else {
		unlinkat(dfd, name, 0);
	}
}

/* The served folders follow the state file: loads/<LOADID>/<name> and
 * tree/<path> are hard links to blobs/<sha256> of the recorded content. An
 * import commits first and then calls this; so does anything that finds the
 * folders behind (an import killed between its commit and its links). */
struct repair_ctx {
	struct fw_lib *lib;
	int failed, relinked;
};

/* dfd/name -> blobs/sha256, unless it already is that file: 0 it was, 1
 * linked now, -1 failed. */
static int link_to_blob(struct fw_lib *lib, int dfd, const char *name, const char *sha256)
{
	char blob[128], tmp[NAME_MAX_LEN + 16];
	struct stat b, f;
	snprintf(blob, sizeof(blob), "blobs/%s", sha256);
	if (fstatat(lib->dirfd, blob, &b, 0) < 0)
		return -1;
	if (fstatat(dfd, name, &f, AT_SYMLINK_NOFOLLOW) == 0 && f.st_ino == b.st_ino && f.st_dev == b.st_dev)
		return 0;
	snprintf(tmp, sizeof(tmp), ".new.%.240s", name);
	unlinkat(dfd, tmp, 0);
	if (linkat(lib->dirfd, blob, dfd, tmp, 0) < 0 || renameat(dfd, tmp, dfd, name) < 0)
		return -1;
	return 1;
}

/* Open (making them) the folders of rel under top; the last component's
 * name goes to *leaf. */
static int open_parent(struct fw_lib *lib, const char *top, const char *rel, char *buf, size_t len,
		       const char **leaf)
{
	snprintf(buf, len, "%s", rel);
	int dfd = openat(lib->dirfd, top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *p = buf, *slash;
	while (dfd >= 0 && (slash = strchr(p, '/'))) {
		*slash = 0;
		if (mkdirat(dfd, p, 0755) < 0 && errno != EEXIST) {
			close(dfd);
			return -1;
		}
		int next = openat(dfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		dfd = next;
		p = slash + 1;
	}
	*leaf = p;
	return dfd;
}

static int repair_file(void *ctx, const struct store_fw_file *f)
{
	struct repair_ctx *c = ctx;
	char rel[NAME_MAX_LEN + 160];
	const char *leaf;
	if (f->load_id)
		snprintf(rel, sizeof(rel), "%s/%s", f->load_id, f->name);
	else
		snprintf(rel, sizeof(rel), "%s", f->name);
	char buf[sizeof(rel)];
	int dfd = open_parent(c->lib, f->load_id ? "loads" : "tree", rel, buf, sizeof(buf), &leaf);
	int r = dfd < 0 ? -1 : link_to_blob(c->lib, dfd, leaf, f->sha256);
	c->failed |= r < 0;
	c->relinked += r > 0;
	if (dfd >= 0)
		close(dfd);
	return 0;
}

/* How many files were put in place, or -1. */
static int repair(struct fw_lib *lib)
{
	struct repair_ctx c = {.lib = lib};
	if (store_fw_files(lib->st, NULL, repair_file, &c) < 0 || store_fw_tree_all(lib->st, repair_file, &c) < 0)
		return -1;
	return c.failed ? -1 : c.relinked;
}

struct have_ctx {
	const char *name;
	int found;
};

static int have_name(void *ctx, const struct store_fw_file *f)
{
	struct have_ctx *h = ctx;
	if (strcmp(f->name, h->name) == 0)
		h->found = 1;
	return h->found;
}

/* Files in a recorded load's folder that the state file does not list (an
 * import killed before its commit left them). */
static void sweep_load(struct fw_lib *lib, int loadsfd, const char *id)
{
	int fd = openat(loadsfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		struct have_ctx h = {.name = e->d_name};
		if (store_fw_files(lib->st, id, have_name, &h) == 0 && !h.found)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
}

/* Content that no file of the state file refers to any more, and the
 * temporary folders of imports that were killed. */
/* fn for each entry of dirfd/sub but "." and ".." */
static void each_entry(struct fw_lib *lib, const char *sub, void (*fn)(struct fw_lib *lib, int dfd, const char *name))
{
	int fd = openat(lib->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			fn(lib, dirfd(d), e->d_name);
	closedir(d);
}

static void sweep_import_dir(struct fw_lib *lib, int dfd, const char *name)
{
	(void)lib;
	if (strncmp(name, ".import-", 8) == 0)
		remove_tree(dfd, name);
}

/* a load folder swapped in by an import killed before its commit, or files
 * in a recorded one that the state file does not list */
static void sweep_load_dir(struct fw_lib *lib, int dfd, const char *name)
{
	if (name[0] == '.')
		return;
	if (store_fw_load_exists(lib->st, name) == 0)
		remove_tree(dfd, name);
	else
		sweep_load(lib, dfd, name);
}

static void sweep_blob(struct fw_lib *lib, int dfd, const char *name)
{
	if (name[0] != '.' && store_fw_sha256_refs(lib->st, name) == 0)
		unlinkat(dfd, name, 0);
}

static void sweep(struct fw_lib *lib)
{
	each_entry(lib, ".", sweep_import_dir);
	each_entry(lib, "loads", sweep_load_dir);
	each_entry(lib, "blobs", sweep_blob);
}

/* --- import: reading the package --- */

struct xfile {
	char name[NAME_MAX_LEN + 1];  /* a flat file name, or a path in the TFTP tree */
	int tree;
	uint64_t size;
	char sha1[DIGEST_SHA1_HEX], sha256[DIGEST_SHA256_HEX];
	char tmp[32];                 /* its name in the temporary folder */
	const char *verdict;
	char load[128];               /* the load it belongs to; "" for tree files and extras */
	const char *role;             /* "loads", "image", "extra", "tree" */
};

struct import {
	struct fw_lib *lib;
	const struct fw_import_opts *o;
	char tmpname[64];
	int tmpfd;
	struct xfile *files;
	int nfiles, capfiles;
	int entries;
	uint64_t total;
	char *err;
	size_t errlen;
	const char *pkgname;
	uint64_t in_size;
	struct archive *top;          /* for the progress bar */
	uint64_t read_loose;
	double last_progress;
	int skipped;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(struct import *im, int done)
{
	if (!im->o->progress || im->in_size < (1u << 20))
		return;
	double t = now_s();
	if (!done && t - im->last_progress < 0.1)
		return;
	im->last_progress = t;
	uint64_t got = im->top ? (uint64_t)archive_filter_bytes(im->top, -1) : im->read_loose;
	if (done || got > im->in_size)
		got = im->in_size;
	fprintf(stdout, "\r%s: %3d%% of %.1f MB%s", im->pkgname, (int)(100 * got / im->in_size),
		im->in_size / 1e6, done ? "\n" : "");
	fflush(stdout);
}

__attribute__((format(printf, 2, 3)))
static int fail(struct import *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(im->err, im->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A name from an archive: relative, no "..", no control bytes, bounded. */
static const char *unsafe_name(const char *p)
{
	size_t len = strlen(p);
	if (len == 0)
		return "an empty name";
	if (len > NAME_MAX_LEN)
		return "a name longer than 255 bytes";
	if (p[0] == '/')
		return "an absolute path";
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '\\')
			return "a control character or a backslash in its name";
	for (const char *c = p; c; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == 0))
			return "a '..' in its path";
	}
	return NULL;
}

static const char *entry_kind(struct archive_entry *e)
{
	switch (archive_entry_filetype(e)) {
	case AE_IFLNK: return "a symbolic link";
	case AE_IFCHR: return "a character device";
	case AE_IFBLK: return "a block device";
	case AE_IFIFO: return "a FIFO";
	case AE_IFSOCK: return "a socket";
	default: return "not a regular file";
	}
}

static int ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), k = strlen(suffix);
	return l >= k && strcasecmp(s + l - k, suffix) == 0;
}

typedef la_ssize_t (*read_fn)(void *ctx, void *buf, size_t len);

static la_ssize_t read_archive_data(void *ctx, void *buf, size_t len)
{
	return archive_read_data(ctx, buf, len);
}

static la_ssize_t read_fd(void *ctx, void *buf, size_t len)
{
	return read(*(int *)ctx, buf, len);
}

/* Store one file's bytes in the temporary folder, hashing them. */
static int add_file(struct import *im, const char *name, int tree, read_fn rd, void *rctx)
{
	static char buf[1 << 16];
	for (int i = 0; i < im->nfiles; i++)
		if (im->files[i].tree == tree && strcmp(im->files[i].name, name) == 0)
			return fail(im, "%s: two entries named %s", im->pkgname, name);
	if (im->nfiles == im->capfiles) {
		int n = im->capfiles ? im->capfiles * 2 : 32;
		struct xfile *f = realloc(im->files, (size_t)n * sizeof(*f));
		if (!f)
			return fail(im, "out of memory");
		im->files = f;
		im->capfiles = n;
	}
	struct xfile *x = &im->files[im->nfiles];
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->tree = tree;
	snprintf(x->tmp, sizeof(x->tmp), "in.%d", im->nfiles);
	int fd = openat(im->tmpfd, x->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	struct digest d;
	if (fd < 0 || digest_init(&d) < 0) {
		if (fd >= 0)
			close(fd);
		return fail(im, "%s: writing %s: %s", im->pkgname, name, strerror(errno));
	}
	la_ssize_t n;
	while ((n = rd(rctx, buf, sizeof(buf))) > 0) {
		im->total += (uint64_t)n;
		if (!im->top)
			im->read_loose += (uint64_t)n;
		if (im->total > MAX_TOTAL) {
			close(fd);
			digest_abort(&d);
			return fail(im, "%s: unpacks to more than %llu bytes: refused", im->pkgname,
				    (unsigned long long)MAX_TOTAL);
		}
		if (write(fd, buf, (size_t)n) != n || digest_update(&d, buf, (size_t)n) < 0) {
			close(fd);
			digest_abort(&d);
			return fail(im, "%s: writing %s: %s", im->pkgname, name, strerror(errno));
		}
		x->size += (uint64_t)n;
		progress(im, 0);
	}
	if (n < 0) {
		close(fd);
		digest_abort(&d);
		return fail(im, "%s: reading %s: %s", im->pkgname, name,
			    rd == read_archive_data ? archive_error_string(rctx) : strerror(errno));
	}
	if (close(fd) < 0 || digest_final(&d, x->sha1, x->sha256) < 0)
		return fail(im, "%s: %s: cannot hash it", im->pkgname, name);
	im->nfiles++;
	return 0;
}

static struct archive *new_reader(void)
{
	struct archive *a = archive_read_new();
	if (!a)
		return NULL;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_zip(a);
	return a;
}

static int walk_archive(struct import *im, struct archive *a, const char *what, int depth);

/* libarchive reading from the entry of another archive */
struct nested {
	struct archive *parent;
	char buf[1 << 16];
};

static la_ssize_t nested_read(struct archive *a, void *ctx, const void **buf)
{
	struct nested *n = ctx;
	(void)a;
	*buf = n->buf;
	return archive_read_data(n->parent, n->buf, sizeof(n->buf));
}

static int walk_nested(struct import *im, struct archive *parent, const char *name, int depth)
{
	struct nested *n = malloc(sizeof(*n));
	struct archive *a = n ? new_reader() : NULL;
	if (!a) {
		free(n);
		return fail(im, "out of memory");
	}
	n->parent = parent;
	int r;
	if (archive_read_open(a, n, NULL, nested_read, NULL) != ARCHIVE_OK)
		r = fail(im, "%s: %s: %s", im->pkgname, name, archive_error_string(a));
	else
		r = walk_archive(im, a, name, depth);
	archive_read_free(a);
	free(n);
	return r;
}

/* Locale packages hold usr/local/cm/tftp/<dir>/...: those files go to the TFTP
 * tree under <dir>/, where phones ask for them; the rest of usr/ is CUCM's. */
static int take_entry(struct import *im, struct archive *a, struct archive_entry *e, int depth)
{
	const char *path = archive_entry_pathname(e);
	if (!path)
		return fail(im, "%s: an entry without a name", im->pkgname);
	const char *bad = unsafe_name(path);
	if (bad)
		return fail(im, "%s: entry '%.300s' has %s: refused", im->pkgname, path, bad);
	while (strncmp(path, "./", 2) == 0)
		path += 2;
	if (archive_entry_filetype(e) == AE_IFDIR || !*path)
		return 0;
	if (archive_entry_hardlink(e))
		return fail(im, "%s: entry '%s' is a hard link: refused", im->pkgname, path);
	if (archive_entry_filetype(e) != AE_IFREG)
		return fail(im, "%s: entry '%s' is %s: refused", im->pkgname, path, entry_kind(e));
	if (strncmp(path, TREE_PREFIX, strlen(TREE_PREFIX)) == 0) {
		const char *rest = path + strlen(TREE_PREFIX);
		if (!strchr(rest, '/'))
			return fail(im, "%s: entry '%s': a locale file outside any folder", im->pkgname, path);
		return add_file(im, rest, 1, read_archive_data, a);
	}
	if (strncmp(path, "usr/", 4) == 0) {
		im->skipped++;
		return 0; /* CUCM's own files in a locale package: not for phones */
	}
	if (ends_with(path, ".tar") || ends_with(path, ".tgz") || ends_with(path, ".tar.gz")) {
		if (depth >= MAX_DEPTH)
			return fail(im, "%s: '%s': archives nested more than %d deep", im->pkgname, path, MAX_DEPTH);
		return walk_nested(im, a, path, depth + 1);
	}
	const char *base = strrchr(path, '/');
	return add_file(im, base ? base + 1 : path, 0, read_archive_data, a);
}

static int walk_archive(struct import *im, struct archive *a, const char *what, int depth)
{
	struct archive_entry *e;
	int r;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (++im->entries > MAX_ENTRIES)
			return fail(im, "%s: more than %d entries: refused (not firmware)", im->pkgname, MAX_ENTRIES);
		if (take_entry(im, a, e, depth) < 0)
			return -1;
	}
	if (r != ARCHIVE_EOF)
		return fail(im, "%s: %s: %s", im->pkgname, what, archive_error_string(a));
	return 0;
}

/* libarchive reading a file from an offset (after a signed header), no seeking */
struct at_offset {
	int fd;
	char buf[1 << 16];
};

static la_ssize_t offset_read(struct archive *a, void *ctx, const void **buf)
{
	struct at_offset *o = ctx;
	(void)a;
	*buf = o->buf;
	return read(o->fd, o->buf, sizeof(o->buf));
}

static int read_package_archive(struct import *im, int fd, const char *path, uint64_t offset)
{
	struct at_offset *o = NULL;
	struct archive *a = new_reader();
	int r;
	if (!a)
		return fail(im, "out of memory");
	if (offset) {
		o = malloc(sizeof(*o));
		if (!o || lseek(fd, (off_t)offset, SEEK_SET) < 0) {
			archive_read_free(a);
			free(o);
			return fail(im, "%s: %s", im->pkgname, strerror(errno));
		}
		o->fd = fd;
		r = archive_read_open(a, o, NULL, offset_read, NULL);
	} else {
		r = archive_read_open_filename(a, path, 1 << 16);
	}
	im->top = a;
	if (r != ARCHIVE_OK)
		r = fail(im, "%s: not a firmware package (%s)", im->pkgname, archive_error_string(a));
	else
		r = walk_archive(im, a, offset ? "the payload after the signed header" : "archive", 0);
	im->top = NULL;
	archive_read_free(a);
	free(o);
	if (r == 0 && im->nfiles == 0)
		return fail(im, "%s: holds no file", im->pkgname);
	return r;
}

/* Classify one input file by its content. */
static int read_input_file(struct import *im, const char *path, const char *base)
{
	uint8_t head[HEAD_MAX];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(im, "%s: %s", path, strerror(errno));
	ssize_t n = pread(fd, head, sizeof(head), 0);
	if (n < 0) {
		close(fd);
		return fail(im, "%s: %s", path, strerror(errno));
	}
	int r;
	if (sgn_looks_signed(head, (size_t)n)) {
		struct sgn_header h;
		enum sgn_err e = sgn_parse(head, (size_t)n, &h, NULL);
		if (e != SGN_OK) {
			close(fd);
			return fail(im, "%s: %s", base, sgn_strerror(e));
		}
		int gz = (size_t)n >= (size_t)h.header_len + 2 && head[h.header_len] == 0x1f &&
			 head[h.header_len + 1] == 0x8b;
		if (gz) {
			r = read_package_archive(im, fd, path, h.header_len);
		} else if (ends_with(base, ".cop.sgn") || ends_with(base, ".cop.sha512")) {
			r = fail(im, "%s: a signed package whose payload is not gzip", base);
		} else {
			/* a loose signed file: .loads, .sbn, .sgn */
			r = add_file(im, base, 0, read_fd, &fd);
		}
	} else if (ends_with(base, ".loads")) {
		r = fail(im, "%s: a .loads file without Cisco's signed header: not genuine", base);
	} else {
		r = read_package_archive(im, fd, path, 0);
	}
	close(fd);
	return r;
}

static int read_input_dir(struct import *im, const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return fail(im, "%s: %s", path, strerror(errno));
	struct dirent *e;
	int r = 0;
	while (r == 0 && (e = readdir(d))) {
		char p[4096];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = fail(im, "%s: %s", p, strerror(errno));
		else {
			r = add_file(im, e->d_name, 0, read_fd, &fd);
			close(fd);
		}
	}
	closedir(d);
	if (r == 0 && im->nfiles == 0)
		return fail(im, "%s: no file in it", path);
	return r;
}

/* --- import: what the files are --- */

struct load_info {
	char id[128];
	struct loads_body body;
	uint8_t *text;                /* the .loads file; body points into it */
	int term;                     /* a termXX.default.loads, not a load ID file */
	int xfile;
};

static int is_default_loads(const struct models *ms, const char *name)
{
	for (int i = 0; ms && i < ms->n; i++)
		if (ms->m[i].default_loads && strcasecmp(ms->m[i].default_loads, name) == 0)
			return 1;
	return strncasecmp(name, "term", 4) == 0 && ends_with(name, ".default.loads");
}

static int read_loads(struct import *im, int i, struct load_info *li)
{
	struct xfile *x = &im->files[i];
	memset(li, 0, sizeof(*li));
	li->xfile = i;
	if (x->size > HEAD_MAX * 2)
		return fail(im, "%s: %s is too large for a .loads file", im->pkgname, x->name);
	li->text = malloc((size_t)x->size + 1);
	int fd = openat(im->tmpfd, x->tmp, O_RDONLY | O_CLOEXEC);
	if (!li->text || fd < 0 || read(fd, li->text, (size_t)x->size) != (ssize_t)x->size) {
		if (fd >= 0)
			close(fd);
		return fail(im, "%s: reading %s back", im->pkgname, x->name);
	}
	close(fd);
	struct sgn_header h;
	enum sgn_err se = sgn_parse(li->text, (size_t)x->size, &h, NULL);
	if (se != SGN_OK)
		return fail(im, "%s: %s: %s", im->pkgname, x->name, sgn_strerror(se));
	enum loads_err le = loads_parse_body(li->text + h.header_len, (size_t)x->size - h.header_len, &li->body);
	if (le != LOADS_OK)
		return fail(im, "%s: %s, line %zu of its list: %s", im->pkgname, x->name, li->body.bad_line,
			    loads_strerror(le));
	li->term = is_default_loads(im->lib->ms, x->name);
	snprintf(li->id, sizeof(li->id), "%.*s", (int)(strlen(x->name) - 6), x->name);
	return 0;
}

static int same_images(const struct loads_body *a, const struct loads_body *b)
{
	if (a->nimages != b->nimages)
		return 0;
	for (int i = 0; i < a->nimages; i++)
		if (a->images[i].len != b->images[i].len ||
		    strncasecmp(a->images[i].name, b->images[i].name, a->images[i].len) != 0)
			return 0;
	return 1;
}

static int lists_image(const struct loads_body *b, const char *name)
{
	for (int i = 0; i < b->nimages; i++)
		if (strlen(name) == b->images[i].len && strncasecmp(b->images[i].name, name, b->images[i].len) == 0)
			return 1;
	return 0;
}

/* --- import: into the library --- */

static int fsync_file(struct import *im, int i)
{
	int fd = openat(im->tmpfd, im->files[i].tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

/* Content into blobs/: stored once, whatever holds it. */
static int move_blobs(struct import *im)
{
	for (int i = 0; i < im->nfiles; i++) {
		char blob[128];
		struct stat st;
		snprintf(blob, sizeof(blob), "blobs/%s", im->files[i].sha256);
		if (fstatat(im->lib->dirfd, blob, &st, 0) == 0 && (uint64_t)st.st_size == im->files[i].size) {
			unlinkat(im->tmpfd, im->files[i].tmp, 0);
			continue;
		}
		if (fsync_file(im, i) < 0 || renameat(im->tmpfd, im->files[i].tmp, im->lib->dirfd, blob) < 0)
			return fail(im, "storing %s: %s", im->files[i].name, strerror(errno));
	}
	return 0;
}

static int safe_load_id(const char *id)
{
	if (!*id || id[0] == '.' || strlen(id) > 100)
		return 0;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '.' || *c == '-' || *c == '_'))
			return 0;
	return 1;
}

struct listing_ctx {
	const char *image;
	int found;
};

static int listing_image(void *ctx, int position, const char *name)
{
	struct listing_ctx *c = ctx;
	(void)position;
	if (strcasecmp(name, c->image) == 0)
		c->found = 1;
	return c->found;
}

struct load_ids {
	char (*ids)[128];
	int n;
};

static int collect_load(void *ctx, const struct store_fw_load *l)
{
	struct load_ids *c = ctx;
	char(*p)[128] = realloc(c->ids, (size_t)(c->n + 1) * sizeof(*p));
	if (!p)
		return 1;
	c->ids = p;
	snprintf(c->ids[c->n++], 128, "%s", l->load_id);
	return 0;
}

/* A loose image: the load in the library whose .loads names it. */
static int owner_in_library(struct import *im, const char *image, char *load, size_t len)
{
	struct load_ids ids = {0};
	struct listing_ctx c = {.image = image};
	if (store_fw_loads(im->lib->st, NULL, collect_load, &ids) < 0) {
		free(ids.ids);
		return -1;
	}
	for (int i = 0; i < ids.n && !c.found; i++) {
		store_fw_images(im->lib->st, ids.ids[i], listing_image, &c);
		if (c.found)
			snprintf(load, len, "%s", ids.ids[i]);
	}
	free(ids.ids);
	return c.found;
}

struct same_list {
	const struct loads_body *b;
	int n, same;
};

static int same_list_image(void *ctx, int position, const char *name)
{
	struct same_list *c = ctx;
	const struct loads_body *b = c->b;
	if (position != c->n + 1 || c->n >= b->nimages || strlen(name) != b->images[c->n].len ||
	    strncasecmp(name, b->images[c->n].name, b->images[c->n].len) != 0)
		c->same = 0;
	c->n++;
	return 0;
}

/* A loose termXX.default.loads: the load in the library whose image list it
 * repeats. 1 found, 0 none, -1 error. */
static int term_owner_in_library(struct import *im, const struct loads_body *b, char *load, size_t len)
{
	struct load_ids ids = {0};
	int found = 0;
	if (store_fw_loads(im->lib->st, NULL, collect_load, &ids) < 0) {
		free(ids.ids);
		return -1;
	}
	for (int i = 0; i < ids.n && !found; i++) {
		struct same_list c = {.b = b, .same = 1};
		if (store_fw_images(im->lib->st, ids.ids[i], same_list_image, &c) < 0)
			break;
		if (c.same && c.n == b->nimages) {
			snprintf(load, len, "%s", ids.ids[i]);
			found = 1;
		}
	}
	free(ids.ids);
	return found;
}

/* Which load each file belongs to, and as what. */
static int assign(struct import *im, struct load_info *li, int nli)
{
	for (int i = 0; i < nli; i++)
		if (!li[i].term && !safe_load_id(li[i].id))
			return fail(im, "%s: '%s' is not a load ID", im->pkgname, im->files[li[i].xfile].name);
	for (int i = 0; i < nli; i++) {
		struct xfile *x = &im->files[li[i].xfile];
		x->role = "loads";
		if (!li[i].term) {
			snprintf(x->load, sizeof(x->load), "%s", li[i].id);
			continue;
		}
		for (int k = 0; k < nli && !x->load[0]; k++)
			if (!li[k].term && same_images(&li[i].body, &li[k].body))
				snprintf(x->load, sizeof(x->load), "%s", li[k].id);
		if (!x->load[0] && term_owner_in_library(im, &li[i].body, x->load, sizeof(x->load)) <= 0)
			return fail(im, "%s: %s names the images of no load in the package or the library",
				    im->pkgname, x->name);
	}
	const char *first = NULL;
	for (int k = 0; k < nli && !first; k++)
		if (!li[k].term)
			first = li[k].id;
	for (int i = 0; i < im->nfiles; i++) {
		struct xfile *x = &im->files[i];
		if (x->tree) {
			x->role = "tree";
			continue;
		}
		if (x->role)
			continue;
		for (int k = 0; k < nli && !x->load[0]; k++)
			if (!li[k].term && lists_image(&li[k].body, x->name)) {
				snprintf(x->load, sizeof(x->load), "%s", li[k].id);
				x->role = "image";
			}
		if (x->load[0])
			continue;
		if (first) {
			snprintf(x->load, sizeof(x->load), "%s", first);
			x->role = "extra";
			continue;
		}
		int r = owner_in_library(im, x->name, x->load, sizeof(x->load));
		if (r < 0)
			return fail(im, "reading the library: %s", store_errmsg(im->lib->st));
		if (r == 0)
			return fail(im, "%s: no load names %s: import it with its .loads", im->pkgname, x->name);
		x->role = "image";
	}
	return 0;
}

static int record(struct import *im, struct load_info *li, int nli, const struct store_fw_package *pkg)
{
	struct store *st = im->lib->st;
	int64_t pid;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	int64_t now = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	if (store_begin(st) < 0 || store_fw_package_add(st, pkg, &pid) < 0)
		goto fail;
	for (int i = 0; i < nli; i++) {
		if (li[i].term)
			continue;
		enum model_proto proto;
		struct model_version v;
		char ver[64] = "?", rel[64] = "";
		const struct model *m = im->lib->ms ? models_parse_load_id(im->lib->ms, li[i].id, &proto, &v) : NULL;
		if (m)
			models_version_str(&v, ver, sizeof(ver));
		if (li[i].body.release)
			snprintf(rel, sizeof(rel), "%.*s", (int)li[i].body.release_len, li[i].body.release);
		struct store_fw_load l = {
			.load_id = li[i].id, .family = m ? m->family : "?",
			.protocol = m ? models_proto_name(proto) : "unknown", .version = ver, .release = rel,
			.package_id = pid, .imported_us = now,
		};
		if (store_fw_load_put(st, &l) < 0)
			goto fail;
		for (int k = 0; k < li[i].body.nimages; k++) {
			char name[LOADS_NAME_MAX + 1];
			snprintf(name, sizeof(name), "%.*s", (int)li[i].body.images[k].len, li[i].body.images[k].name);
			if (store_fw_image_put(st, li[i].id, k + 1, name) < 0)
				goto fail;
		}
	}
	for (int i = 0; i < im->nfiles; i++) {
		const struct xfile *x = &im->files[i];
		struct store_fw_file f = {
			.load_id = x->load, .name = x->name, .size = (int64_t)x->size, .sha1 = x->sha1,
			.sha256 = x->sha256, .verdict = x->verdict, .role = x->role,
		};
		if ((x->tree ? store_fw_tree_put(st, &f, pid) : store_fw_file_put(st, &f)) < 0)
			goto fail;
	}
	if (store_commit(st) < 0)
		goto fail;
	return 0;
fail:
	fail(im, "recording the import: %s", store_errmsg(st));
	store_rollback(st);
	return -1;
}

static void report(struct import *im, struct load_info *li, int nli, const struct store_fw_package *pkg)
{
	FILE *f = im->o->report;
	if (!f)
		return;
	fprintf(f, "package %s: %s (%llu bytes, sha1 %s)\n", pkg->name, pkg->verdict,
		(unsigned long long)pkg->size, pkg->sha1);
	for (int i = 0; i < im->nfiles; i++) {
		const struct xfile *x = &im->files[i];
		fprintf(f, "  %-36s %9llu  %-10s %s%s%s\n", x->name, (unsigned long long)x->size, x->verdict,
			x->role, x->load[0] ? " of " : "", x->load);
	}
	for (int i = 0; i < nli; i++) {
		char missing[1024];
		if (li[i].term)
			continue;
		int n = fw_missing(im->lib, li[i].id, missing, sizeof(missing));
		if (n == 0)
			fprintf(f, "load %s: complete, %d images\n", li[i].id, li[i].body.nimages);
		else if (n > 0)
			fprintf(f, "load %s: INCOMPLETE, missing %s\n", li[i].id, missing);
	}
	if (im->skipped)
		fprintf(f, "skipped %d files of CUCM's own (not for phones)\n", im->skipped);
}

static void cleanup(struct import *im, struct load_info *li, int nli)
{
	for (int i = 0; i < nli; i++)
		free(li[i].text);
	free(li);
	free(im->files);
	if (im->tmpfd >= 0) {
		close(im->tmpfd);
		remove_tree(im->lib->dirfd, im->tmpname);
	}
}

/* The package's identity: the file's digest; a directory's is the digest of
 * its files' names and digests. */
static int package_identity(struct import *im, const char *path, int is_dir, struct store_fw_package *pkg,
			    char sha1[DIGEST_SHA1_HEX], char sha256[DIGEST_SHA256_HEX])
{
	if (!is_dir) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		uint64_t size = 0;
		if (fd < 0 || digest_fd(fd, sha1, sha256, &size) < 0) {
			if (fd >= 0)
				close(fd);
			return fail(im, "%s: %s", path, strerror(errno));
		}
		close(fd);
		pkg->size = (int64_t)size;
		return 0;
	}
	struct digest d;
	if (digest_init(&d) < 0)
		return fail(im, "out of memory");
	for (int i = 0; i < im->nfiles; i++) {
		digest_update(&d, im->files[i].name, strlen(im->files[i].name) + 1);
		digest_update(&d, im->files[i].sha256, strlen(im->files[i].sha256) + 1);
		pkg->size += (int64_t)im->files[i].size;
	}
	return digest_final(&d, sha1, sha256) < 0 ? fail(im, "hashing %s", path) : 0;
}

/* 1 when a package of this content is in the library already, 0 when not,
 * -1 said. */
static int already_imported(struct import *im, const char *sha256)
{
	int64_t id;
	int found = store_fw_package_find(im->lib->st, sha256, &id);
	return found < 0 ? fail(im, "%s", store_errmsg(im->lib->st)) : found;
}

/* The import's own temporary folder in the library: 0, or -1 said. */
static int make_tmpdir(struct import *im)
{
	char tmppath[4096];
	snprintf(tmppath, sizeof(tmppath), "%s/.import-XXXXXX", im->lib->dir);
	if (!mkdtemp(tmppath) || (im->tmpfd = open(tmppath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fail(im, "%s: %s", tmppath, strerror(errno));
	snprintf(im->tmpname, sizeof(im->tmpname), "%s", strrchr(tmppath, '/') + 1);
	return 0;
}

/* Each file's verdict and each .loads read; the mismatches, refused
 * without --force. 0, or -1 said. */
static int judge_files(struct import *im, const char *base, const char *pkg_verdict, struct load_info **li,
		       int *nli)
{
	char mismatches[1024] = "";
	if (strcmp(pkg_verdict, FW_MISMATCH) == 0)
		snprintf(mismatches, sizeof(mismatches), " %s", base);
	for (int i = 0; i < im->nfiles; i++) {
		struct xfile *x = &im->files[i];
		const char *leaf = strrchr(x->name, '/');
		x->verdict = verdict(im->lib, leaf ? leaf + 1 : x->name, x->size, x->sha1);
		if (strcmp(x->verdict, FW_MISMATCH) == 0 && strlen(mismatches) + strlen(x->name) + 2 < sizeof(mismatches))
			snprintf(mismatches + strlen(mismatches), sizeof(mismatches) - strlen(mismatches), " %s", x->name);
		if (x->tree || !ends_with(x->name, ".loads"))
			continue;
		struct load_info *p = realloc(*li, (size_t)(*nli + 1) * sizeof(*p));
		if (!p)
			return fail(im, "out of memory");
		*li = p;
		(*nli)++;
		if (read_loads(im, i, &p[*nli - 1]) < 0)
			return -1;
	}
	if (mismatches[0] && !im->o->force)
		return fail(im, "%s: MISMATCH:%s: known genuine only with other sizes or hashes; refused (use"
				" --force to import anyway)", base, mismatches);
	return 0;
}

/* Read, judge and record one package or folder; the caller holds the lock. */
static int import_locked(struct import *im, const char *path, const char *base, struct load_info **li, int *nli)
{
	char sha1[DIGEST_SHA1_HEX], sha256[DIGEST_SHA256_HEX];
	struct store_fw_package pkg = {0};
	struct stat st;
	int found = 0;
	if (stat(path, &st) < 0)
		return fail(im, "%s: %s", path, strerror(errno));
	int is_dir = S_ISDIR(st.st_mode);
	if (!is_dir && !S_ISREG(st.st_mode))
		return fail(im, "%s: not a file or a directory", path);
	im->in_size = is_dir ? 0 : (uint64_t)st.st_size;
	if (!is_dir && (package_identity(im, path, 0, &pkg, sha1, sha256) < 0 ||
			(found = already_imported(im, sha256)) != 0))
		return found > 0 ? 1 : -1;
	if (make_tmpdir(im) < 0 || (is_dir ? read_input_dir(im, path) : read_input_file(im, path, base)) < 0)
		return -1;
	progress(im, 1);
	if (is_dir && (package_identity(im, path, 1, &pkg, sha1, sha256) < 0 ||
		       (found = already_imported(im, sha256)) != 0))
		return found > 0 ? 1 : -1;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	pkg.imported_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	pkg.name = base;
	pkg.sha1 = sha1;
	pkg.sha256 = sha256;
	pkg.verdict = is_dir ? FW_UNKNOWN : verdict(im->lib, base, (uint64_t)pkg.size, sha1);
	/* content first (unreferenced until the commit), then the state file,
	 * then the served folders made to match it */
	if (judge_files(im, base, pkg.verdict, li, nli) < 0 || assign(im, *li, *nli) < 0 || move_blobs(im) < 0 ||
	    record(im, *li, *nli, &pkg) < 0)
		return -1;
	if (repair(im->lib) < 0)
		fprintf(stderr, "phoneboot: warning: %s: some files are not in place yet: %s\n", im->lib->dir,
			strerror(errno));
	report(im, *li, *nli, &pkg);
	sweep(im->lib); /* content an import replaced is no longer referenced */
	return 0;
}

int fw_import(struct fw_lib *lib, const char *path, const struct fw_import_opts *o, char *err, size_t errlen)
{
	struct import im = {.lib = lib, .o = o, .tmpfd = -1, .err = err, .errlen = errlen};
	struct load_info *li = NULL;
	int nli = 0;
	const char *base = strrchr(path, '/');
	base = base && base[1] ? base + 1 : path;
	im.pkgname = base;
	if (arch_open() < 0)
		return fail(&im, "cannot load libarchive: %s", arch_error());
	int lock = lock_library(lib);
	if (lock < 0)
		return fail(&im, "%s: cannot lock the library: %s", lib->dir, strerror(errno));
	sweep(lib);
	int r = import_locked(&im, path, base, &li, &nli);
	cleanup(&im, li, nli);
	close(lock);
	return r;
}

/* --- what is there --- */

struct missing_ctx {
	struct fw_lib *lib;
	const char *load_id;
	char *buf;
	size_t len;
	int n;
	char (*have)[NAME_MAX_LEN + 1];
	int nhave;
};

static int have_file(void *ctx, const struct store_fw_file *f)
{
	struct missing_ctx *c = ctx;
	char(*p)[NAME_MAX_LEN + 1] = realloc(c->have, (size_t)(c->nhave + 1) * sizeof(*p));
	if (!p)
		return 1;
	c->have = p;
	snprintf(c->have[c->nhave++], NAME_MAX_LEN + 1, "%s", f->name);
	return 0;
}

static int check_image(void *ctx, int position, const char *name)
{
	struct missing_ctx *c = ctx;
	(void)position;
	for (int i = 0; i < c->nhave; i++)
		if (strcasecmp(c->have[i], name) == 0)
			return 0;
	size_t used = strlen(c->buf);
	snprintf(c->buf + used, c->len - used, "%s%s", c->n ? ", " : "", name);
	c->n++;
	return 0;
}

int fw_missing(struct fw_lib *lib, const char *load_id, char *buf, size_t len)
{
	struct missing_ctx c = {.lib = lib, .load_id = load_id, .buf = buf, .len = len};
	buf[0] = 0;
	int r = store_fw_files(lib->st, load_id, have_file, &c);
	if (r == 0)
		r = store_fw_images(lib->st, load_id, check_image, &c);
	free(c.have);
	return r < 0 ? -1 : c.n;
}

struct verify_ctx {
	struct fw_lib *lib;
	FILE *report;
	int damaged, checked;
};

static int verify_one(struct verify_ctx *c, const char *path, const struct store_fw_file *f)
{
	char sha1[DIGEST_SHA1_HEX], sha256[DIGEST_SHA256_HEX];
	uint64_t size = 0;
	int fd = openat(c->lib->dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	c->checked++;
	if (fd < 0) {
		fprintf(c->report, "damaged: %s: %s\n", path, strerror(errno));
		c->damaged++;
		return 0;
	}
	int r = digest_fd(fd, sha1, sha256, &size);
	close(fd);
	if (r < 0 || size != (uint64_t)f->size || strcmp(sha256, f->sha256) != 0) {
		fprintf(c->report, "damaged: %s: %llu bytes, sha256 %s; recorded %lld bytes, sha256 %s\n", path,
			(unsigned long long)size, r < 0 ? "?" : sha256, (long long)f->size, f->sha256);
		c->damaged++;
	}
	return 0;
}

static int verify_file(void *ctx, const struct store_fw_file *f)
{
	char path[512];
	snprintf(path, sizeof(path), "loads/%s/%s", f->load_id, f->name);
	return verify_one(ctx, path, f);
}

static int verify_tree(void *ctx, const struct store_fw_file *f)
{
	char path[512];
	snprintf(path, sizeof(path), "tree/%s", f->name);
	return verify_one(ctx, path, f);
}

int fw_verify(struct fw_lib *lib, FILE *report, char *err, size_t errlen)
{
	struct verify_ctx c = {.lib = lib, .report = report};
	int lock = lock_library(lib);
	if (lock < 0) {
		snprintf(err, errlen, "%s: cannot lock the library: %s", lib->dir, strerror(errno));
		return -1;
	}
	/* an import killed after its commit: finish its links first */
	int put = repair(lib);
	if (put > 0)
		fprintf(report, "put %d files back in place from the library's content\n", put);
	int r = store_fw_files(lib->st, NULL, verify_file, &c);
	if (r == 0)
		r = store_fw_tree_all(lib->st, verify_tree, &c);
	close(lock);
	if (r < 0) {
		snprintf(err, errlen, "reading the library: %s", store_errmsg(lib->st));
		return -1;
	}
	fprintf(report, "%d files checked, %d damaged\n", c.checked, c.damaged);
	return c.damaged ? 1 : 0;
}

int fw_remove(struct fw_lib *lib, const char *load_id, char *err, size_t errlen)
{
	if (!safe_load_id(load_id)) {
		snprintf(err, errlen, "'%s' is not a load ID", load_id);
		return 1;
	}
	int lock = lock_library(lib);
	if (lock < 0) {
		snprintf(err, errlen, "%s: cannot lock the library: %s", lib->dir, strerror(errno));
		return -1;
	}
	int r = store_begin(lib->st);
	if (r == 0)
		r = store_fw_load_remove(lib->st, load_id);
	if (r == 0 && store_commit(lib->st) < 0)
		r = -1;
	if (r != 0)
		store_rollback(lib->st);
	if (r < 0)
		snprintf(err, errlen, "removing %s: %s", load_id, store_errmsg(lib->st));
	else if (r == 1)
		snprintf(err, errlen, "no load %s in the library", load_id);
	if (r == 0) {
		char dir[160];
		snprintf(dir, sizeof(dir), "loads/%s", load_id);
		remove_tree(lib->dirfd, dir);
		sweep(lib);
	}
	close(lock);
	return r;
}

/* --- serving --- */

struct pick {
	struct fw_lib *lib;
	char load[128], name[NAME_MAX_LEN + 1];
	struct model_version v;
	int complete, have, n;
};

static int consider(void *ctx, const struct store_fw_file *f)
{
	struct pick *p = ctx;
	char missing[8];
	enum model_proto proto;
	struct model_version v = {0};
	int complete = fw_missing(p->lib, f->load_id, missing, sizeof(missing)) == 0;
	if (p->lib->ms)
		models_parse_load_id(p->lib->ms, f->load_id, &proto, &v);
	p->n++;
	/* the newest complete load; an incomplete one only when no load is complete */
	int better = !p->have || (complete && !p->complete) ||
		     (complete == p->complete && models_version_cmp(&v, &p->v) > 0);
	if (better) {
		snprintf(p->load, sizeof(p->load), "%s", f->load_id);
		snprintf(p->name, sizeof(p->name), "%s", f->name);
		p->v = v;
		p->complete = complete;
		p->have = 1;
	}
	return 0;
}

static int tree_hit(void *ctx, const struct store_fw_file *f)
{
	struct pick *p = ctx;
	snprintf(p->name, sizeof(p->name), "%s", f->name);
	p->have = 1;
	return 1;
}

int fw_resolve(void *ctx, const struct sockaddr *peer, const char *name, struct tftp_source *src,
	       char *why, size_t whylen)
{
	struct fw_lib *lib = ctx;
	struct pick p = {.lib = lib};
	char path[512];
	(void)peer;
	if (store_fw_tree_lookup(lib->st, name, tree_hit, &p) == 0 && p.have) {
		snprintf(path, sizeof(path), "tree/%s", p.name);
	} else {
		p.have = 0;
		if (store_fw_lookup(lib->st, name, consider, &p) < 0 || !p.have)
			return TFTP_ENOTFOUND;
		snprintf(path, sizeof(path), "loads/%s/%s", p.load, p.name);
	}
	int fd = tftp_open_beneath(lib->dirfd, path, O_RDONLY);
	if (fd < 0) {
		snprintf(why, whylen, "library file %s: %s", path, strerror(-fd));
		return TFTP_EACCESS;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return TFTP_EACCESS;
	}
	src->fd = fd;
	src->size = (uint64_t)st.st_size;
	snprintf(src->path, sizeof(src->path), "firmware/%.240s", path);
	return 0;
}
