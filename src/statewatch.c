/* statewatch: inotify (the wake-up) + data_version (the answer). */
#include "statewatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"

struct sub {
	statewatch_fn fn;
	void *ctx;
};

struct statewatch {
	struct loop *loop;
	struct store *st;
	int fd;
	int64_t version;
	struct sub subs[STATEWATCH_SUBS];
	int nsubs;
	struct loop_timer settle;
	unsigned long wakes, changes;
	int failing, registered;
};

int statewatch_check(struct statewatch *w)
{
	int64_t v = store_data_version(w->st);
	if (v < 0) {
		if (!w->failing++)
			log_msg(LOG_ERR, "state file: reading data_version: %s", store_errmsg(w->st));
		return -1;
	}
	w->failing = 0;
	if (v == w->version)
		return 0;
	w->version = v;
	w->changes++;
	for (int i = 0; i < w->nsubs; i++)
		w->subs[i].fn(w->subs[i].ctx);
	return 1;
}

static void on_settle(void *arg)
{
	statewatch_check(arg);
}

/* Is this event about the database or its WAL (not -shm, not other files)? */
static int ours(const struct inotify_event *e)
{
	return e->len && (strcmp(e->name, STORE_FILE) == 0 || strcmp(e->name, STORE_FILE "-wal") == 0);
}

static void on_ready(void *arg, uint32_t events)
{
	struct statewatch *w = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int hit = 0;
	ssize_t n;
	(void)events;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			hit |= ours(e) || (e->mask & IN_Q_OVERFLOW);
			p += sizeof(*e) + e->len;
		}
	if (!hit)
		return;
	w->wakes++;
	statewatch_check(w);
	if (!loop_timer_armed(&w->settle))
		loop_timer_set(w->loop, &w->settle, STATEWATCH_SETTLE_US);
}

struct statewatch *statewatch_new(struct loop *l, struct store *s, const char *state_dir, char *err,
				  size_t errlen)
{
	struct statewatch *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->loop = l;
	w->st = s;
	loop_timer_init(&w->settle, on_settle, w);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 ||
	    inotify_add_watch(w->fd, state_dir, IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO) < 0) {
		snprintf(err, errlen, "watching %s (inotify): %s", state_dir, strerror(errno));
		statewatch_free(w);
		return NULL;
	}
	w->version = store_data_version(s);
	w->registered = w->version >= 0 && loop_add_fd(l, w->fd, EPOLLIN, on_ready, w) == 0;
	if (!w->registered) {
		snprintf(err, errlen, "watching %s: %s", state_dir,
			 w->version < 0 ? store_errmsg(s) : strerror(errno));
		statewatch_free(w);
		return NULL;
	}
	return w;
}

int statewatch_subscribe(struct statewatch *w, statewatch_fn fn, void *ctx)
{
	if (w->nsubs == STATEWATCH_SUBS)
		return -1;
	w->subs[w->nsubs++] = (struct sub){fn, ctx};
	return 0;
}

void statewatch_counts(const struct statewatch *w, unsigned long *wakes, unsigned long *changes)
{
	*wakes = w->wakes;
	*changes = w->changes;
}

void statewatch_free(struct statewatch *w)
{
	if (!w)
		return;
	loop_timer_cancel(w->loop, &w->settle);
	if (w->registered)
		loop_del_fd(w->loop, w->fd);
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}
