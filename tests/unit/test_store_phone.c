/* Unit tests for store_phone: the phones table (add, read by MAC and by
 * extension, numeric order, update, remove, one extension per phone), the
 * import's staging table (published all at once, or not at all), and the
 * state file's private mode. Each test works in a fresh mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

struct fixture {
	char dir[64];
	char err[512];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/phoneboot-phone.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	f->s = store_open(f->dir, f->err, sizeof(f->err));
	if (!f->s)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static struct store_phone phone(const char *mac, const char *ext, const char *secret)
{
	struct store_phone p = {.mac = mac, .model = "7906", .extension = ext, .name = "Desk",
				.label = "", .secret = secret, .created_us = 1000, .updated_us = 1000};
	return p;
}

struct seen {
	char macs[8][18];
	char exts[8][16];
	char secret[64];
	int64_t created;
	int n;
};

static int collect(void *ctx, const struct store_phone *p)
{
	struct seen *s = ctx;
	if (s->n < 8) {
		snprintf(s->macs[s->n], sizeof(s->macs[0]), "%s", p->mac);
		snprintf(s->exts[s->n], sizeof(s->exts[0]), "%s", p->extension);
	}
	snprintf(s->secret, sizeof(s->secret), "%s", p->secret);
	s->created = p->created_us;
	s->n++;
	return 0;
}

static void phones_are_listed_by_extension_as_a_number(void **state)
{
	struct fixture *f = *state;
	struct store_phone a = phone("00:1e:4a:00:00:01", "1006", "aaa"), b = phone("00:1e:4a:00:00:02", "99", "bbb"),
			   c = phone("00:1e:4a:00:00:03", "200", "ccc");
	assert_int_equal(store_phone_add(f->s, &a), 0);
	assert_int_equal(store_phone_add(f->s, &b), 0);
	assert_int_equal(store_phone_add(f->s, &c), 0);
	struct seen s = {0};
	assert_int_equal(store_phones(f->s, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.exts[0], "99");
	assert_string_equal(s.exts[1], "200");
	assert_string_equal(s.exts[2], "1006");
	assert_int_equal(store_phone_count(f->s), 3);
}

static void a_phone_is_found_by_mac_and_by_extension(void **state)
{
	struct fixture *f = *state;
	struct store_phone a = phone("00:1e:4a:00:00:01", "1006", "s3cret");
	assert_int_equal(store_phone_add(f->s, &a), 0);
	struct seen s = {0};
	assert_int_equal(store_phone_get(f->s, "00:1e:4a:00:00:01", collect, &s), 1);
	assert_string_equal(s.secret, "s3cret");
	assert_int_equal(store_phone_get(f->s, "00:1e:4a:00:00:09", collect, &s), 0);
	assert_int_equal(store_phone_by_ext(f->s, "1006", collect, &s), 1);
	assert_string_equal(s.macs[1], "00:1e:4a:00:00:01");
	assert_int_equal(store_phone_by_ext(f->s, "1007", collect, &s), 0);
}

static void two_phones_cannot_share_an_extension_or_a_mac(void **state)
{
	struct fixture *f = *state;
	struct store_phone a = phone("00:1e:4a:00:00:01", "1006", "x"), b = phone("00:1e:4a:00:00:02", "1006", "y");
	assert_int_equal(store_phone_add(f->s, &a), 0);
	assert_int_equal(store_phone_add(f->s, &b), -1);
	assert_int_equal(store_phone_add(f->s, &a), -1);
	assert_int_equal(store_phone_count(f->s), 1);
}

static void update_keeps_created_and_remove_says_whether_it_was_there(void **state)
{
	struct fixture *f = *state;
	struct store_phone a = phone("00:1e:4a:00:00:01", "1006", "old");
	assert_int_equal(store_phone_add(f->s, &a), 0);
	a.secret = "new", a.extension = "1010", a.created_us = 5, a.updated_us = 2000;
	assert_int_equal(store_phone_update(f->s, &a), 1);
	struct seen s = {0};
	assert_int_equal(store_phone_get(f->s, a.mac, collect, &s), 1);
	assert_string_equal(s.secret, "new");
	assert_string_equal(s.exts[0], "1010");
	assert_int_equal(s.created, 1000);
	struct store_phone ghost = phone("00:1e:4a:00:00:07", "1", "z");
	assert_int_equal(store_phone_update(f->s, &ghost), 0);
	assert_int_equal(store_phone_remove(f->s, a.mac), 1);
	assert_int_equal(store_phone_remove(f->s, a.mac), 0);
}

/* stage a and b, copy the rest of phones, publish at generation gen */
static int64_t import(struct fixture *f, const struct store_phone *a, const struct store_phone *b, int64_t gen)
{
	int64_t cursor = 0;
	assert_int_equal(store_phone_stage_clear(f->s), 0);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_phone_stage_put(f->s, a), 0);
	if (b)
		assert_int_equal(store_phone_stage_put(f->s, b), 0);
	while (store_phone_stage_copy(f->s, &cursor, 1) > 0)
		;
	assert_int_equal(store_commit(f->s), 0);
	return store_phone_stage_publish(f->s, gen);
}

static void staged_rows_become_visible_only_at_publish(void **state)
{
	struct fixture *f = *state;
	struct store_phone a = phone("00:1e:4a:00:00:01", "100", "keep"), b = phone("00:1e:4a:00:00:02", "101", "b"),
			   c = phone("00:1e:4a:00:00:03", "102", "c");
	assert_int_equal(store_phone_add(f->s, &a), 0);
	assert_int_equal(store_phone_add(f->s, &c), 0);
	int64_t gen = store_phone_generation(f->s);
	assert_true(gen >= 2);
	/* a and b swap extensions: fine once both are replaced together */
	a.extension = "101", a.secret = "changed";
	b.extension = "100";
	assert_int_equal(import(f, &a, &b, gen), 3);
	struct seen s = {0};
	assert_int_equal(store_phones(f->s, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.macs[0], b.mac);
	assert_string_equal(s.macs[1], a.mac);
	assert_string_equal(s.macs[2], c.mac); /* not staged: copied as it was */
	assert_int_equal(store_phone_get(f->s, a.mac, collect, &s), 1);
	assert_string_equal(s.secret, "changed");
	/* the published table is the phones table: its rules and counter hold */
	assert_true(store_phone_generation(f->s) > gen);
	assert_int_equal(store_phone_add(f->s, &c), -1);
	struct store_phone d = phone("00:1e:4a:00:00:04", "100", "d");
	assert_int_equal(store_phone_add(f->s, &d), -1);
	int64_t g2 = store_phone_generation(f->s);
	d.extension = "103";
	assert_int_equal(store_phone_add(f->s, &d), 0);
	assert_int_equal(store_phone_generation(f->s), g2 + 1);
}

static void a_publish_that_would_clash_or_comes_late_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct store_phone a = phone("00:1e:4a:00:00:01", "100", "a"), b = phone("00:1e:4a:00:00:02", "100", "b");
	assert_int_equal(store_phone_add(f->s, &a), 0);
	int64_t gen = store_phone_generation(f->s);
	int64_t cursor = 0;
	assert_int_equal(store_phone_stage_clear(f->s), 0);
	assert_int_equal(store_phone_stage_put(f->s, &b), 0);
	assert_int_equal(store_phone_stage_copy(f->s, &cursor, 10), -1); /* a's extension is b's */
	/* another command changed the phones after the import read them */
	struct store_phone c = phone("00:1e:4a:00:00:03", "300", "c");
	assert_int_equal(import(f, &c, NULL, gen - 1), -2);
	struct seen s = {0};
	assert_int_equal(store_phones(f->s, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.macs[0], a.mac);
}

static void the_state_file_is_private_even_when_it_was_not(void **state)
{
	struct fixture *f = *state;
	char db[128];
	struct stat st;
	snprintf(db, sizeof(db), "%s/%s", f->dir, STORE_FILE);
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	store_close(f->s);
	assert_int_equal(chmod(db, 0644), 0);
	f->s = store_open(f->dir, f->err, sizeof(f->err));
	assert_non_null(f->s);
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(phones_are_listed_by_extension_as_a_number, setup, teardown),
		cmocka_unit_test_setup_teardown(a_phone_is_found_by_mac_and_by_extension, setup, teardown),
		cmocka_unit_test_setup_teardown(two_phones_cannot_share_an_extension_or_a_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(update_keeps_created_and_remove_says_whether_it_was_there, setup,
						teardown),
		cmocka_unit_test_setup_teardown(staged_rows_become_visible_only_at_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(a_publish_that_would_clash_or_comes_late_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(the_state_file_is_private_even_when_it_was_not, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
