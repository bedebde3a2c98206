/* Unit tests for statewatch and phonecache: a commit by another connection
 * reaches the subscribers through the loop (inotify, then data_version);
 * the daemon's own commits do not; a burst of commits before a turn is one
 * call; the phone cache reads the inventory again only when the phones
 * table changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"
#include "phonecache.h"
#include "statewatch.h"
#include "store.h"

struct fixture {
	char dir[64];
	struct loop *loop;
	struct store *daemon, *cli;
	struct statewatch *w;
	struct loop_timer stop;
	int calls;
};

static void on_stop(void *arg)
{
	loop_stop(arg);
}

static void on_change(void *arg)
{
	((struct fixture *)arg)->calls++;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/phoneboot-watch.XXXXXX");
	if (!mkdtemp(f->dir) || !(f->loop = loop_new()))
		return -1;
	f->daemon = store_open(f->dir, err, sizeof(err));
	f->cli = f->daemon ? store_open(f->dir, err, sizeof(err)) : NULL;
	if (!f->cli)
		return -1;
	store_nonblocking(f->daemon);
	f->w = statewatch_new(f->loop, f->daemon, f->dir, err, sizeof(err));
	if (!f->w || statewatch_subscribe(f->w, on_change, f) < 0)
		return -1;
	loop_timer_init(&f->stop, on_stop, f->loop);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	statewatch_free(f->w);
	store_close(f->cli);
	store_close(f->daemon);
	loop_free(f->loop);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* Run the loop for ms milliseconds. */
static void run_for(struct fixture *f, unsigned ms)
{
	loop_timer_set(f->loop, &f->stop, (uint64_t)ms * 1000);
	assert_int_equal(loop_run(f->loop), 0);
}

static void add_phone(struct store *s, const char *mac, const char *ext)
{
	struct store_phone p = {.mac = mac, .model = "7906", .extension = ext, .name = "n", .label = "",
				.secret = "s3cret-not-logged", .created_us = 1, .updated_us = 2};
	assert_int_equal(store_phone_add(s, &p), 0);
}

static void a_commit_by_another_connection_calls_the_subscriber(void **state)
{
	struct fixture *f = *state;
	add_phone(f->cli, "00:1e:4a:00:00:01", "1001");
	run_for(f, 300);
	assert_int_equal(f->calls, 1);
	unsigned long wakes, changes;
	statewatch_counts(f->w, &wakes, &changes);
	assert_true(wakes >= 1);
	assert_int_equal(changes, 1);
	/* and again for the next one */
	add_phone(f->cli, "00:1e:4a:00:00:02", "1002");
	run_for(f, 300);
	assert_int_equal(f->calls, 2);
}

static void the_daemons_own_commits_call_nobody(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < 3; i++) {
		struct store_event ev = {.time_us = i, .kind = "tftp-rrq", .outcome = "ok"};
		assert_int_equal(store_add_event(f->daemon, &ev), 0);
		assert_int_equal(store_flush(f->daemon), 0);
		run_for(f, 50);
	}
	assert_int_equal(f->calls, 0);
	assert_int_equal(statewatch_check(f->w), 0);
}

static void a_burst_before_a_turn_is_one_call(void **state)
{
	struct fixture *f = *state;
	char mac[18], ext[16];
	for (int i = 0; i < 20; i++) {
		snprintf(mac, sizeof(mac), "00:1e:4a:00:01:%02x", i);
		snprintf(ext, sizeof(ext), "%d", 2000 + i);
		add_phone(f->cli, mac, ext);
	}
	run_for(f, 300);
	assert_int_equal(f->calls, 1);
}

static void without_a_change_a_check_says_so(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(statewatch_check(f->w), 0);
	add_phone(f->cli, "00:1e:4a:00:00:03", "1003");
	assert_int_equal(statewatch_check(f->w), 1);
	assert_int_equal(f->calls, 1);
	assert_int_equal(statewatch_check(f->w), 0);
}

static void the_cache_finds_phones_and_reloads_only_on_a_change(void **state)
{
	struct fixture *f = *state;
	struct phonecache *pc = phonecache_new(f->daemon);
	int reloaded;
	assert_non_null(pc);
	add_phone(f->cli, "00:1e:4a:00:00:0b", "1011");
	add_phone(f->cli, "00:1e:4a:00:00:0a", "1010");
	assert_int_equal(phonecache_reload(pc, 0, &reloaded), 2);
	assert_int_equal(reloaded, 1);
	const struct store_phone *p = phonecache_get(pc, "00:1e:4a:00:00:0a");
	assert_non_null(p);
	assert_string_equal(p->extension, "1010");
	assert_string_equal(p->secret, "s3cret-not-logged");
	assert_null(phonecache_get(pc, "00:1e:4a:00:00:0c"));

	/* staging rows (an import's chunks) are not phones yet */
	struct store_phone st = {.mac = "00:1e:4a:00:00:0c", .model = "7906", .extension = "1012", .name = "",
				 .label = "", .secret = "x", .created_us = 3, .updated_us = 3};
	int64_t gen = store_phone_generation(f->cli), cursor = 0;
	assert_int_equal(store_phone_stage_clear(f->cli), 0);
	assert_int_equal(store_phone_stage_put(f->cli, &st), 0);
	assert_int_equal(phonecache_reload(pc, 0, &reloaded), 2);
	assert_int_equal(reloaded, 0);
	while (store_phone_stage_copy(f->cli, &cursor, 100) > 0)
		;
	assert_int_equal(store_phone_stage_publish(f->cli, gen), 3);
	assert_int_equal(phonecache_reload(pc, 0, &reloaded), 3);
	assert_int_equal(reloaded, 1);
	assert_non_null(phonecache_get(pc, "00:1e:4a:00:00:0c"));

	assert_int_equal(store_phone_remove(f->cli, "00:1e:4a:00:00:0b"), 1);
	phonecache_on_change(pc);
	assert_int_equal(phonecache_count(pc), 2);
	assert_null(phonecache_get(pc, "00:1e:4a:00:00:0b"));
	phonecache_free(pc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_commit_by_another_connection_calls_the_subscriber),
		T(the_daemons_own_commits_call_nobody),
		T(a_burst_before_a_turn_is_one_call),
		T(without_a_change_a_check_says_so),
		T(the_cache_finds_phones_and_reloads_only_on_a_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
