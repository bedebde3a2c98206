/* Unit tests for csvfile: quoting, doubled quotes, a UTF-8 BOM, CRLF and
 * LF, empty lines, newlines inside quotes, and the line each record starts
 * on; malformed input refused with the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "csvfile.h"

static void parse_ok(const char *text, struct csvfile *c)
{
	char err[256];
	size_t line = 0;
	if (csvfile_parse(text, strlen(text), c, &line, err, sizeof(err)) != 0)
		fail_msg("refused at line %zu: %s", line, err);
}

static void quotes_doubled_quotes_and_embedded_newlines(void **state)
{
	(void)state;
	struct csvfile c;
	parse_ok("name,secret\n\"Smith, Anna\",\"say \"\"hi\"\"\"\n\"two\nlines\",x\n", &c);
	assert_int_equal(c.nrows, 3);
	assert_int_equal(c.rows[1].n, 2);
	assert_string_equal(c.rows[1].f[0], "Smith, Anna");
	assert_string_equal(c.rows[1].f[1], "say \"hi\"");
	assert_string_equal(c.rows[2].f[0], "two\nlines");
	assert_int_equal(c.rows[2].line, 3);
	csvfile_free(&c);
}

static void a_bom_and_crlf_are_taken(void **state)
{
	(void)state;
	struct csvfile c;
	parse_ok("\xef\xbb\xbf" "EXTENSION,NAME\r\n1006,Desk\r\n1007,\"Front\r\nDesk\"\r\n", &c);
	assert_int_equal(c.nrows, 3);
	assert_string_equal(c.rows[0].f[0], "EXTENSION");
	assert_string_equal(c.rows[1].f[1], "Desk");
	assert_string_equal(c.rows[2].f[1], "Front\r\nDesk");
	assert_int_equal(c.rows[2].line, 3);
	csvfile_free(&c);
}

static void empty_lines_are_skipped_and_lines_still_counted(void **state)
{
	(void)state;
	struct csvfile c;
	parse_ok("a,b\n\n\r\n , \n\"x\ny\n\nz\",2\n\nlast,row", &c);
	assert_int_equal(c.nrows, 3);
	assert_int_equal(c.rows[0].line, 1);
	assert_int_equal(c.rows[1].line, 5);
	assert_string_equal(c.rows[1].f[0], "x\ny\n\nz");
	assert_int_equal(c.rows[2].line, 10);
	assert_string_equal(c.rows[2].f[1], "row");
	csvfile_free(&c);
}

static void blanks_are_kept_and_empty_trailing_fields_counted(void **state)
{
	(void)state;
	struct csvfile c;
	parse_ok("a,b,,,\n x , y ,,,\n", &c);
	assert_int_equal(c.rows[0].n, 5);
	assert_string_equal(c.rows[1].f[0], " x ");
	assert_string_equal(c.rows[1].f[4], "");
	csvfile_free(&c);
}

static void a_bare_cr_ends_a_record_but_not_a_line(void **state)
{
	(void)state;
	struct csvfile c;
	parse_ok("a,b\rc,d\ne,f\n", &c);
	assert_int_equal(c.nrows, 3);
	assert_int_equal(c.rows[1].line, 1);
	assert_string_equal(c.rows[1].f[0], "c");
	assert_int_equal(c.rows[2].line, 2);
	csvfile_free(&c);
}

static void assert_refused(const char *text, size_t want_line, const char *why)
{
	struct csvfile c;
	char err[256];
	size_t line = 0;
	if (csvfile_parse(text, strlen(text), &c, &line, err, sizeof(err)) == 0)
		fail_msg("accepted: %s", text);
	if (!strstr(err, why))
		fail_msg("error '%s' does not say '%s'", err, why);
	assert_int_equal(line, want_line);
}

static void malformed_input_is_refused_with_its_line(void **state)
{
	(void)state;
	assert_refused("a,b\n1,2\nx\"y,3\n", 3, "inside an unquoted field");
	assert_refused("a,b\n\"q\"z,1\n", 2, "after a closing quote");
	assert_refused("a,b\n1,2\n\"open,3\n4,5\n", 3, "never closed");
	struct csvfile c;
	char err[256];
	size_t line = 0;
	assert_int_equal(csvfile_parse("a,b\n1,\0\n", 8, &c, &line, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	assert_int_equal(line, 2);
}

static void an_empty_file_has_no_rows(void **state)
{
	(void)state;
	struct csvfile c;
	parse_ok("", &c);
	assert_int_equal(c.nrows, 0);
	parse_ok("\xef\xbb\xbf\n\n", &c);
	assert_int_equal(c.nrows, 0);
	csvfile_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quotes_doubled_quotes_and_embedded_newlines),
		cmocka_unit_test(a_bom_and_crlf_are_taken),
		cmocka_unit_test(empty_lines_are_skipped_and_lines_still_counted),
		cmocka_unit_test(blanks_are_kept_and_empty_trailing_fields_counted),
		cmocka_unit_test(a_bare_cr_ends_a_record_but_not_a_line),
		cmocka_unit_test(malformed_input_is_refused_with_its_line),
		cmocka_unit_test(an_empty_file_has_no_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
