/* Unit tests for the three things a phone's file name passes through:
 * tftp_name_clean (wire name -> safe relative name), esc_log (any bytes ->
 * printable text) and tftp_dir_openat (relative name -> fd beneath a root,
 * ignoring case when the exact name is missing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "esc.h"
#include "log.h"
#include "tftp.h"
#include "tftp_wire.h"

/* ---- tftp_name_clean ---- */

/* Clean a C string with a roomy output; returns the rc, out and why. */
static int clean(const char *in, char *out, size_t cap, const char **why)
{
	*why = NULL;
	return tftp_name_clean(in, strlen(in), out, cap, why);
}

static void assert_cleans_to(const char *in, const char *want)
{
	char out[TFTP_NAME_MAX + 1];
	const char *why;
	if (clean(in, out, sizeof(out), &why) != 0)
		fail_msg("\"%s\" refused (%s), expected \"%s\"", in, why ? why : "no reason", want);
	assert_string_equal(out, want);
}

static void assert_refused(const char *in, size_t len, const char *why_contains)
{
	char out[TFTP_NAME_MAX + 1];
	const char *why = NULL;
	if (tftp_name_clean(in, len, out, sizeof(out), &why) != -1)
		fail_msg("name of %zu bytes accepted as \"%s\", expected a refusal", len, out);
	assert_non_null(why);
	if (why_contains && !strstr(why, why_contains))
		fail_msg("reason \"%s\" does not mention \"%s\"", why, why_contains);
}

static void name_leading_slash_is_dropped(void **state)
{
	(void)state;
	assert_cleans_to("/a/b", "a/b");
	assert_cleans_to("///a", "a");
}

static void name_backslashes_become_slashes(void **state)
{
	(void)state;
	assert_cleans_to("\\a\\b", "a/b");
	assert_cleans_to("a\\b/c", "a/b/c");
}

static void name_repeated_slashes_collapse(void **state)
{
	(void)state;
	assert_cleans_to("a//b", "a/b");
	assert_cleans_to("a/\\/b/", "a/b");
}

static void name_dot_components_are_dropped(void **state)
{
	(void)state;
	assert_cleans_to("./a/./b", "a/b");
	assert_cleans_to("a/.", "a");
}

static void name_dotdot_anywhere_is_refused_with_a_reason_naming_it(void **state)
{
	(void)state;
	static const char *const bad[] = {"..", "a/../b", "..\\x", "a/..", "/..", "a\\..\\b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(bad[i], strlen(bad[i]), "..");
}

static void name_with_dots_that_are_not_a_parent_ref_is_allowed(void **state)
{
	(void)state;
	assert_cleans_to("...", "...");
	assert_cleans_to("a..b", "a..b");
	assert_cleans_to("..a", "..a");
	assert_cleans_to("a../b..", "a../b..");
	assert_cleans_to("SEP001122334455.cnf.xml", "SEP001122334455.cnf.xml");
}

static void name_with_control_bytes_is_refused(void **state)
{
	(void)state;
	assert_refused("a\nb", 3, "control");
	assert_refused("a\rb", 3, "control");
	assert_refused("a\x7f", 2, "control");
	assert_refused("\x01", 1, "control");
	assert_refused("a\0b", 3, "control"); /* a NUL inside the counted name */
}

static void name_empty_or_only_separators_is_refused(void **state)
{
	(void)state;
	assert_refused("", 0, NULL);
	assert_refused("/", 1, NULL);
	assert_refused("\\//", 3, NULL);
	assert_refused("./.", 3, NULL);
}

static void name_of_exactly_tftp_name_max_bytes_is_accepted(void **state)
{
	(void)state;
	char in[TFTP_NAME_MAX + 1], out[TFTP_NAME_MAX + 1];
	const char *why = NULL;
	memset(in, 'x', TFTP_NAME_MAX);
	in[TFTP_NAME_MAX] = 0;
	assert_int_equal(tftp_name_clean(in, TFTP_NAME_MAX, out, sizeof(out), &why), 0);
	assert_int_equal(strlen(out), TFTP_NAME_MAX);
	assert_string_equal(out, in);
}

static void name_longer_than_tftp_name_max_is_refused(void **state)
{
	(void)state;
	char in[TFTP_NAME_MAX + 2];
	memset(in, 'x', sizeof(in));
	assert_refused(in, TFTP_NAME_MAX + 1, "long");
}

static void name_that_does_not_fit_the_output_is_refused(void **state)
{
	(void)state;
	char out[8];
	const char *why = NULL;
	/* "abcdefgh" needs 9 bytes with its NUL */
	assert_int_equal(tftp_name_clean("abcdefgh", 8, out, sizeof(out), &why), -1);
	assert_non_null(why);
	/* "abcdefg" fits exactly */
	assert_int_equal(tftp_name_clean("abcdefg", 7, out, sizeof(out), &why), 0);
	assert_string_equal(out, "abcdefg");
	/* the separator counts too: "abc/def" + NUL is 8 */
	assert_int_equal(tftp_name_clean("abc/def", 7, out, sizeof(out), &why), 0);
	assert_string_equal(out, "abc/def");
	assert_int_equal(tftp_name_clean("abc/defg", 8, out, sizeof(out), &why), -1);
	assert_int_equal(tftp_name_clean("a", 1, out, 1, &why), -1);
}

/* ---- esc_log ---- */

static void escape_passes_printable_text_through(void **state)
{
	(void)state;
	char out[64];
	const char *in = "SEP001122334455.cnf.xml ~!@#$%^&*()";
	assert_int_equal(esc_log(out, sizeof(out), in, strlen(in)), strlen(in));
	assert_string_equal(out, in);
}

static void escape_doubles_backslash(void **state)
{
	(void)state;
	char out[16];
	assert_int_equal(esc_log(out, sizeof(out), "a\\b", 3), 4);
	assert_string_equal(out, "a\\\\b");
}

static void escape_writes_nonprinting_bytes_as_three_octal_digits(void **state)
{
	(void)state;
	char out[64];
	static const char in[] = {'a', 0x00, 0x0a, 0x7f, (char)0xff, 'z'};
	size_t n = esc_log(out, sizeof(out), in, sizeof(in));
	assert_string_equal(out, "a\\000\\012\\177\\377z");
	assert_int_equal(n, strlen(out));
}

/* The escaped form of in, cut at every possible cap: each result is a prefix
 * of the full form that ends on an escape boundary, NUL-terminated, with
 * the return value its length. */
static void escape_truncation_never_splits_an_escape_and_always_terminates(void **state)
{
	(void)state;
	static const char in[] = {'a', '\\', 0x01, 'b', (char)0xfe, 0x00, 'c', '\\'};
	static const char full[] = "a\\\\\\001b\\376\\000c\\\\";
	/* where an escape of full may end: after each input byte */
	static const size_t bounds[] = {0, 1, 3, 7, 8, 12, 16, 17, 19};
	char out[64];

	char whole[64];
	assert_int_equal(esc_log(whole, sizeof(whole), in, sizeof(in)), strlen(full));
	assert_string_equal(whole, full);

	for (size_t cap = 1; cap <= strlen(full) + 1; cap++) {
		memset(out, 'Z', sizeof(out));
		size_t n = esc_log(out, cap, in, sizeof(in));
		assert_true(n < cap);
		assert_int_equal(out[n], '\0');
		assert_int_equal(out[cap], 'Z'); /* nothing written past cap */
		assert_memory_equal(out, full, n);
		/* the longest boundary that fits is the one chosen */
		size_t want = 0;
		for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++)
			if (bounds[b] < cap)
				want = bounds[b];
		if (n != want)
			fail_msg("cap %zu: wrote %zu bytes \"%s\", expected %zu", cap, n, out, want);
	}
}

static void escape_with_zero_capacity_writes_nothing(void **state)
{
	(void)state;
	char out[4] = "ZZZ";
	assert_int_equal(esc_log(out, 0, "abc", 3), 0);
	assert_string_equal(out, "ZZZ");
}

/* ---- tftp_dir_openat ---- */

struct tree {
	char path[64];
	int dfd;
};

static void write_file(const char *dir, const char *name, const char *content)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (!f)
		fail_msg("creating %s: %s", p, strerror(errno));
	fputs(content, f);
	fclose(f);
}

static void make_dir(const char *dir, const char *name)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (mkdir(p, 0755) < 0)
		fail_msg("mkdir %s: %s", p, strerror(errno));
}

static void make_link(const char *dir, const char *name, const char *target)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (symlink(target, p) < 0)
		fail_msg("symlink %s: %s", p, strerror(errno));
}

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	snprintf(t->path, sizeof(t->path), "/tmp/phoneboot-names.XXXXXX");
	if (!mkdtemp(t->path)) {
		free(t);
		return -1;
	}
	t->dfd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = t;
	return t->dfd < 0 ? -1 : 0;
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;
	char cmd[128];
	close(t->dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->path);
	int rc = system(cmd);
	free(t);
	return rc == 0 ? 0 : -1;
}

/* Open name beneath dfd; check the fd's content and what it found. */
static void assert_opens_at(int dfd, const char *name, const char *want_found,
			    const char *want_content)
{
	char found[TFTP_NAME_MAX + 2] = "", buf[128];
	int fd = tftp_dir_openat(dfd, name, found, sizeof(found));
	if (fd < 0)
		fail_msg("\"%s\": %s, expected to open \"%s\"", name, strerror(-fd), want_found);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = 0;
	assert_string_equal(found, want_found);
	assert_string_equal(buf, want_content);
}

/* The same through a root fd of its own, so that each check stands alone
 * (see dir_case_fallback_works_for_every_lookup_on_one_root_fd). */
static void assert_opens(struct tree *t, const char *name, const char *want_found,
			 const char *want_content)
{
	int dfd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_opens_at(dfd, name, want_found, want_content);
	close(dfd);
}

static int open_error_at(int dfd, const char *name)
{
	char found[TFTP_NAME_MAX + 2];
	int fd = tftp_dir_openat(dfd, name, found, sizeof(found));
	if (fd >= 0) {
		close(fd);
		fail_msg("\"%s\" opened (as \"%s\"), expected a refusal", name, found);
	}
	return fd;
}

static int open_error(struct tree *t, const char *name)
{
	int dfd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	int rc = open_error_at(dfd, name);
	close(dfd);
	return rc;
}

static void dir_exact_name_opens(void **state)
{
	struct tree *t = *state;
	write_file(t->path, "SEP001122334455.cnf.xml", "config");
	assert_opens(t, "SEP001122334455.cnf.xml", "SEP001122334455.cnf.xml", "config");
}

static void dir_wrong_case_name_opens_the_real_file_and_names_it(void **state)
{
	struct tree *t = *state;
	write_file(t->path, "Jar11sip.sbn", "jar");
	write_file(t->path, "RINGLIST.XML", "rings");
	assert_opens(t, "jar11sip.sbn", "Jar11sip.sbn", "jar");
	assert_opens(t, "JAR11SIP.SBN", "Jar11sip.sbn", "jar");
	assert_opens(t, "RingList.xml", "RINGLIST.XML", "rings");
}

static void dir_exact_match_wins_over_a_case_variant(void **state)
{
	struct tree *t = *state;
	write_file(t->path, "ring.xml", "lower");
	write_file(t->path, "RING.XML", "upper");
	write_file(t->path, "Ring.Xml", "mixed");
	assert_opens(t, "ring.xml", "ring.xml", "lower");
	assert_opens(t, "RING.XML", "RING.XML", "upper");
	assert_opens(t, "Ring.Xml", "Ring.Xml", "mixed");
}

/* The case-insensitive walk, on a component that exists exactly and in
 * another case: it must take the exact one, whatever the readdir order
 * (both creation orders are tried). */
static void dir_case_fallback_prefers_the_exact_component(void **state)
{
	struct tree *t = *state;
	make_dir(t->path, "FW");
	make_dir(t->path, "fw");
	make_dir(t->path, "fw2");
	make_dir(t->path, "FW2");
	write_file(t->path, "FW/load.bin", "FW");
	write_file(t->path, "fw/load.bin", "fw");
	write_file(t->path, "fw2/load.bin", "fw2");
	write_file(t->path, "FW2/load.bin", "FW2");
	/* "LOAD.BIN" exists nowhere exactly: the first open fails, the walk runs */
	assert_opens(t, "FW/LOAD.BIN", "FW/load.bin", "FW");
	assert_opens(t, "fw/LOAD.BIN", "fw/load.bin", "fw");
	assert_opens(t, "FW2/LOAD.BIN", "FW2/load.bin", "FW2");
	assert_opens(t, "fw2/LOAD.BIN", "fw2/load.bin", "fw2");
}

/* The daemon opens its root once and resolves every request against that
 * fd: the tenth case-insensitive lookup must work like the first. */
static void dir_case_fallback_works_for_every_lookup_on_one_root_fd(void **state)
{
	struct tree *t = *state;
	write_file(t->path, "Jar11sip.sbn", "jar");
	write_file(t->path, "RINGLIST.XML", "rings");
	for (int i = 0; i < 8; i++) {
		char name[32];
		snprintf(name, sizeof(name), "f%d", i);
		write_file(t->path, name, "filler");
	}
	for (int i = 0; i < 10; i++) {
		assert_opens_at(t->dfd, "jar11sip.sbn", "Jar11sip.sbn", "jar");
		assert_opens_at(t->dfd, "RingList.xml", "RINGLIST.XML", "rings");
		assert_int_equal(open_error_at(t->dfd, "absent.xml"), -ENOENT);
	}
}

static void dir_subdirectory_component_matches_ignoring_case(void **state)
{
	struct tree *t = *state;
	make_dir(t->path, "Firmware");
	make_dir(t->path, "Firmware/SCCP");
	write_file(t->path, "Firmware/SCCP/term06.loads", "loads");
	assert_opens(t, "firmware/sccp/TERM06.LOADS", "Firmware/SCCP/term06.loads", "loads");
	assert_opens(t, "FIRMWARE/SCCP/term06.loads", "Firmware/SCCP/term06.loads", "loads");
}

static void dir_parent_reference_is_refused(void **state)
{
	struct tree *t = *state;
	make_dir(t->path, "sub");
	int rc = open_error(t, "../x");
	assert_true(rc < 0 && rc != -ENOENT);
	rc = open_error(t, "sub/../../x");
	assert_true(rc < 0 && rc != -ENOENT);
}

static void dir_symlink_leading_outside_is_refused(void **state)
{
	struct tree *t = *state;
	make_link(t->path, "hostname", "/etc/hostname");
	make_link(t->path, "up", "../");
	int rc = open_error(t, "hostname");
	if (rc != -EXDEV && rc != -ELOOP)
		fail_msg("got %d (%s), expected -EXDEV or -ELOOP", rc, strerror(-rc));
	/* the same link reached through the case-insensitive walk */
	rc = open_error(t, "HOSTNAME");
	if (rc != -EXDEV && rc != -ELOOP)
		fail_msg("case walk: got %d (%s), expected -EXDEV or -ELOOP", rc, strerror(-rc));
	rc = open_error(t, "up/etc/hostname");
	if (rc != -EXDEV && rc != -ELOOP)
		fail_msg("via up/: got %d (%s), expected -EXDEV or -ELOOP", rc, strerror(-rc));
}

static void dir_symlink_inside_the_root_is_followed(void **state)
{
	struct tree *t = *state;
	make_dir(t->path, "real");
	write_file(t->path, "real/target.cfg", "target");
	make_link(t->path, "alias.cfg", "real/target.cfg");
	make_link(t->path, "dirlink", "real");
	assert_opens(t, "alias.cfg", "alias.cfg", "target");
	assert_opens(t, "dirlink/target.cfg", "dirlink/target.cfg", "target");
	assert_opens(t, "ALIAS.CFG", "alias.cfg", "target");
}

static void dir_missing_name_gives_enoent(void **state)
{
	struct tree *t = *state;
	write_file(t->path, "present", "x");
	make_dir(t->path, "sub");
	assert_int_equal(open_error(t, "absent"), -ENOENT);
	assert_int_equal(open_error(t, "sub/absent"), -ENOENT);
	assert_int_equal(open_error(t, "nodir/absent"), -ENOENT);
}

#define TREE_TEST(f) cmocka_unit_test_setup_teardown(f, tree_setup, tree_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_leading_slash_is_dropped),
		cmocka_unit_test(name_backslashes_become_slashes),
		cmocka_unit_test(name_repeated_slashes_collapse),
		cmocka_unit_test(name_dot_components_are_dropped),
		cmocka_unit_test(name_dotdot_anywhere_is_refused_with_a_reason_naming_it),
		cmocka_unit_test(name_with_dots_that_are_not_a_parent_ref_is_allowed),
		cmocka_unit_test(name_with_control_bytes_is_refused),
		cmocka_unit_test(name_empty_or_only_separators_is_refused),
		cmocka_unit_test(name_of_exactly_tftp_name_max_bytes_is_accepted),
		cmocka_unit_test(name_longer_than_tftp_name_max_is_refused),
		cmocka_unit_test(name_that_does_not_fit_the_output_is_refused),

		cmocka_unit_test(escape_passes_printable_text_through),
		cmocka_unit_test(escape_doubles_backslash),
		cmocka_unit_test(escape_writes_nonprinting_bytes_as_three_octal_digits),
		cmocka_unit_test(escape_truncation_never_splits_an_escape_and_always_terminates),
		cmocka_unit_test(escape_with_zero_capacity_writes_nothing),

		TREE_TEST(dir_exact_name_opens),
		TREE_TEST(dir_wrong_case_name_opens_the_real_file_and_names_it),
		TREE_TEST(dir_exact_match_wins_over_a_case_variant),
		TREE_TEST(dir_case_fallback_prefers_the_exact_component),
		TREE_TEST(dir_case_fallback_works_for_every_lookup_on_one_root_fd),
		TREE_TEST(dir_subdirectory_component_matches_ignoring_case),
		TREE_TEST(dir_parent_reference_is_refused),
		TREE_TEST(dir_symlink_leading_outside_is_refused),
		TREE_TEST(dir_symlink_inside_the_root_is_followed),
		TREE_TEST(dir_missing_name_gives_enoent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
