/* phonecache: a sorted array of phones (binary search by MAC); each phone
 * one allocation with its strings. A reload builds a new array and swaps. */
#include "phonecache.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

struct phones {
	struct store_phone **v;
	size_t n, cap;
	int failed;
};

struct phonecache {
	struct store *st;
	struct phones cur;
	int64_t gen;               /* phone_gen when read */
	int loaded;
};

static struct store_phone *phone_copy(const struct store_phone *p)
{
	const char *src[6] = {p->mac, p->model, p->extension, p->name, p->label, p->secret};
	size_t len[6], total = sizeof(struct store_phone);
	for (int i = 0; i < 6; i++)
		total += (len[i] = strlen(src[i] ? src[i] : "") + 1);
	struct store_phone *c = malloc(total);
	if (!c)
		return NULL;
	char *at = (char *)(c + 1);
	const char **dst[6] = {&c->mac, &c->model, &c->extension, &c->name, &c->label, &c->secret};
	for (int i = 0; i < 6; i++) {
		*dst[i] = memcpy(at, src[i] ? src[i] : "", len[i]);
		at += len[i];
	}
	c->created_us = p->created_us;
	c->updated_us = p->updated_us;
	return c;
}

static int add_phone(void *ctx, const struct store_phone *p)
{
	struct phones *ps = ctx;
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		struct store_phone **v = realloc(ps->v, cap * sizeof(*v));
		if (!v)
			return ps->failed = -1;
		ps->v = v;
		ps->cap = cap;
	}
	if (!(ps->v[ps->n] = phone_copy(p)))
		return ps->failed = -1;
	ps->n++;
	return 0;
}

static void phones_free(struct phones *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->v[i]);
	free(ps->v);
	*ps = (struct phones){0};
}

static int by_mac(const void *a, const void *b)
{
	return strcmp((*(struct store_phone *const *)a)->mac, (*(struct store_phone *const *)b)->mac);
}

struct phonecache *phonecache_new(struct store *s)
{
	struct phonecache *pc = calloc(1, sizeof(*pc));
	if (pc)
		pc->st = s;
	return pc;
}

long phonecache_reload(struct phonecache *pc, int force, int *reloaded)
{
	struct phones next = {0};
	*reloaded = 0;
	/* the phones' generation: every insert, update and delete counts (triggers) */
	int64_t now = store_phone_generation(pc->st);
	if (now < 0)
		return -1;
	if (!force && pc->loaded && now == pc->gen)
		return (long)pc->cur.n;
	/* a callback's failure (out of memory) stops store_phones early */
	if (store_phones(pc->st, add_phone, &next) < 0 || next.failed) {
		phones_free(&next);
		return -1;
	}
	if (next.n > 1)
		qsort(next.v, next.n, sizeof(*next.v), by_mac);
	phones_free(&pc->cur);
	pc->cur = next;
	pc->gen = now;
	pc->loaded = 1;
	*reloaded = 1;
	return (long)next.n;
}

const struct store_phone *phonecache_get(const struct phonecache *pc, const char *mac)
{
	struct store_phone key = {.mac = mac}, *k = &key;
	struct store_phone **hit = pc->cur.n ? bsearch(&k, pc->cur.v, pc->cur.n, sizeof(*pc->cur.v), by_mac) : NULL;
	return hit ? *hit : NULL;
}

size_t phonecache_count(const struct phonecache *pc)
{
	return pc->cur.n;
}

void phonecache_on_change(void *arg)
{
	struct phonecache *pc = arg;
	int reloaded;
	long n = phonecache_reload(pc, 0, &reloaded);
	if (n < 0)
		log_msg(LOG_ERR, "inventory: reading the phones: %s (keeping the %zu phones read before)",
			store_errmsg(pc->st), pc->cur.n);
	else if (reloaded)
		log_msg(LOG_INFO, "inventory: %ld phone%s (reloaded: changed by another process)", n,
			n == 1 ? "" : "s");
}

void phonecache_free(struct phonecache *pc)
{
	if (!pc)
		return;
	phones_free(&pc->cur);
	free(pc);
}
