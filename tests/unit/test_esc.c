/* Unit tests for esc: esc_log's form (the log's, pinned in test_names.c too),
 * esc_quoted as dhcp-option and probe print a text option, esc_mask as the
 * DHCP server stores a vendor class, esc_xml (entities, UTF-8 passed,
 * control characters, broken UTF-8 and a value too long for its buffer
 * refused, never cut) and esc_json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "esc.h"

static void log_form_escapes_backslash_controls_and_high_bytes(void **state)
{
	(void)state;
	char out[64];
	static const char in[] = {'S', 'E', 'P', '\\', '\n', '"', (char)0xc3, (char)0xa9};
	size_t n = esc_log(out, sizeof(out), in, sizeof(in));
	assert_string_equal(out, "SEP\\\\\\012\"\\303\\251");
	assert_int_equal(n, strlen(out));
}

static void quoted_form_octal_escapes_quote_and_backslash(void **state)
{
	(void)state;
	char out[64];
	static const char in[] = {'a', '"', '\\', 0x00, 0x7f, (char)0x80, ' ', '~'};
	size_t n = esc_quoted(out, sizeof(out), in, sizeof(in));
	assert_string_equal(out, "a\\042\\134\\000\\177\\200 ~");
	assert_int_equal(n, strlen(out));
}

static void quoted_form_never_splits_an_escape(void **state)
{
	(void)state;
	char out[8];
	memset(out, 'Z', sizeof(out));
	/* "ab" fits, "\\001" (4) would need cap 7 */
	assert_int_equal(esc_quoted(out, 6, "ab\001", 3), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(out[6], 'Z');
	assert_int_equal(esc_quoted(out, 7, "ab\001", 3), 6);
	assert_string_equal(out, "ab\\001");
	assert_int_equal(esc_quoted(out, 0, "ab", 2), 0);
}

static void mask_replaces_controls_and_high_bytes_only(void **state)
{
	(void)state;
	char s[] = "Cisco\tIP\x7f\xff Phone CP-7906G~";
	esc_mask(s, strlen(s));
	assert_string_equal(s, "Cisco?IP?? Phone CP-7906G~");
	char t[] = "ab\x01";
	esc_mask(t, 2); /* only the first len bytes */
	assert_memory_equal(t, "ab\x01", 4);
}

static void xml_writes_the_five_entities(void **state)
{
	(void)state;
	char out[128];
	const char *why = "unset";
	const char *in = "Tom & Jerry's <\"desk\">";
	assert_int_equal(esc_xml(out, sizeof(out), in, strlen(in), &why), 0);
	assert_string_equal(out, "Tom &amp; Jerry&apos;s &lt;&quot;desk&quot;&gt;");
	assert_null(why);
}

static void xml_passes_utf8_tab_and_newline(void **state)
{
	(void)state;
	char out[64];
	const char *in = "J\xc3\xbcrgen\t\xe2\x82\xac\n\xf0\x9f\x93\x9e\r";
	assert_int_equal(esc_xml(out, sizeof(out), in, strlen(in), NULL), 0);
	assert_string_equal(out, in);
}

static void xml_refuses_control_characters(void **state)
{
	(void)state;
	char out[64];
	const char *why = NULL;
	static const char bad[] = {0x00, 0x01, 0x1b, 0x7f};
	for (size_t i = 0; i < sizeof(bad); i++) {
		char in[4] = {'a', bad[i], 'b', 0};
		memset(out, 'Z', sizeof(out));
		assert_int_equal(esc_xml(out, sizeof(out), in, 3, &why), -1);
		assert_string_equal(why, "a control character");
		assert_string_equal(out, "");
	}
}

static void xml_refuses_what_is_not_utf8(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\xff",             /* never in UTF-8 */
		"\xc3",             /* cut short */
		"\xc3(",            /* not a continuation */
		"\xc0\xaf",         /* overlong '/' */
		"\xe0\x80\xaf",     /* overlong, three bytes */
		"\xed\xa0\x80",     /* a surrogate */
		"\xf4\x90\x80\x80", /* beyond U+10FFFF */
		"\xef\xbf\xbe",     /* U+FFFE, not an XML character */
		"\x80",             /* a lone continuation */
	};
	char out[32];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		if (esc_xml(out, sizeof(out), bad[i], strlen(bad[i]), &why) != -1)
			fail_msg("case %zu accepted as \"%s\"", i, out);
		assert_string_equal(why, "not UTF-8");
		assert_string_equal(out, "");
	}
}

static void xml_refuses_to_cut_a_value(void **state)
{
	(void)state;
	char out[16];
	const char *why = NULL;
	/* "a&amp;b" is 7 bytes: it fits in 8, not in 7 */
	assert_int_equal(esc_xml(out, 8, "a&b", 3, &why), 0);
	assert_string_equal(out, "a&amp;b");
	assert_int_equal(esc_xml(out, 7, "a&b", 3, &why), -1);
	assert_string_equal(why, "too long");
	assert_string_equal(out, "");
	assert_int_equal(esc_xml(out, 0, "", 0, &why), -1);
	assert_int_equal(esc_xml(out, 1, "", 0, &why), 0);
	assert_string_equal(out, "");
}

static void json_backslashes_quote_backslash_and_controls(void **state)
{
	(void)state;
	char out[64];
	static const char in[] = {'a', '"', '\\', '\n', 0x1f, (char)0xc3, (char)0xa9};
	size_t n = esc_json(out, sizeof(out), in, sizeof(in));
	assert_string_equal(out, "a\\\"\\\\\\u000a\\u001f\xc3\xa9");
	assert_int_equal(n, strlen(out));
	assert_int_equal(esc_json(out, 3, "\n", 1), 0); /* \u000a does not fit: nothing */
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(log_form_escapes_backslash_controls_and_high_bytes),
		cmocka_unit_test(quoted_form_octal_escapes_quote_and_backslash),
		cmocka_unit_test(quoted_form_never_splits_an_escape),
		cmocka_unit_test(mask_replaces_controls_and_high_bytes_only),
		cmocka_unit_test(xml_writes_the_five_entities),
		cmocka_unit_test(xml_passes_utf8_tab_and_newline),
		cmocka_unit_test(xml_refuses_control_characters),
		cmocka_unit_test(xml_refuses_what_is_not_utf8),
		cmocka_unit_test(xml_refuses_to_cut_a_value),
		cmocka_unit_test(json_backslashes_quote_backslash_and_controls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
