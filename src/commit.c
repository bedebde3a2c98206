/* commit: flush at every turn's end, retry on a timer while writes wait,
 * and say so in the log only when something changes (not once per turn). */
#include "commit.h"

#include <stdlib.h>

#include "log.h"

struct commit {
	struct loop *loop;
	struct store *st;
	struct loop_timer retry;
	uint64_t since_us;          /* when writes began to wait on the lock; 0: none */
	int warned, dropping, failing;
};

/* The timer only makes a turn happen: its end flushes. */
static void on_retry(void *arg)
{
	(void)arg;
}

struct commit *commit_new(struct loop *l, struct store *s)
{
	struct commit *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->loop = l;
	c->st = s;
	loop_timer_init(&c->retry, on_retry, c);
	store_nonblocking(s);
	return c;
}

static void waiting(struct commit *c, const struct store_queue_stats *q, uint64_t now)
{
	double s = (double)(now - c->since_us) / 1e6;
	if (!c->warned && q->pending >= STORE_QUEUE_WARN) {
		c->warned = 1;
		log_msg(LOG_WARNING, "state file: locked by another process for %.1f s; %zu writes wait in memory"
			" (ACKs wait for their leases)", s, q->pending);
	}
	if (!c->dropping && q->dropped) {
		c->dropping = 1;
		log_msg(LOG_WARNING, "state file: locked for %.1f s; past %d waiting writes new events are counted,"
			" not kept (leases are kept)", s, STORE_QUEUE_MAX);
	}
}

static void drained(struct commit *c, const struct store_queue_stats *q, uint64_t now)
{
	if (c->warned || c->dropping || c->failing)
		log_msg(LOG_INFO, "state file: writing again after %.1f s; %llu events were not kept",
			(double)(now - c->since_us) / 1e6, (unsigned long long)q->dropped);
	c->since_us = 0;
	c->warned = c->dropping = c->failing = 0;
}

int commit_turn_end(struct commit *c)
{
	if (!store_pending(c->st))
		return 0;
	int rc = store_flush(c->st);
	uint64_t now = loop_now_us(c->loop);
	struct store_queue_stats q;
	store_queue_stats(c->st, &q);
	if (rc < 0 && !c->failing) {
		c->failing = 1;
		log_msg(LOG_ERR, "state file: commit: %s (writes kept, retrying)", store_errmsg(c->st));
	}
	if (rc != 0 && !c->since_us)
		c->since_us = now;
	if (q.pending == 0) {
		if (c->since_us)
			drained(c, &q, now);
		return rc;
	}
	if (c->since_us)
		waiting(c, &q, now);
	if (!loop_timer_armed(&c->retry))
		loop_timer_set(c->loop, &c->retry, store_retry_us(c->st));
	return rc;
}

void commit_free(struct commit *c)
{
	if (!c)
		return;
	loop_timer_cancel(c->loop, &c->retry);
	free(c);
}
