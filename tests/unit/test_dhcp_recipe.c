/* Unit tests for dhcp_recipe: every server --for names is in the table and
 * nothing else is; option 150's addresses come from the encoded bytes in
 * each server's list syntax; option 66's value goes in as typed, MikroTik's
 * marked s'...' only when it is an address; --for prints one server alone;
 * text around the placeholders, '@' included, passes unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp_recipe.h"

static char *print(int code, const char *value, const uint8_t *enc, int enclen, const char *hex, const char *only)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	dhcp_recipe_print(f, code, value, enc, enclen, hex, only);
	fclose(f);
	return buf;
}

static void find_knows_the_seven_servers_only(void **state)
{
	(void)state;
	static const char *const names[] = {"isc", "kea", "dnsmasq", "pfsense", "mikrotik", "ios", "windows"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct dhcp_recipe *r = dhcp_recipe_find(names[i]);
		assert_non_null(r);
		assert_string_equal(r->name, names[i]);
	}
	assert_null(dhcp_recipe_find("ISC"));
	assert_null(dhcp_recipe_find(""));
	assert_null(dhcp_recipe_find("infoblox"));
}

static const uint8_t two[] = {10, 0, 0, 1, 192, 168, 1, 2};

static void option_150_lists_take_each_servers_syntax(void **state)
{
	(void)state;
	char *out = print(150, "10.0.0.1, 192.168.1.2", two, 8, "0A000001C0A80102", NULL);
	assert_non_null(strstr(out, "  option cisco-tftp-servers 10.0.0.1,192.168.1.2;\n"));
	assert_non_null(strstr(out, "  dhcp-option-force=150,10.0.0.1,192.168.1.2\n"));
	assert_non_null(strstr(out, "value=\"'10.0.0.1''192.168.1.2'\"\n  (or value=0x0A000001C0A80102)\n"));
	assert_non_null(strstr(out, "   option 150 ip 10.0.0.1 192.168.1.2\n"));
	assert_non_null(strstr(out, "IPADDRESS 10.0.0.1 192.168.1.2\n"));
	assert_null(strstr(out, "10.0.0.1, 192.168.1.2")); /* never as typed */
	assert_null(strstr(out, "@"));                     /* every placeholder filled */
	free(out);
}

static void option_66_goes_in_as_typed_and_mikrotik_marks_an_address(void **state)
{
	(void)state;
	char *out = print(66, "tftp.example.com", NULL, 0, "", "mikrotik");
	assert_string_equal(out, "MikroTik RouterOS:\n"
				 "  /ip dhcp-server option add name=tftp-name code=66 value=\"'tftp.example.com'\"\n"
				 "  /ip dhcp-server network set [find] dhcp-option=tftp-name\n");
	free(out);
	out = print(66, "10.0.0.1", NULL, 0, "", "mikrotik");
	assert_non_null(strstr(out, "value=\"s'10.0.0.1'\"\n"));
	free(out);
}

static void only_prints_one_server_and_values_with_at_signs_pass(void **state)
{
	(void)state;
	char *out = print(66, "a@ips@b", NULL, 0, "", "isc");
	assert_string_equal(out, "ISC dhcpd (dhcpd.conf):\n  option tftp-server-name \"a@ips@b\";\n");
	free(out);
	out = print(66, "x", NULL, 0, "", NULL);
	const char *titles[] = {"ISC dhcpd", "Kea", "dnsmasq", "pfSense", "MikroTik", "Cisco IOS", "Windows Server"};
	const char *at = out;
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
		const char *t = strstr(at, titles[i]);
		if (!t)
			fail_msg("%s missing or out of order", titles[i]);
		at = t;
	}
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(find_knows_the_seven_servers_only),
		cmocka_unit_test(option_150_lists_take_each_servers_syntax),
		cmocka_unit_test(option_66_goes_in_as_typed_and_mikrotik_marks_an_address),
		cmocka_unit_test(only_prints_one_server_and_values_with_at_signs_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
