/* Unit tests for mac: every notation an admin pastes parses to the same six
 * bytes; each malformed one is refused with its reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "mac.h"

static void assert_mac(const char *in, const char *want)
{
	uint8_t m[6];
	const char *why = NULL;
	char out[MAC_TEXT_LEN];
	if (mac_parse(in, m, &why) != 0)
		fail_msg("'%s' refused: %s", in, why);
	mac_format(m, out);
	if (strcmp(out, want) != 0)
		fail_msg("'%s' gave %s, want %s", in, out, want);
}

static void assert_bad(const char *in, const char *why_part)
{
	uint8_t m[6];
	const char *why = NULL;
	if (mac_parse(in, m, &why) == 0)
		fail_msg("'%s' accepted", in);
	if (!why || !strstr(why, why_part))
		fail_msg("'%s': reason '%s' does not say '%s'", in, why ? why : "(none)", why_part);
}

static void every_common_notation_gives_the_same_address(void **state)
{
	(void)state;
	const char *want = "00:1e:4a:0b:cd:ef";
	assert_mac("00:1e:4a:0b:cd:ef", want);
	assert_mac("00:1E:4A:0B:CD:EF", want);
	assert_mac("00-1E-4A-0B-CD-EF", want);
	assert_mac("001e.4a0b.cdef", want);
	assert_mac("001E.4A0B.CDEF", want);
	assert_mac("001E4A0BCDEF", want);
	assert_mac("001e4a0bcdef", want);
	assert_mac("SEP001E4A0BCDEF", want);
	assert_mac("sep001e4a0bcdef", want);
}

static void malformed_addresses_are_refused_with_the_reason(void **state)
{
	(void)state;
	assert_bad("", "empty");
	assert_bad(NULL, "empty");
	assert_bad("001E4A0BCDE", "too few hex digits");
	assert_bad("001E4A0BCDEF0", "too many hex digits");
	assert_bad("001E4A0BCDEG", "not a hex digit");
	assert_bad("00:1e:4a-0b:cd:ef", "mixed separators");
	assert_bad("00:1e:4a:0b:cd", "6 pairs");
	assert_bad("00:1e:4a:0b:cd:ef:01", "6 pairs");
	assert_bad("001:e4:a0:bc:de:f", "6 pairs");
	assert_bad("0:01e:4a:0b:cd:ef", "6 pairs");
	assert_bad("00:1e::4a0b:cd:ef", "wrong places");
	assert_bad("001e4.a0b.cdef", "3 groups of 4");
	assert_bad("00.1e.4a.0b.cd.ef", "3 groups of 4");
	assert_bad("00:1e:4a:0b:cd:ef ", "a space");
	assert_bad(" 001e4a0bcdef", "a space");
	assert_bad("001e4a0bcde\n", "control character");
	assert_bad("01:00:5e:00:00:01", "multicast");
	assert_bad("ff:ff:ff:ff:ff:ff", "multicast");
	assert_bad("00:00:00:00:00:00", "all zeros");
	assert_bad("SEP", "too few");
	assert_bad("SEPSEP001E4A0BCDEF", "not a hex digit");
	assert_bad("0000000000000000000000000000000000001e4a0bcdef", "too long");
}

static void the_config_uses_the_same_rule(void **state)
{
	(void)state;
	uint8_t m[6];
	assert_int_equal(conf_parse_mac("001e.4a0b.cdef", m), 0);
	assert_int_equal(m[5], 0xef);
	assert_int_equal(conf_parse_mac("SEP001E4A0BCDEF", m), 0);
	assert_int_equal(conf_parse_mac("00:1e:4a:0b:cd", m), -1);
	assert_int_equal(conf_parse_mac("01:00:5e:00:00:01", m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_common_notation_gives_the_same_address),
		cmocka_unit_test(malformed_addresses_are_refused_with_the_reason),
		cmocka_unit_test(the_config_uses_the_same_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
