/* Unit tests for pbx: the pjsip, sip and FreePBX CSV renderings, their
 * escaping of hostile names and secrets, and what they refuse to write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csvfile.h"
#include "pbx.h"

static const struct pbx_site tcp_site = {PBX_TCP, 5060, "from-internal"};
static const struct pbx_site udp_site = {PBX_UDP, 5160, "phones"};

static const struct pbx_phone two[] = {
	{"00:1e:4a:aa:bb:01", "7906", "100", "Alice Smith", "", "s3cretA1"},
	{"00:1e:4a:aa:bb:02", "7942", "101", "Bob", "Bob 101", "Zz9yY8xX"},
};

/* The document, or NULL when refused (err filled). Freed by the caller. */
static char *render(enum pbx_format f, const struct pbx_site *site, const struct pbx_phone *ph, size_t n,
		    char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	int r = pbx_render(out, f, site, ph, n, err, errlen);
	fclose(out);
	if (r < 0) {
		assert_int_equal(len, 0); /* nothing written before the refusal */
		free(buf);
		return NULL;
	}
	return buf;
}

static char *must_render(enum pbx_format f, const struct pbx_site *site, const struct pbx_phone *ph, size_t n)
{
	char err[256] = "";
	char *doc = render(f, site, ph, n, err, sizeof(err));
	if (!doc)
		fail_msg("refused: %s", err);
	return doc;
}

static void assert_has(const char *doc, const char *want)
{
	if (!strstr(doc, want))
		fail_msg("missing \"%s\" in:\n%s", want, doc);
}

static void assert_lacks(const char *doc, const char *bad)
{
	if (strstr(doc, bad))
		fail_msg("unexpected \"%s\" in:\n%s", bad, doc);
}

/* The refusal's message names the phone and holds want. */
static void assert_refused(enum pbx_format f, const struct pbx_phone *p, const char *want)
{
	char err[256] = "";
	char *doc = render(f, &tcp_site, p, 1, err, sizeof(err));
	if (doc)
		fail_msg("accepted, expected a refusal mentioning \"%s\":\n%s", want, doc);
	if (!strstr(err, want) || !strstr(err, p->extension))
		fail_msg("error \"%s\" does not mention \"%s\" and extension %s", err, want, p->extension);
}

static void formats_have_three_names(void **state)
{
	(void)state;
	enum pbx_format f;
	assert_int_equal(pbx_format_parse("pjsip", &f), 0);
	assert_int_equal(f, PBX_PJSIP);
	assert_int_equal(pbx_format_parse("sip", &f), 0);
	assert_int_equal(f, PBX_SIP);
	assert_int_equal(pbx_format_parse("freepbx-csv", &f), 0);
	assert_int_equal(f, PBX_FREEPBX_CSV);
	assert_int_equal(pbx_format_parse("csv", &f), -1);
	assert_int_equal(pbx_format_parse("PJSIP", &f), -1);
	assert_int_equal(pbx_format_parse("", &f), -1);
}

static void pjsip_has_endpoint_auth_and_aor_per_phone_and_its_own_transport(void **state)
{
	(void)state;
	char *doc = must_render(PBX_PJSIP, &tcp_site, two, 2);
	assert_has(doc, "#include");
	assert_has(doc, "TCP must be enabled on the PBX");
	assert_has(doc, "\n[phoneboot-tcp]\ntype = transport\nprotocol = tcp\nbind = 0.0.0.0:5060\n");
	assert_has(doc, "\n[100]\ntype = endpoint\ntransport = phoneboot-tcp\ncontext = from-internal\n"
		   "disallow = all\nallow = ulaw,alaw\nauth = 100-auth\naors = 100\n"
		   "callerid = \"Alice Smith\" <100>\ndirect_media = no\nrtp_symmetric = yes\n"
		   "force_rport = yes\nrewrite_contact = yes\ndtmf_mode = rfc4733\n");
	assert_has(doc, "\n[100-auth]\ntype = auth\nauth_type = userpass\nusername = 100\npassword = s3cretA1\n");
	assert_has(doc, "\n[100]\ntype = aor\nmax_contacts = 1\nremove_existing = yes\n");
	assert_has(doc, "\n[101-auth]\ntype = auth\nauth_type = userpass\nusername = 101\npassword = Zz9yY8xX\n");
	assert_has(doc, "; 00:1e:4a:aa:bb:02, 7942\n[101]\ntype = endpoint\n");
	assert_lacks(doc, "\r");
	free(doc);
}

static void pjsip_over_udp_names_a_udp_transport_on_the_port(void **state)
{
	(void)state;
	char *doc = must_render(PBX_PJSIP, &udp_site, two, 1);
	assert_has(doc, "\n[phoneboot-udp]\ntype = transport\nprotocol = udp\nbind = 0.0.0.0:5160\n");
	assert_has(doc, "transport = phoneboot-udp\ncontext = phones\n");
	assert_lacks(doc, "TCP must be enabled");
	assert_lacks(doc, "phoneboot-tcp");
	free(doc);
}

static void sip_has_one_friend_per_phone_and_names_the_general_settings(void **state)
{
	(void)state;
	char *doc = must_render(PBX_SIP, &tcp_site, two, 2);
	assert_has(doc, "#include");
	assert_has(doc, "tcpenable = yes");
	assert_has(doc, "tcpbindaddr = 0.0.0.0:5060");
	assert_has(doc, "\n[100]\ntype = friend\nhost = dynamic\ndefaultuser = 100\nsecret = s3cretA1\n"
		   "context = from-internal\ntransport = tcp\ncallerid = \"Alice Smith\" <100>\n"
		   "disallow = all\nallow = ulaw\nallow = alaw\nnat = force_rport,comedia\n");
	assert_has(doc, "\n[101]\ntype = friend\n");
	free(doc);
	doc = must_render(PBX_SIP, &udp_site, two, 1);
	assert_has(doc, "udpbindaddr = 0.0.0.0:5160");
	assert_has(doc, "transport = udp\n");
	assert_lacks(doc, "tcpenable");
	free(doc);
}

static void semicolons_are_escaped_and_quotes_kept_out_of_the_callerid(void **state)
{
	(void)state;
	const struct pbx_phone p = {"00:1e:4a:aa:bb:03", "7906", "102", "Ann \"Boss\"; Sales, 2nd floor", "",
				    "pa;ss;--w"};
	char *doc = must_render(PBX_PJSIP, &tcp_site, &p, 1);
	assert_has(doc, "callerid = \"Ann 'Boss'\\; Sales, 2nd floor\" <102>\n");
	assert_has(doc, "password = pa\\;ss\\;--w\n");
	free(doc);
	doc = must_render(PBX_SIP, &tcp_site, &p, 1);
	assert_has(doc, "secret = pa\\;ss\\;--w\n");
	assert_has(doc, "callerid = \"Ann 'Boss'\\; Sales, 2nd floor\" <102>\n");
	free(doc);
}

static void utf8_names_pass_through_unchanged(void **state)
{
	(void)state;
	const struct pbx_phone p = {"00:1e:4a:aa:bb:04", "7906", "103", "Jürgen Øster 日本", "Café", "abcdEFGH"};
	char *doc = must_render(PBX_PJSIP, &tcp_site, &p, 1);
	assert_has(doc, "callerid = \"Jürgen Øster 日本\" <103>\n");
	free(doc);
	doc = must_render(PBX_FREEPBX_CSV, &tcp_site, &p, 1);
	assert_has(doc, "\n103,\"Jürgen Øster 日本\",\"Jürgen Øster 日本\",pjsip,abcdEFGH,Café\n");
	free(doc);
}

static void empty_name_falls_back_to_the_extension(void **state)
{
	(void)state;
	const struct pbx_phone p = {"00:1e:4a:aa:bb:05", "7906", "104", "", "", "abcdEFGH"};
	char *doc = must_render(PBX_PJSIP, &tcp_site, &p, 1);
	assert_has(doc, "callerid = \"104\" <104>\n");
	free(doc);
	doc = must_render(PBX_FREEPBX_CSV, &tcp_site, &p, 1);
	assert_string_equal(doc, "extension,name,description,tech,secret,label\n104,104,104,pjsip,abcdEFGH,\n");
	free(doc);
}

static void csv_is_quoted_like_php_fputcsv_with_lf_and_no_bom(void **state)
{
	(void)state;
	const struct pbx_phone p[] = {
		{"00:1e:4a:aa:bb:01", "7906", "100", "Plain", "L1", "abc"},
		{"00:1e:4a:aa:bb:02", "7906", "101", "Smith, Ann", "say \"hi\"", "a b"},
		{"00:1e:4a:aa:bb:03", "7906", "102", "back\\slash", "two words", "x;y"},
	};
	char *doc = must_render(PBX_FREEPBX_CSV, &tcp_site, p, 3);
	assert_string_equal(doc, "extension,name,description,tech,secret,label\n"
				 "100,Plain,Plain,pjsip,abc,L1\n"
				 "101,\"Smith, Ann\",\"Smith, Ann\",pjsip,\"a b\",\"say \"\"hi\"\"\"\n"
				 "102,\"back\\slash\",\"back\\slash\",pjsip,x;y,\"two words\"\n");
	free(doc);
}

/* What we write, our own CSV reader reads back field for field. */
static void csv_reads_back_through_csvfile(void **state)
{
	(void)state;
	const struct pbx_phone p[] = {
		{"00:1e:4a:aa:bb:01", "7906", "100", "Ann \"Boss\", Sales", "Lbl; x", "p\"w,d"},
		{"00:1e:4a:aa:bb:02", "7906", "101", "Øster  two  spaces", "", "abc"},
	};
	char *doc = must_render(PBX_FREEPBX_CSV, &tcp_site, p, 2);
	struct csvfile c;
	char err[256];
	assert_int_equal(csvfile_parse(doc, strlen(doc), &c, NULL, err, sizeof(err)), 0);
	assert_int_equal(c.nrows, 3);
	for (size_t i = 0; i < 2; i++) {
		struct csv_row *r = &c.rows[i + 1];
		assert_int_equal(r->n, 6);
		assert_string_equal(r->f[0], p[i].extension);
		assert_string_equal(r->f[1], p[i].name);
		assert_string_equal(r->f[2], p[i].name);
		assert_string_equal(r->f[3], "pjsip");
		assert_string_equal(r->f[4], p[i].secret);
		assert_string_equal(r->f[5], p[i].label);
		assert_int_equal(r->line, i + 2);
	}
	csvfile_free(&c);
	free(doc);
}

static void no_phones_gives_a_valid_empty_document(void **state)
{
	(void)state;
	char *doc = must_render(PBX_FREEPBX_CSV, &tcp_site, NULL, 0);
	assert_string_equal(doc, "extension,name,description,tech,secret,label\n");
	free(doc);
	doc = must_render(PBX_PJSIP, &tcp_site, NULL, 0);
	assert_has(doc, "[phoneboot-tcp]");
	assert_lacks(doc, "type = endpoint");
	free(doc);
}

static void control_characters_and_bad_utf8_are_refused(void **state)
{
	(void)state;
	const struct pbx_phone nl = {"00:1e:4a:aa:bb:01", "7906", "100", "a\nb", "", "abc"};
	const struct pbx_phone cr = {"00:1e:4a:aa:bb:01", "7906", "100", "a", "x\ry", "abc"};
	const struct pbx_phone del = {"00:1e:4a:aa:bb:01", "7906", "100", "a", "", "ab\x7f"};
	const struct pbx_phone bad = {"00:1e:4a:aa:bb:01", "7906", "100", "caf\xe9", "", "abc"};
	const struct pbx_phone over = {"00:1e:4a:aa:bb:01", "7906", "100", "\xc0\xaf", "", "abc"};
	for (int f = PBX_PJSIP; f <= PBX_FREEPBX_CSV; f++) {
		assert_refused((enum pbx_format)f, &nl, "name holds a control character");
		assert_refused((enum pbx_format)f, &cr, "label holds a control character");
		assert_refused((enum pbx_format)f, &del, "secret holds a control character");
		assert_refused((enum pbx_format)f, &bad, "name is not UTF-8");
		assert_refused((enum pbx_format)f, &over, "name is not UTF-8");
	}
}

static void bad_extensions_and_secrets_are_refused(void **state)
{
	(void)state;
	const struct pbx_phone letters = {"00:1e:4a:aa:bb:01", "7906", "10a", "a", "", "abc"};
	const struct pbx_phone empty = {"00:1e:4a:aa:bb:01", "7906", "", "a", "", "abc"};
	const struct pbx_phone nosecret = {"00:1e:4a:aa:bb:01", "7906", "100", "a", "", ""};
	const struct pbx_phone blank = {"00:1e:4a:aa:bb:01", "7906", "100", "a", "", " abc"};
	const struct pbx_phone blank2 = {"00:1e:4a:aa:bb:01", "7906", "100", "a", "", "abc\t"};
	const struct pbx_phone regen = {"00:1e:4a:aa:bb:01", "7906", "100", "a", "", "REGEN"};
	char err[256];
	assert_null(render(PBX_PJSIP, &tcp_site, &letters, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "'10a' is not 1..64 digits"));
	assert_non_null(strstr(err, "00:1e:4a:aa:bb:01"));
	assert_null(render(PBX_SIP, &tcp_site, &empty, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "not 1..64 digits"));
	assert_refused(PBX_PJSIP, &nosecret, "secret is empty");
	assert_refused(PBX_SIP, &blank, "begins or ends with a blank");
	assert_refused(PBX_FREEPBX_CSV, &blank2, "begins or ends with a blank");
	assert_refused(PBX_FREEPBX_CSV, &regen, "REGEN");
	char *doc = must_render(PBX_PJSIP, &tcp_site, &regen, 1); /* only FreePBX reads it so */
	free(doc);
}

/* A '\"' reads differently in PHP's fgetcsv and in RFC 4180 readers. */
static void csv_refuses_a_backslash_before_a_quote_or_at_the_end(void **state)
{
	(void)state;
	const struct pbx_phone bq = {"00:1e:4a:aa:bb:01", "7906", "100", "a\\\"b", "", "abc"};
	const struct pbx_phone end = {"00:1e:4a:aa:bb:01", "7906", "100", "a", "x\\", "abc"};
	assert_refused(PBX_FREEPBX_CSV, &bq, "name has a backslash");
	assert_refused(PBX_FREEPBX_CSV, &end, "label has a backslash");
	char *doc = must_render(PBX_PJSIP, &tcp_site, &bq, 1);
	assert_has(doc, "callerid = \"a\\'b\" <100>\n");
	free(doc);
}

static void an_extension_given_twice_is_refused_naming_both_phones(void **state)
{
	(void)state;
	const struct pbx_phone p[] = {
		{"00:1e:4a:aa:bb:01", "7906", "100", "a", "", "abc"},
		{"00:1e:4a:aa:bb:02", "7906", "101", "b", "", "abc"},
		{"00:1e:4a:aa:bb:03", "7906", "100", "c", "", "abc"},
	};
	char err[256];
	assert_null(render(PBX_PJSIP, &tcp_site, p, 3, err, sizeof(err)));
	assert_non_null(strstr(err, "extension 100 is given to two phones"));
	assert_non_null(strstr(err, "00:1e:4a:aa:bb:03"));
}

static void a_context_or_port_that_cannot_be_written_is_refused(void **state)
{
	(void)state;
	const struct pbx_site semi = {PBX_TCP, 5060, "a;b"};
	const struct pbx_site empty = {PBX_TCP, 5060, ""};
	const struct pbx_site port = {PBX_TCP, 0, "from-internal"};
	char err[256];
	assert_null(render(PBX_PJSIP, &semi, two, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "context 'a;b'"));
	assert_null(render(PBX_SIP, &empty, two, 1, err, sizeof(err)));
	assert_null(render(PBX_SIP, &port, two, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "port 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats_have_three_names),
		cmocka_unit_test(pjsip_has_endpoint_auth_and_aor_per_phone_and_its_own_transport),
		cmocka_unit_test(pjsip_over_udp_names_a_udp_transport_on_the_port),
		cmocka_unit_test(sip_has_one_friend_per_phone_and_names_the_general_settings),
		cmocka_unit_test(semicolons_are_escaped_and_quotes_kept_out_of_the_callerid),
		cmocka_unit_test(utf8_names_pass_through_unchanged),
		cmocka_unit_test(empty_name_falls_back_to_the_extension),
		cmocka_unit_test(csv_is_quoted_like_php_fputcsv_with_lf_and_no_bom),
		cmocka_unit_test(csv_reads_back_through_csvfile),
		cmocka_unit_test(no_phones_gives_a_valid_empty_document),
		cmocka_unit_test(control_characters_and_bad_utf8_are_refused),
		cmocka_unit_test(bad_extensions_and_secrets_are_refused),
		cmocka_unit_test(csv_refuses_a_backslash_before_a_quote_or_at_the_end),
		cmocka_unit_test(an_extension_given_twice_is_refused_naming_both_phones),
		cmocka_unit_test(a_context_or_port_that_cannot_be_written_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
