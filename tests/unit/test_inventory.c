/* Unit tests for inventory: each field's rule with the limits of the model
 * table (the built-in 7906 and 7962), the reasons given, and generated
 * secrets: exact length, alphabet, rejection of biased bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "inventory.h"
#include "models.h"

static struct models ms;

static int setup(void **state)
{
	char err[512];
	(void)state;
	return models_load(&ms, NULL, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	models_free(&ms);
	return 0;
}

static void assert_ok(const char *model, enum inv_field f, const char *v)
{
	char why[512] = "";
	if (inv_check(models_find(&ms, model), f, v, why, sizeof(why)) != 0)
		fail_msg("'%s' refused for the %s: %s", v, model, why);
}

static void assert_refused(const char *model, enum inv_field f, const char *v, const char *want)
{
	char why[512] = "";
	if (inv_check(models_find(&ms, model), f, v, why, sizeof(why)) == 0)
		fail_msg("'%s' accepted for the %s", v, model);
	if (!strstr(why, want))
		fail_msg("'%s': reason '%s' does not say '%s'", v, why, want);
}

static void the_7906_takes_12_character_secrets_from_its_table(void **state)
{
	(void)state;
	const struct model *m = models_find(&ms, "CP-7906G");
	assert_non_null(m);
	assert_int_equal(m->sip_password_max, 12);
	assert_ok("7906", INV_SECRET, "Abcdef123456");
	assert_refused("7906", INV_SECRET, "0123456789abcdef0123456789abcdef",
		       "secret of 32 characters; the 7906 accepts at most 12");
	assert_refused("7906", INV_SECRET, "Abcdef1234567", "secret of 13 characters");
	assert_refused("7911", INV_SECRET, "Abcdef1234567", "the 7911 accepts at most 12");
}

static void secrets_with_blanks_or_control_characters_are_refused(void **state)
{
	(void)state;
	assert_refused("7906", INV_SECRET, "ab cd", "has a space (at 3)");
	assert_refused("7906", INV_SECRET, "ab\tcd", "control character (byte 0x09 at 3)");
	assert_refused("7906", INV_SECRET, "abcd\n", "control character");
	assert_refused("7906", INV_SECRET, "", "empty secret");
	assert_ok("7906", INV_SECRET, "p$ss&<w>");
}

static void extensions_are_digits_within_the_line_name_limit(void **state)
{
	(void)state;
	assert_ok("7906", INV_EXTENSION, "1006");
	assert_refused("7906", INV_EXTENSION, "", "no extension");
	assert_refused("7906", INV_EXTENSION, "10a6", "'10a6' is not digits only");
	assert_refused("7906", INV_EXTENSION, "+1006", "not digits only");
	assert_refused("7906", INV_EXTENSION, "1234567890123456789012345678901", "extension of 31 digits; the 7906 accepts at most 30");
}

static void labels_follow_the_model_s_length_and_space_rules(void **state)
{
	(void)state;
	const struct model *m = models_find(&ms, "7906");
	assert_int_equal(m->label_spaces, 0);
	assert_ok("7906", INV_LABEL, "FrontDesk");
	assert_ok("7906", INV_LABEL, "");
	assert_refused("7906", INV_LABEL, "Front Desk", "has a space; the 7906 takes none");
	assert_refused("7906", INV_LABEL, "ABCDEFGHIJKLM", "label of 13 characters; the 7906 accepts at most 12");
	/* characters, not bytes: 12 two-byte letters fit */
	assert_ok("7906", INV_LABEL, "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4");
	assert_refused("7906", INV_LABEL, "a\nb", "control character");
}

static void names_are_one_line_of_utf8_within_name_max(void **state)
{
	(void)state;
	assert_ok("7962", INV_NAME, "Anna M\xc3\xbcller, Front Desk");
	assert_refused("7962", INV_NAME, "Anna\r\nM", "control character (byte 0x0d at 5)");
	assert_refused("7962", INV_NAME, "bad \xff byte", "not valid UTF-8 (byte 5)");
	assert_refused("7962", INV_NAME, "overlong \xc0\xaf", "not valid UTF-8");
	assert_refused("7962", INV_NAME, "surrogate \xed\xa0\x80", "not valid UTF-8");
	assert_refused("7962", INV_NAME, "cut \xe2\x82", "not valid UTF-8");
	assert_refused("7962", INV_NAME, "1234567890123456789012345678901", "name of 31 characters; the 7962 accepts at most 30");
	assert_int_equal(inv_chars("M\xc3\xbcller"), 6);
}

static void generated_secrets_have_the_model_s_length_and_alphabet(void **state)
{
	(void)state;
	char s[INV_SECRET_MAX + 1];
	const struct model *m = models_find(&ms, "7906");
	int seen[256] = {0};
	for (int k = 0; k < 200; k++) {
		assert_int_equal(inv_secret_new(m, s, NULL, NULL), 0);
		assert_int_equal(strlen(s), m->sip_password_max);
		for (const char *p = s; *p; p++) {
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", *p))
				fail_msg("'%c' is not in [A-Za-z0-9]", *p);
			seen[(unsigned char)*p]++;
		}
		char why[256];
		assert_int_equal(inv_check(m, INV_SECRET, s, why, sizeof(why)), 0);
	}
	int kinds = 0;
	for (int c = 0; c < 256; c++)
		kinds += seen[c] > 0;
	assert_true(kinds >= 55); /* 2400 draws from 62: all but a few appear */
}

/* bytes from a script: 248..255 would bias the alphabet and must be skipped */
static int scripted(void *ctx, uint8_t *buf, size_t n)
{
	int *calls = ctx;
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(*calls == 0 ? 248 + i % 8 : i);
	(*calls)++;
	return 0;
}

static int broken(void *ctx, uint8_t *buf, size_t n)
{
	(void)ctx, (void)buf, (void)n;
	return -1;
}

static void biased_bytes_are_rejected_not_folded(void **state)
{
	(void)state;
	char s[INV_SECRET_MAX + 1];
	int calls = 0;
	assert_int_equal(inv_secret_new(models_find(&ms, "7906"), s, scripted, &calls), 0);
	assert_int_equal(calls, 2); /* the first 64 bytes were all >= 248 */
	assert_string_equal(s, "ABCDEFGHIJKL");
	assert_int_equal(inv_secret_new(models_find(&ms, "7906"), s, broken, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_7906_takes_12_character_secrets_from_its_table),
		cmocka_unit_test(secrets_with_blanks_or_control_characters_are_refused),
		cmocka_unit_test(extensions_are_digits_within_the_line_name_limit),
		cmocka_unit_test(labels_follow_the_model_s_length_and_space_rules),
		cmocka_unit_test(names_are_one_line_of_utf8_within_name_max),
		cmocka_unit_test(generated_secrets_have_the_model_s_length_and_alphabet),
		cmocka_unit_test(biased_bytes_are_rejected_not_folded),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
