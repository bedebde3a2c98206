/* The directory resolver: serves regular files beneath one root. openat2's
 * RESOLVE_BENEATH makes the kernel refuse any path, "..", or symlink that
 * leads out of the root, at the moment of the open (no check-then-use race). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tftp.h"

struct tftp_dir {
	int fd;
	char *path;
};

int tftp_open_beneath(int dirfd, const char *name, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* Listings for the case-insensitive fallback, by directory, sorted without
 * case. A boot storm asks for a thousand missing CTLSEP<MAC>.tlv at once:
 * reading a large directory for each would cost more than the transfers. A
 * listing is used while the directory's mtime is what it was, and only when
 * that mtime was more than a second old when the listing was read (mtime
 * ticks are coarse: a file added in the same tick would go unseen). */
#define LISTING_SLOTS 16
#define LISTING_MAX 100000

struct listing {
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	char **names;
	size_t n;
	unsigned long used;
	int occupied;
};

static struct listing listings[LISTING_SLOTS];
static unsigned long listing_clock;

static int cmp_nocase(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	memset(l, 0, sizeof(*l));
}

static int listing_read(int dfd, struct listing *l)
{
	int lfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
	size_t cap = 0;
	struct dirent *e;
	if (!d) {
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (l->n == LISTING_MAX)
			break;
		if (l->n == cap) {
			cap = cap ? cap * 2 : 64;
			char **p = realloc(l->names, cap * sizeof(*p));
			if (!p)
				break;
			l->names = p;
		}
		if (!(l->names[l->n] = strdup(e->d_name)))
			break;
		l->n++;
	}
	closedir(d);
	if (l->n)
		qsort(l->names, l->n, sizeof(*l->names), cmp_nocase);
	l->occupied = 1;
	return 0;
}

static struct listing *listing_get(int dfd)
{
	struct stat st;
	struct timespec now;
	if (fstat(dfd, &st) < 0)
		return NULL;
	clock_gettime(CLOCK_REALTIME, &now);
	struct listing *victim = &listings[0];
	for (int i = 0; i < LISTING_SLOTS; i++) {
		struct listing *l = &listings[i];
		if (l->occupied && l->dev == st.st_dev && l->ino == st.st_ino) {
			if (l->mtime.tv_sec == st.st_mtim.tv_sec && l->mtime.tv_nsec == st.st_mtim.tv_nsec) {
				l->used = ++listing_clock;
				return l;
			}
			victim = l;
			break;
		}
		if (l->used < victim->used)
			victim = l;
	}
	listing_free(victim);
	if (listing_read(dfd, victim) < 0)
		return NULL;
	victim->dev = st.st_dev;
	victim->ino = st.st_ino;
	victim->used = ++listing_clock;
	/* a directory changed within the last second may change again unseen */
	if (now.tv_sec - st.st_mtim.tv_sec > 1)
		victim->mtime = st.st_mtim;
	else
		victim->mtime = (struct timespec){-1, -1};
	return victim;
}

/* In directory dfd, the entry that matches comp ignoring case (the exact
 * name was looked for first). 0 and its name in out, or -ENOENT. */
static int find_nocase(int dfd, const char *comp, size_t clen, char *out, size_t outlen)
{
	char key[TFTP_NAME_MAX + 1];
	if (clen > TFTP_NAME_MAX)
		return -ENOENT;
	memcpy(key, comp, clen);
	key[clen] = 0;
	struct listing *l = listing_get(dfd);
	if (!l || l->n == 0)
		return -ENOENT;
	const char *k = key;
	char **hit = bsearch(&k, l->names, l->n, sizeof(*l->names), cmp_nocase);
	if (!hit)
		return -ENOENT;
	/* among names equal without case, an exact one wins */
	char **first = hit, **last = hit;
	while (first > l->names && strcasecmp(first[-1], key) == 0)
		first--;
	while (last + 1 < l->names + l->n && strcasecmp(last[1], key) == 0)
		last++;
	for (char **p = first; p <= last; p++)
		if (strcmp(*p, key) == 0)
			hit = p;
	snprintf(out, outlen, "%s", *hit);
	return 0;
}

static int open_file(int dirfd, const char *name);

/* A 7911 given SIP 8.2(2)'s term11.default.loads asks for Jar11sip... with a
 * capital J, and phones ask for RINGLIST.XML: when the exact name is missing,
 * match each component ignoring case. */
static int open_nocase(int dirfd, const char *name, char *found, size_t foundlen)
{
	char actual[TFTP_NAME_MAX + 2] = "";
	size_t alen = 0;
	int cur = dup(dirfd);
	if (cur < 0)
		return -errno;
	const char *p = name;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t clen = slash ? (size_t)(slash - p) : strlen(p);
		char comp[TFTP_NAME_MAX + 1];
		int r = find_nocase(cur, p, clen, comp, sizeof(comp));
		if (r < 0) {
			close(cur);
			return r;
		}
		if (alen + strlen(comp) + 2 > sizeof(actual)) {
			close(cur);
			return -ENAMETOOLONG;
		}
		alen += (size_t)snprintf(actual + alen, sizeof(actual) - alen, "%s%s", alen ? "/" : "", comp);
		if (!slash)
			break;
		int next = tftp_open_beneath(dirfd, actual, O_RDONLY | O_DIRECTORY);
		close(cur);
		if (next < 0)
			return next;
		cur = next;
		p = slash + 1;
	}
	close(cur);
	snprintf(found, foundlen, "%s", actual);
	return open_file(dirfd, actual);
}

/* The kernel's RESOLVE_BENEATH refuses every absolute symlink, even one that
 * points back into the root ("ln -s /srv/tftp/fw/x.sbn /srv/tftp/x.sbn"). Such
 * a name is opened plainly, and kept only if the file it opened lies beneath
 * the root: the check is on the opened file, so nothing can swap it after. */
static int open_absolute_link(int dirfd, const char *name)
{
	char proc[64], root[4096], path[4096];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
	ssize_t rl = readlink(proc, root, sizeof(root) - 1);
	if (rl <= 0)
		return -EXDEV;
	root[rl] = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t pl = readlink(proc, path, sizeof(path) - 1);
	if (pl <= 0) {
		close(fd);
		return -EXDEV;
	}
	path[pl] = 0;
	int inside = strcmp(root, "/") == 0 ||
		     (strncmp(path, root, (size_t)rl) == 0 && path[rl] == '/');
	if (!inside) {
		close(fd);
		return -EXDEV;
	}
	return fd;
}

/* A ".." component: what RESOLVE_BENEATH refused is the name itself. */
static int has_dotdot(const char *name)
{
	for (const char *p = name; *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : p + strlen(p))
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == 0))
			return 1;
	return 0;
}

static int open_file(int dirfd, const char *name)
{
	int fd = tftp_open_beneath(dirfd, name, O_RDONLY);
	/* only a symlink may be let through by open_absolute_link: a name that
	 * climbs out itself stays refused, whether or not its target exists */
	if (fd == -EXDEV && !has_dotdot(name))
		return open_absolute_link(dirfd, name);
	return fd;
}

int tftp_dir_openat(int dirfd, const char *name, char *found, size_t foundlen)
{
	int fd = open_file(dirfd, name);
	if (fd >= 0) {
		snprintf(found, foundlen, "%s", name);
		return fd;
	}
	if (fd != -ENOENT)
		return fd;
	return open_nocase(dirfd, name, found, foundlen);
}

struct tftp_dir *tftp_dir_open(const char *root, char *err, size_t errlen)
{
	struct tftp_dir *d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(root))) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0) {
		snprintf(err, errlen, "tftp root %s: %s", root, strerror(errno));
		free(d->path);
		free(d);
		return NULL;
	}
	return d;
}

void tftp_dir_close(struct tftp_dir *d)
{
	if (!d)
		return;
	close(d->fd);
	free(d->path);
	free(d);
}

int tftp_dir_resolve(void *ctx, const struct sockaddr *peer, const char *name,
		     struct tftp_source *src, char *why, size_t whylen)
{
	struct tftp_dir *d = ctx;
	(void)peer;
	/* a client that names the root's full path ("/srv/tftp/x") means "x" */
	size_t rl = strlen(d->path + 1);
	if (rl && strncmp(name, d->path + 1, rl) == 0 && name[rl] == '/')
		name += rl + 1;
	int fd = tftp_dir_openat(d->fd, name, src->path, sizeof(src->path));
	if (fd < 0) {
		switch (-fd) {
		case ENOENT:
		case ENOTDIR:
			return TFTP_ENOTFOUND;
		case EXDEV:
		case ELOOP:
			snprintf(why, whylen, "leads outside the root");
			return TFTP_EACCESS;
		case EMFILE:
		case ENFILE:
		case ENOMEM:
			snprintf(why, whylen, "%s", strerror(-fd));
			return TFTP_EUNDEF; /* busy: the client may try again */
		default:
			snprintf(why, whylen, "%s", strerror(-fd));
			return TFTP_EACCESS;
		}
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, whylen, "not a regular file");
		return TFTP_ENOTFOUND;
	}
	src->fd = fd;
	src->size = (uint64_t)st.st_size;
	return 0;
}
