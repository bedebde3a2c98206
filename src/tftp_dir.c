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

/* In directory dfd, the entry that matches comp ignoring case (an exact
 * match wins). 0 and its name in out, or -ENOENT. */
static int find_nocase(int dfd, const char *comp, size_t clen, char *out, size_t outlen)
{
	/* a new open, not dup(): a dup shares the read position of earlier listings */
	int lfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lfd < 0)
		return -errno;
	DIR *d = fdopendir(lfd);
	if (!d) {
		close(lfd);
		return -ENOENT;
	}
	int found = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strlen(e->d_name) != clen || strncasecmp(e->d_name, comp, clen) != 0)
			continue;
		if (!found || strncmp(e->d_name, comp, clen) == 0)
			snprintf(out, outlen, "%s", e->d_name);
		found = 1;
		if (strncmp(e->d_name, comp, clen) == 0)
			break;
	}
	closedir(d);
	return found ? 0 : -ENOENT;
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

static int open_file(int dirfd, const char *name)
{
	int fd = tftp_open_beneath(dirfd, name, O_RDONLY);
	return fd == -EXDEV ? open_absolute_link(dirfd, name) : fd;
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
