/* Unit tests for dhcp_wire: messages built and parsed back (RFC 2131, 2132),
 * long options split and joined (RFC 3396), option overload, malformed
 * packets, the builder's limits, and the option table (lookup, encode,
 * format, the "IP typed as text" check).
 * Byte strings are literals; a literal is closed after every "\0" or "\xNN"
 * that a digit or hex letter follows, so "\0" "1" never becomes "\01". */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp_wire.h"

/* A literal as (pointer, length); the literal's own NUL is not part of it. */
#define LIT(s) (const uint8_t *)(s), (sizeof(s) - 1)

#define OFF_SNAME 44
#define OFF_FILE 108

/* What a Cisco 7906 sends (cisco-facts.md 8.2): the VCI with its trailing NUL,
 * and the parameter request list of "Cisco IP Phone" in fingerprint tables. */
static const char vci_7906[] = "Cisco Systems, Inc. IP Phone CP-7906G"; /* sizeof: with the NUL */
static const uint8_t prl_cisco[] = {1, 66, 6, 3, 15, 150, 35};
static const uint8_t mac_7906[6] = {0x00, 0x1b, 0xd4, 0x12, 0x34, 0x56};

static struct in_addr ip(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void assert_ip(struct in_addr a, const char *s)
{
	assert_int_equal(a.s_addr, ip(s).s_addr);
}

static void phone_header(struct dhcp_msg *h)
{
	memset(h, 0, sizeof(*h));
	h->op = 1, h->htype = 1, h->hlen = 6, h->hops = 0;
	h->xid = 0x3903f326u;
	h->secs = 4;
	h->flags = 0x8000;
	memcpy(h->chaddr, mac_7906, 6);
}

static void server_header(struct dhcp_msg *h)
{
	phone_header(h);
	h->op = 2;
	h->secs = 0;
	h->yiaddr = ip("192.168.0.50");
	h->siaddr = ip("192.168.0.195");
	h->giaddr = ip("10.20.0.1");
	h->hops = 1;
}

/* A bare DHCP header of 240 bytes (op, htype 1, hlen 6, xid, cookie) in p. */
static size_t raw_header(uint8_t *p, uint8_t op)
{
	memset(p, 0, DHCP_MIN_LEN);
	p[0] = op, p[1] = 1, p[2] = 6;
	memcpy(p + 4, "\x12\x34\x56\x78", 4);
	memcpy(p + 28, mac_7906, 6);
	memcpy(p + 236, "\x63\x82\x53\x63", 4);
	return DHCP_MIN_LEN;
}

static size_t append(uint8_t *p, size_t n, const uint8_t *bytes, size_t len)
{
	memcpy(p + n, bytes, len);
	return n + len;
}

/* The value of code in m as it must be. */
static void assert_opt_value(const struct dhcp_msg *m, uint8_t code, const uint8_t *want, size_t len)
{
	uint8_t buf[2048];
	assert_int_equal(dhcp_opt(m, code, buf, sizeof(buf)), (int)len);
	assert_memory_equal(buf, want, len);
}

static void assert_formatted(uint8_t code, const uint8_t *v, size_t len, const char *want)
{
	char out[512];
	size_t n = dhcp_opt_format(code, v, len, out, sizeof(out));
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void assert_encoded(uint8_t code, const char *text, const uint8_t *want, size_t len)
{
	uint8_t out[255];
	const char *why = NULL;
	assert_int_equal(dhcp_opt_encode(code, text, out, sizeof(out), &why), (int)len);
	assert_memory_equal(out, want, len);
}

static void assert_refused(uint8_t code, const char *text)
{
	uint8_t out[255];
	const char *why = NULL;
	assert_int_equal(dhcp_opt_encode(code, text, out, sizeof(out), &why), -1);
	assert_non_null(why);
	assert_true(strlen(why) > 0);
}

/* ---- a phone's DISCOVER ---- */

static size_t build_7906_discover(uint8_t *buf, size_t cap)
{
	struct dhcp_msg h;
	struct dhcp_builder b;
	static const uint8_t cid[7] = {0x01, 0x00, 0x1b, 0xd4, 0x12, 0x34, 0x56};
	phone_header(&h);
	dhcp_build_start(&b, buf, cap, &h);
	assert_int_equal(dhcp_build_u8(&b, DHO_MSG_TYPE, DHCPDISCOVER), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_CLIENT_ID, cid, sizeof(cid)), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_MAX_SIZE, "\x02\x40", 2), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_VENDOR_CLASS, vci_7906, sizeof(vci_7906)), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_PARAM_LIST, prl_cisco, sizeof(prl_cisco)), 0);
	return dhcp_build_end(&b);
}

static void discover_of_a_7906_has_the_exact_bytes(void **state)
{
	(void)state;
	static const char head[] = "\x01\x01\x06\x00\x39\x03\xf3\x26\x00\x04\x80\x00";
	static const char opts[] = "\x35\x01\x01"
				   "\x3d\x07\x01\x00\x1b\xd4\x12\x34\x56"
				   "\x39\x02\x02\x40"
				   "\x3c\x26"
				   "Cisco Systems, Inc. IP Phone CP-7906G\0"
				   "\x37\x07\x01\x42\x06\x03\x0f\x96\x23"
				   "\xff";
	uint8_t buf[DHCP_MAX_LEN];

	size_t n = build_7906_discover(buf, sizeof(buf));
	assert_int_equal(n, DHCP_MIN_LEN + sizeof(opts) - 1); /* 306: longer than 300, no padding */
	assert_memory_equal(buf, head, sizeof(head) - 1);
	for (size_t i = 12; i < 236; i++)
		if (i < 28 || i >= 34)
			assert_int_equal(buf[i], 0);
	assert_memory_equal(buf + 28, mac_7906, 6);
	assert_memory_equal(buf + 236, "\x63\x82\x53\x63", 4);
	assert_memory_equal(buf + DHCP_MIN_LEN, opts, sizeof(opts) - 1);
}

static void discover_of_a_7906_parses_back_field_by_field(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN];
	struct dhcp_msg m;
	static const uint8_t zero[16];

	size_t n = build_7906_discover(buf, sizeof(buf));
	assert_int_equal(dhcp_parse(buf, n, &m), DHCP_OK);
	assert_int_equal(m.op, 1);
	assert_int_equal(m.htype, 1);
	assert_int_equal(m.hlen, 6);
	assert_int_equal(m.hops, 0);
	assert_int_equal(m.xid, 0x3903f326u);
	assert_int_equal(m.secs, 4);
	assert_int_equal(m.flags, 0x8000);
	assert_ip(m.ciaddr, "0.0.0.0");
	assert_ip(m.yiaddr, "0.0.0.0");
	assert_ip(m.siaddr, "0.0.0.0");
	assert_ip(m.giaddr, "0.0.0.0");
	assert_memory_equal(m.chaddr, mac_7906, 6);
	assert_memory_equal(m.chaddr + 6, zero, 10);
	assert_ptr_equal(m.sname, buf + OFF_SNAME);
	assert_ptr_equal(m.file, buf + OFF_FILE);
	assert_int_equal(m.overload, 0);
	assert_int_equal(m.nfrag, 5);
	assert_int_equal(m.trailing, 0);

	assert_int_equal(dhcp_msg_type(&m), DHCPDISCOVER);
	assert_string_equal(dhcp_type_name(dhcp_msg_type(&m)), "DISCOVER");
	assert_opt_value(&m, DHO_MSG_TYPE, LIT("\x01"));
	assert_opt_value(&m, DHO_CLIENT_ID, LIT("\x01\x00\x1b\xd4\x12\x34\x56"));
	assert_opt_value(&m, DHO_MAX_SIZE, LIT("\x02\x40"));
	assert_opt_value(&m, DHO_VENDOR_CLASS, (const uint8_t *)vci_7906, sizeof(vci_7906));
	assert_opt_value(&m, DHO_PARAM_LIST, prl_cisco, sizeof(prl_cisco));
	assert_int_equal(dhcp_opt(&m, DHO_CISCO_TFTP, buf, sizeof(buf)), -1);
	/* the frags point into the packet, in the order they were built */
	assert_int_equal(m.frag[0].code, DHO_MSG_TYPE);
	assert_ptr_equal(m.frag[0].data, buf + DHCP_MIN_LEN + 2);
	assert_int_equal(m.frag[3].code, DHO_VENDOR_CLASS);
	assert_int_equal(m.frag[3].len, 38);
	assert_int_equal(m.frag[4].code, DHO_PARAM_LIST);
}

static void discover_options_format_for_people(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN];
	struct dhcp_msg m;
	assert_int_equal(dhcp_parse(buf, build_7906_discover(buf, sizeof(buf)), &m), DHCP_OK);
	assert_formatted(DHO_PARAM_LIST, m.frag[4].data, m.frag[4].len, "1,66,6,3,15,150,35");
	assert_formatted(DHO_VENDOR_CLASS, m.frag[3].data, m.frag[3].len,
			 "\"Cisco Systems, Inc. IP Phone CP-7906G\\000\"");
	assert_formatted(DHO_CLIENT_ID, m.frag[1].data, m.frag[1].len, "01:00:1b:d4:12:34:56");
	assert_formatted(DHO_MAX_SIZE, m.frag[2].data, m.frag[2].len, "576");
	assert_formatted(DHO_MSG_TYPE, m.frag[0].data, m.frag[0].len, "1");
}

/* ---- a server's OFFER ---- */

/* An OFFER with one or two TFTP servers in option 150; short enough to be padded. */
static size_t build_offer(uint8_t *buf, size_t cap, int two_servers)
{
	struct dhcp_msg h;
	struct dhcp_builder b;
	server_header(&h);
	dhcp_build_start(&b, buf, cap, &h);
	assert_int_equal(dhcp_build_u8(&b, DHO_MSG_TYPE, DHCPOFFER), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_SERVER_ID, "\xc0\xa8\x00\xc3", 4), 0);
	assert_int_equal(dhcp_build_u32(&b, DHO_LEASE_TIME, 86400), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_SUBNET_MASK, "\xff\xff\xff\x00", 4), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_ROUTER, "\xc0\xa8\x00\x01", 4), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_DNS, "\xc0\xa8\x00\x01", 4), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_DOMAIN, "lan", 3), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_TFTP_SERVER_NAME, "tftp", 4), 0);
	assert_int_equal(dhcp_build_opt(&b, DHO_CISCO_TFTP, "\xc0\xa8\x00\xc3\xc0\xa8\x00\xc4",
					two_servers ? 8 : 4), 0);
	return dhcp_build_end(&b);
}

static void offer_is_padded_to_300_bytes_after_end(void **state)
{
	(void)state;
	for (int two = 0; two <= 1; two++) {
		uint8_t buf[DHCP_MAX_LEN];
		memset(buf, 0xee, sizeof(buf));
		size_t n = build_offer(buf, sizeof(buf), two);
		size_t end = DHCP_MIN_LEN + 3 + 6 + 6 + 6 + 6 + 6 + 5 + 6 + (two ? 10 : 6);
		assert_int_equal(n, DHCP_BOOTP_MIN);
		assert_int_equal(buf[end], DHO_END);
		for (size_t i = end + 1; i < n; i++)
			assert_int_equal(buf[i], DHO_PAD);
		assert_int_equal(buf[n], 0xee); /* nothing written past the length returned */

		struct dhcp_msg m;
		assert_int_equal(dhcp_parse(buf, n, &m), DHCP_OK);
		assert_int_equal(m.trailing, n - end - 1);
	}
}

static void offer_parses_back_with_every_option(void **state)
{
	(void)state;
	for (int two = 0; two <= 1; two++) {
		uint8_t buf[DHCP_MAX_LEN];
		struct dhcp_msg m;
		assert_int_equal(dhcp_parse(buf, build_offer(buf, sizeof(buf), two), &m), DHCP_OK);
		assert_int_equal(m.op, 2);
		assert_int_equal(m.hops, 1);
		assert_int_equal(m.xid, 0x3903f326u);
		assert_int_equal(m.flags, 0x8000);
		assert_ip(m.yiaddr, "192.168.0.50");
		assert_ip(m.siaddr, "192.168.0.195");
		assert_ip(m.giaddr, "10.20.0.1");
		assert_ip(m.ciaddr, "0.0.0.0");
		assert_memory_equal(m.chaddr, mac_7906, 6);
		assert_int_equal(m.nfrag, 9);
		assert_int_equal(dhcp_msg_type(&m), DHCPOFFER);
		assert_string_equal(dhcp_type_name(dhcp_msg_type(&m)), "OFFER");
		assert_opt_value(&m, DHO_SERVER_ID, LIT("\xc0\xa8\x00\xc3"));
		assert_opt_value(&m, DHO_LEASE_TIME, LIT("\x00\x01\x51\x80"));
		assert_opt_value(&m, DHO_SUBNET_MASK, LIT("\xff\xff\xff\x00"));
		assert_opt_value(&m, DHO_ROUTER, LIT("\xc0\xa8\x00\x01"));
		assert_opt_value(&m, DHO_DNS, LIT("\xc0\xa8\x00\x01"));
		assert_opt_value(&m, DHO_DOMAIN, LIT("lan"));
		assert_opt_value(&m, DHO_TFTP_SERVER_NAME, LIT("tftp"));
		if (two)
			assert_opt_value(&m, DHO_CISCO_TFTP, LIT("\xc0\xa8\x00\xc3\xc0\xa8\x00\xc4"));
		else
			assert_opt_value(&m, DHO_CISCO_TFTP, LIT("\xc0\xa8\x00\xc3"));
	}
}

static void offer_options_format_for_people(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN], v[64];
	struct dhcp_msg m;
	assert_int_equal(dhcp_parse(buf, build_offer(buf, sizeof(buf), 1), &m), DHCP_OK);
	int n = dhcp_opt(&m, DHO_CISCO_TFTP, v, sizeof(v));
	assert_formatted(DHO_CISCO_TFTP, v, (size_t)n, "192.168.0.195, 192.168.0.196");
	n = dhcp_opt(&m, DHO_LEASE_TIME, v, sizeof(v));
	assert_formatted(DHO_LEASE_TIME, v, (size_t)n, "86400");
	n = dhcp_opt(&m, DHO_SUBNET_MASK, v, sizeof(v));
	assert_formatted(DHO_SUBNET_MASK, v, (size_t)n, "255.255.255.0");
	n = dhcp_opt(&m, DHO_TFTP_SERVER_NAME, v, sizeof(v));
	assert_formatted(DHO_TFTP_SERVER_NAME, v, (size_t)n, "\"tftp\"");
}

static void request_with_requested_ip_and_server_id_round_trips(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN];
	struct dhcp_msg h, m;
	struct dhcp_builder b;
	phone_header(&h);
	h.ciaddr = ip("192.168.0.50"); /* renewing */
	dhcp_build_start(&b, buf, sizeof(buf), &h);
	assert_int_equal(dhcp_build_u8(&b, DHO_MSG_TYPE, DHCPREQUEST), 0);
	assert_int_equal(dhcp_build_u32(&b, DHO_REQUESTED_IP, 0xc0a80032u), 0);
	assert_int_equal(dhcp_build_u32(&b, DHO_SERVER_ID, 0xc0a800c3u), 0);
	size_t n = dhcp_build_end(&b);
	assert_int_equal(n, DHCP_BOOTP_MIN);
	assert_int_equal(dhcp_parse(buf, n, &m), DHCP_OK);
	assert_int_equal(dhcp_msg_type(&m), DHCPREQUEST);
	assert_ip(m.ciaddr, "192.168.0.50");
	assert_opt_value(&m, DHO_REQUESTED_IP, LIT("\xc0\xa8\x00\x32"));
	assert_opt_value(&m, DHO_SERVER_ID, LIT("\xc0\xa8\x00\xc3"));
}

static void message_type_is_0_when_absent_out_of_range_or_wrong_length(void **state)
{
	(void)state;
	static const struct {
		const char *opts;
		size_t len;
	} cases[] = {
		{"\xff", 1},
		{"\x35\x01\x00\xff", 4},
		{"\x35\x01\x09\xff", 4},
		{"\x35\x02\x01\x01\xff", 5},
		{"\x35\x00\xff", 3},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t p[512];
		struct dhcp_msg m;
		size_t n = append(p, raw_header(p, 1), (const uint8_t *)cases[i].opts, cases[i].len);
		assert_int_equal(dhcp_parse(p, n, &m), DHCP_OK);
		assert_int_equal(dhcp_msg_type(&m), 0);
	}
	assert_string_equal(dhcp_type_name(0), "?");
	assert_string_equal(dhcp_type_name(9), "?");
	assert_string_equal(dhcp_type_name(DHCPINFORM), "INFORM");
	assert_string_equal(dhcp_type_name(DHCPNAK), "NAK");
}

/* ---- long options (RFC 3396) ---- */

static void option_longer_than_255_is_split_and_joined_back(void **state)
{
	(void)state;
	static const size_t sizes[] = {0, 1, 254, 255, 256, 509, 510, 511, 600};
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint8_t buf[DHCP_MAX_LEN], val[600];
		struct dhcp_msg h, m;
		struct dhcp_builder b;
		size_t len = sizes[s], frags = len ? (len + 254) / 255 : 1;
		for (size_t i = 0; i < len; i++)
			val[i] = (uint8_t)(i * 13 + s);
		phone_header(&h);
		dhcp_build_start(&b, buf, sizeof(buf), &h);
		assert_int_equal(dhcp_build_opt(&b, 43, val, len), 0);
		size_t n = dhcp_build_end(&b);
		assert_int_equal(n, DHCP_MIN_LEN + len + 2 * frags + 1 < 300 ? 300 : DHCP_MIN_LEN + len + 2 * frags + 1);
		/* every instance is full but the last */
		size_t o = DHCP_MIN_LEN;
		for (size_t f = 0; f < frags; f++) {
			size_t want = f + 1 < frags ? 255 : len - 255 * f;
			assert_int_equal(buf[o], 43);
			assert_int_equal(buf[o + 1], want);
			o += 2 + want;
		}
		assert_int_equal(buf[o], DHO_END);

		assert_int_equal(dhcp_parse(buf, n, &m), DHCP_OK);
		assert_int_equal(m.nfrag, (int)frags);
		assert_opt_value(&m, 43, val, len);
	}
}

static void instances_apart_from_each_other_are_joined_in_order(void **state)
{
	(void)state;
	uint8_t p[512], v[16];
	struct dhcp_msg m;
	size_t n = raw_header(p, 2);
	n = append(p, n, LIT("\x96\x02\xc0\xa8" "\x35\x01\x02" "\x96\x00" "\x96\x02\x00\xc3" "\xff"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OK);
	assert_int_equal(m.nfrag, 4);
	assert_opt_value(&m, DHO_CISCO_TFTP, LIT("\xc0\xa8\x00\xc3"));
	assert_int_equal(dhcp_msg_type(&m), DHCPOFFER);
	/* a short buffer gets the first bytes; the length is still the whole value */
	memset(v, 0xee, sizeof(v));
	assert_int_equal(dhcp_opt(&m, DHO_CISCO_TFTP, v, 3), 4);
	assert_memory_equal(v, "\xc0\xa8\x00\xee", 4);
	assert_int_equal(dhcp_opt(&m, DHO_CISCO_TFTP, v, 0), 4);
}

static void zero_length_option_is_present_with_length_0(void **state)
{
	(void)state;
	uint8_t p[512], v[4];
	struct dhcp_msg m;
	size_t n = append(p, raw_header(p, 1), LIT("\x50\x00\xff"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OK);
	assert_int_equal(dhcp_opt(&m, 80, v, sizeof(v)), 0);
	assert_int_equal(dhcp_opt(&m, 81, v, sizeof(v)), -1);
}

/* ---- overload (option 52) ---- */

static void options_in_the_file_field_are_found_with_overload_1(void **state)
{
	(void)state;
	uint8_t p[512];
	struct dhcp_msg m;
	size_t n = append(p, raw_header(p, 2), LIT("\x34\x01\x01\x35\x01\x02\xff"));
	append(p, OFF_FILE, LIT("\x96\x04\xc0\xa8\x00\xc3\xff"));
	/* sname is not walked: bytes there that would not parse do not matter */
	memset(p + OFF_SNAME, 'x', 64);
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OK);
	assert_int_equal(m.overload, 1);
	assert_int_equal(m.nfrag, 3);
	assert_int_equal(dhcp_msg_type(&m), DHCPOFFER);
	assert_opt_value(&m, DHO_CISCO_TFTP, LIT("\xc0\xa8\x00\xc3"));
	assert_opt_value(&m, DHO_OVERLOAD, LIT("\x01"));
	assert_ptr_equal(m.frag[2].data, p + OFF_FILE + 2);
	assert_int_equal(m.trailing, 0);
}

static void options_in_the_sname_field_are_found_with_overload_2(void **state)
{
	(void)state;
	uint8_t p[512];
	struct dhcp_msg m;
	size_t n = append(p, raw_header(p, 2), LIT("\x35\x01\x05\x34\x01\x02\xff"));
	append(p, OFF_SNAME, LIT("\x42\x04tftp\xff"));
	memset(p + OFF_FILE, 'x', 128); /* file is not walked */
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OK);
	assert_int_equal(m.overload, 2);
	assert_int_equal(m.nfrag, 3);
	assert_int_equal(dhcp_msg_type(&m), DHCPACK);
	assert_opt_value(&m, DHO_TFTP_SERVER_NAME, LIT("tftp"));
}

static void options_in_both_fields_are_found_and_joined_main_file_sname(void **state)
{
	(void)state;
	uint8_t p[512];
	struct dhcp_msg m;
	/* RFC 3396: an option split over the fields joins in the order options, file, sname */
	size_t n = append(p, raw_header(p, 2), LIT("\x34\x01\x03\x0f\x04" "exam\x35\x01\x02\xff"));
	append(p, OFF_FILE, LIT("\x96\x04\xc0\xa8\x00\xc3\x0f\x03ple\xff"));
	append(p, OFF_SNAME, LIT("\x00\x00\x0f\x04.com\x42\x04tftp\xff"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OK);
	assert_int_equal(m.overload, 3);
	assert_int_equal(m.nfrag, 7);
	assert_int_equal(dhcp_msg_type(&m), DHCPOFFER);
	assert_opt_value(&m, DHO_CISCO_TFTP, LIT("\xc0\xa8\x00\xc3"));
	assert_opt_value(&m, DHO_TFTP_SERVER_NAME, LIT("tftp"));
	assert_opt_value(&m, DHO_DOMAIN, LIT("example.com"));
}

static void options_filling_the_file_field_to_its_last_byte_are_found(void **state)
{
	(void)state;
	uint8_t p[512], v[128];
	struct dhcp_msg m;
	size_t n = append(p, raw_header(p, 2), LIT("\x34\x01\x01\xff"));
	/* 43 with 125 bytes, then END in the file field's last byte */
	p[OFF_FILE] = 43, p[OFF_FILE + 1] = 125;
	memset(p + OFF_FILE + 2, 'v', 125);
	p[OFF_FILE + 127] = DHO_END;
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OK);
	assert_int_equal(dhcp_opt(&m, 43, v, sizeof(v)), 125);
	assert_int_equal(v[124], 'v');
}

static void overload_with_length_2_or_value_0_or_4_is_refused(void **state)
{
	(void)state;
	static const struct {
		const char *opts;
		size_t len;
	} cases[] = {
		{"\x34\x02\x01\x00\xff", 5},
		{"\x34\x01\x04\xff", 4},
		{"\x34\x01\x00\xff", 4},
		{"\x34\x01\xff\xff", 4},
		{"\x34\x00\xff", 3},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t p[512];
		struct dhcp_msg m;
		size_t n = append(p, raw_header(p, 2), (const uint8_t *)cases[i].opts, cases[i].len);
		assert_int_equal(dhcp_parse(p, n, &m), DHCP_BADOVERLOAD);
	}
}

/* ---- malformed ---- */

static void every_length_below_240_is_short(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN];
	struct dhcp_msg m;
	size_t n = build_7906_discover(buf, sizeof(buf));
	assert_int_equal(dhcp_parse(buf, n, &m), DHCP_OK);
	for (size_t len = 0; len < DHCP_MIN_LEN; len++)
		assert_int_equal(dhcp_parse(buf, len, &m), DHCP_SHORT);
	assert_int_equal(dhcp_parse(NULL, 0, &m), DHCP_SHORT);
	/* 240 bytes: header and cookie, but no END */
	assert_int_equal(dhcp_parse(buf, DHCP_MIN_LEN, &m), DHCP_NOEND);
}

static void op_other_than_1_or_2_is_badop(void **state)
{
	(void)state;
	static const uint8_t ops[] = {0, 3, 255};
	uint8_t buf[DHCP_MAX_LEN];
	struct dhcp_msg m;
	size_t n = build_7906_discover(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(ops); i++) {
		buf[0] = ops[i];
		assert_int_equal(dhcp_parse(buf, n, &m), DHCP_BADOP);
	}
	buf[0] = 2;
	assert_int_equal(dhcp_parse(buf, n, &m), DHCP_OK);
}

static void hlen_17_is_badhlen_and_16_is_fine(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN];
	struct dhcp_msg m;
	size_t n = build_7906_discover(buf, sizeof(buf));
	buf[2] = 17;
	assert_int_equal(dhcp_parse(buf, n, &m), DHCP_BADHLEN);
	buf[2] = 255;
	assert_int_equal(dhcp_parse(buf, n, &m), DHCP_BADHLEN);
	buf[2] = 16;
	assert_int_equal(dhcp_parse(buf, n, &m), DHCP_OK);
	assert_int_equal(m.hlen, 16);
}

static void missing_or_damaged_cookie_is_nocookie(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN];
	struct dhcp_msg m;
	size_t n = build_7906_discover(buf, sizeof(buf));
	for (size_t i = 236; i < 240; i++) {
		uint8_t keep = buf[i];
		buf[i] ^= 0x01;
		assert_int_equal(dhcp_parse(buf, n, &m), DHCP_NOCOOKIE);
		buf[i] = keep;
	}
	memset(buf + 236, 0, 4); /* BOOTP: no cookie at all */
	assert_int_equal(dhcp_parse(buf, n, &m), DHCP_NOCOOKIE);
}

static void option_running_past_the_end_is_optlen(void **state)
{
	(void)state;
	static const struct {
		const char *opts;
		size_t len;
	} cases[] = {
		{"\x03\x08\xc0\xa8\x00\x01", 6},    /* 8 announced, 4 there */
		{"\x03\x04\xc0\xa8\x00", 5},        /* one byte short */
		{"\x35\x01\x01\x03", 4},            /* a code, then the packet ends */
		{"\x35\x01\x01\x03\x05", 5},        /* length 5, no data */
		{"\x0f\xff", 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t p[512];
		struct dhcp_msg m;
		size_t n = append(p, raw_header(p, 1), (const uint8_t *)cases[i].opts, cases[i].len);
		assert_int_equal(dhcp_parse(p, n, &m), DHCP_OPTLEN);
	}
}

static void option_running_past_the_end_of_the_file_field_is_optlen(void **state)
{
	(void)state;
	uint8_t p[512];
	struct dhcp_msg m;
	size_t n = append(p, raw_header(p, 2), LIT("\x34\x01\x01\xff"));
	/* starts 3 bytes before the end of file and claims 4: would read the cookie */
	append(p, OFF_FILE + 125, LIT("\x96\x04\xc0"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OPTLEN);
	/* one byte short: the last would be the cookie's first */
	memset(p + OFF_FILE, 0, 128);
	append(p, OFF_FILE + 123, LIT("\x96\x04\xc0\xa8\x00"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OPTLEN);
	/* one byte earlier it ends with the field: whatever else, not OPTLEN */
	memset(p + OFF_FILE, 0, 128);
	append(p, OFF_FILE + 122, LIT("\x96\x04\xc0\xa8\x00\xc3"));
	assert_int_not_equal(dhcp_parse(p, n, &m), DHCP_OPTLEN);
	/* a code alone in the field's last byte */
	memset(p + OFF_FILE, 0, 128);
	p[OFF_FILE + 127] = 0x96;
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OPTLEN);
}

static void option_running_past_the_end_of_sname_is_optlen(void **state)
{
	(void)state;
	uint8_t p[512];
	struct dhcp_msg m;
	size_t n = append(p, raw_header(p, 2), LIT("\x34\x01\x02\xff"));
	/* would run on into the file field */
	append(p, OFF_SNAME + 60, LIT("\x42\x08tft"));
	append(p, OFF_FILE, LIT("p.ex\xff"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OPTLEN);
}

static void runs_of_zero_padding_are_skipped_anywhere(void **state)
{
	(void)state;
	uint8_t p[1024];
	static const uint8_t zeros[300];
	struct dhcp_msg m;
	size_t n = raw_header(p, 2);
	n = append(p, n, zeros, 7);
	n = append(p, n, LIT("\x34\x01\x03"));
	n = append(p, n, zeros, 1);
	n = append(p, n, LIT("\x35\x01\x02"));
	n = append(p, n, zeros, 255);
	n = append(p, n, LIT("\x96\x04\xc0\xa8\x00\xc3"));
	n = append(p, n, zeros, 3);
	n = append(p, n, LIT("\xff"));
	append(p, OFF_FILE + 100, LIT("\x42\x04tftp\x00\x00\xff"));
	append(p, OFF_SNAME + 63, LIT("\xff"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OK);
	assert_int_equal(m.nfrag, 4);
	assert_int_equal(m.trailing, 0);
	assert_int_equal(dhcp_msg_type(&m), DHCPOFFER);
	assert_opt_value(&m, DHO_CISCO_TFTP, LIT("\xc0\xa8\x00\xc3"));
	assert_opt_value(&m, DHO_TFTP_SERVER_NAME, LIT("tftp"));
}

static void options_without_end_are_noend(void **state)
{
	(void)state;
	static const uint8_t zeros[64];
	uint8_t p[512];
	struct dhcp_msg m;
	size_t n = append(p, raw_header(p, 1), LIT("\x35\x01\x01"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_NOEND);
	n = append(p, n, zeros, sizeof(zeros)); /* padding is not an END */
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_NOEND);
	n = append(p, raw_header(p, 1), zeros, sizeof(zeros));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_NOEND);
}

static size_t many_instances(uint8_t *p, int count)
{
	size_t n = raw_header(p, 1);
	for (int i = 0; i < count; i++)
		n = append(p, n, LIT("\x2b\x01\x07")); /* 43, one byte each */
	return append(p, n, LIT("\xff"));
}

static void more_than_max_frags_instances_is_toomany(void **state)
{
	(void)state;
	uint8_t p[DHCP_MIN_LEN + 3 * (DHCP_MAX_FRAGS + 1) + 1];
	struct dhcp_msg m;
	assert_int_equal(dhcp_parse(p, many_instances(p, DHCP_MAX_FRAGS), &m), DHCP_OK);
	assert_int_equal(m.nfrag, DHCP_MAX_FRAGS);
	assert_int_equal(dhcp_opt(&m, 43, p, 0), DHCP_MAX_FRAGS);
	assert_int_equal(dhcp_parse(p, many_instances(p, DHCP_MAX_FRAGS + 1), &m), DHCP_TOOMANY);
}

static void too_many_instances_counting_the_file_field_is_toomany(void **state)
{
	(void)state;
	uint8_t p[DHCP_MIN_LEN + 3 * DHCP_MAX_FRAGS + 8];
	struct dhcp_msg m;
	size_t n = raw_header(p, 2);
	n = append(p, n, LIT("\x34\x01\x01"));
	for (int i = 2; i < DHCP_MAX_FRAGS; i++) /* 52 and 94 of 43: one short of the most */
		n = append(p, n, LIT("\x2b\x01\x07"));
	n = append(p, n, LIT("\xff"));
	append(p, OFF_FILE, LIT("\x2b\x00\xff"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OK);
	assert_int_equal(m.nfrag, DHCP_MAX_FRAGS);
	append(p, OFF_FILE, LIT("\x2b\x00\x2b\x00\xff"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_TOOMANY);
}

static void bytes_after_end_are_counted_as_trailing(void **state)
{
	(void)state;
	uint8_t p[512];
	struct dhcp_msg m;
	size_t n = append(p, raw_header(p, 1), LIT("\x35\x01\x01\xff"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OK);
	assert_int_equal(m.trailing, 0);
	/* junk after END, even junk that would not parse, is noted and not read */
	n = append(p, n, LIT("\x03\x08junk"));
	assert_int_equal(dhcp_parse(p, n, &m), DHCP_OK);
	assert_int_equal(m.trailing, 6);
	assert_int_equal(m.nfrag, 1);
	assert_int_equal(dhcp_opt(&m, DHO_ROUTER, p, 0), -1);
}

static void input_of_65536_bytes_is_toolong_and_65535_is_fine(void **state)
{
	(void)state;
	uint8_t *p = calloc(1, 65536);
	struct dhcp_msg m;
	assert_non_null(p);
	append(p, raw_header(p, 1), LIT("\x35\x01\x01\xff"));
	assert_int_equal(dhcp_parse(p, 65536, &m), DHCP_TOOLONG);
	assert_int_equal(dhcp_parse(p, 65535, &m), DHCP_OK);
	assert_int_equal(m.trailing, 65535 - DHCP_MIN_LEN - 4);
	assert_int_equal(dhcp_parse(p, SIZE_MAX, &m), DHCP_TOOLONG);
	free(p);
}

static void every_parse_error_has_a_message(void **state)
{
	(void)state;
	for (int e = DHCP_OK; e <= DHCP_BADOVERLOAD; e++) {
		const char *s = dhcp_parse_strerror((enum dhcp_parse_err)e);
		assert_non_null(s);
		assert_string_not_equal(s, "?");
		for (int f = DHCP_OK; f < e; f++)
			assert_string_not_equal(s, dhcp_parse_strerror((enum dhcp_parse_err)f));
	}
}

/* ---- the builder's limits ---- */

static void builder_fills_the_cap_exactly_keeping_room_for_end(void **state)
{
	(void)state;
	uint8_t buf[400], big[300];
	struct dhcp_msg h, m;
	struct dhcp_builder b;
	memset(big, 'a', sizeof(big));
	phone_header(&h);

	/* 240 + 2 + 57 = 299: END takes byte 300 */
	dhcp_build_start(&b, buf, 300, &h);
	assert_int_equal(dhcp_build_opt(&b, 43, big, 57), 0);
	assert_int_equal(dhcp_build_end(&b), 300);
	assert_int_equal(buf[299], DHO_END);
	assert_int_equal(dhcp_parse(buf, 300, &m), DHCP_OK);

	/* one byte more leaves no room for END: refused, and the message is lost */
	dhcp_build_start(&b, buf, 300, &h);
	assert_int_equal(dhcp_build_opt(&b, 43, big, 58), -1);
	assert_int_equal(b.overflow, 1);
	assert_int_equal(dhcp_build_end(&b), 0);

	/* full to the last byte before END: even an empty option does not fit */
	dhcp_build_start(&b, buf, 300, &h);
	assert_int_equal(dhcp_build_opt(&b, 43, big, 57), 0);
	assert_int_equal(dhcp_build_opt(&b, 44, big, 0), -1);
	assert_int_equal(dhcp_build_end(&b), 0);
}

static void builder_overflow_is_sticky(void **state)
{
	(void)state;
	uint8_t buf[300], big[300] = {0};
	struct dhcp_msg h;
	struct dhcp_builder b;
	phone_header(&h);
	dhcp_build_start(&b, buf, sizeof(buf), &h);
	assert_int_equal(dhcp_build_opt(&b, 43, big, 100), -1);
	assert_int_equal(dhcp_build_u8(&b, DHO_MSG_TYPE, DHCPOFFER), -1);
	assert_int_equal(dhcp_build_u32(&b, DHO_LEASE_TIME, 60), -1);
	assert_int_equal(dhcp_build_end(&b), 0);
}

static void builder_counts_two_bytes_per_instance_of_a_long_option(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN], big[600] = {0};
	struct dhcp_msg h;
	struct dhcp_builder b;
	phone_header(&h);
	/* 256 bytes take 2 instances: 260 bytes, + 240 + END = 501 */
	dhcp_build_start(&b, buf, 501, &h);
	assert_int_equal(dhcp_build_opt(&b, 43, big, 256), 0);
	assert_int_equal(dhcp_build_end(&b), 501);
	dhcp_build_start(&b, buf, 500, &h);
	assert_int_equal(dhcp_build_opt(&b, 43, big, 256), -1);
	assert_int_equal(dhcp_build_end(&b), 0);
}

static void builder_respects_the_clients_max_message_size(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN], big[600];
	struct dhcp_msg h, m;
	struct dhcp_builder b;
	memset(big, 'b', sizeof(big));
	phone_header(&h);

	/* limit 576 in a 1500-byte buffer: 240 + (2+255) + (2+76) = 575, END is byte 576 */
	dhcp_build_start(&b, buf, sizeof(buf), &h);
	b.limit = 576;
	assert_int_equal(dhcp_build_opt(&b, 43, big, 255), 0);
	assert_int_equal(dhcp_build_opt(&b, 44, big, 76), 0);
	assert_int_equal(dhcp_build_end(&b), 576);
	assert_int_equal(dhcp_parse(buf, 576, &m), DHCP_OK);

	dhcp_build_start(&b, buf, sizeof(buf), &h);
	b.limit = 576;
	assert_int_equal(dhcp_build_opt(&b, 43, big, 255), 0);
	assert_int_equal(dhcp_build_opt(&b, 44, big, 77), -1);
	assert_int_equal(dhcp_build_end(&b), 0);

	/* one option of 331 bytes (2 instances) takes 335: 240 + 335 + END = 576 */
	dhcp_build_start(&b, buf, sizeof(buf), &h);
	b.limit = 576;
	assert_int_equal(dhcp_build_opt(&b, 43, big, 332), -1);
	assert_int_equal(dhcp_build_end(&b), 0);
	dhcp_build_start(&b, buf, sizeof(buf), &h);
	b.limit = 576;
	assert_int_equal(dhcp_build_opt(&b, 43, big, 331), 0);
	assert_int_equal(dhcp_build_end(&b), 576);
}

static void builder_pads_to_300_but_never_past_the_limit(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN];
	struct dhcp_msg h;
	struct dhcp_builder b;
	phone_header(&h);
	dhcp_build_start(&b, buf, sizeof(buf), &h);
	b.limit = 280;
	assert_int_equal(dhcp_build_u8(&b, DHO_MSG_TYPE, DHCPNAK), 0);
	assert_int_equal(dhcp_build_end(&b), 280);
}

static void builder_puts_no_end_past_a_limit_below_the_header(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN];
	struct dhcp_msg h;
	struct dhcp_builder b;
	phone_header(&h);
	/* a client announcing a max size of 240 (below RFC 2132's 576): no room for END */
	dhcp_build_start(&b, buf, sizeof(buf), &h);
	b.limit = DHCP_MIN_LEN;
	assert_int_equal(dhcp_build_end(&b), 0);
	dhcp_build_start(&b, buf, sizeof(buf), &h);
	b.limit = DHCP_MIN_LEN + 1;
	assert_int_equal(dhcp_build_end(&b), DHCP_MIN_LEN + 1);
}

static void builder_refuses_a_buffer_too_small_for_header_and_end(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MIN_LEN + 1];
	struct dhcp_msg h;
	struct dhcp_builder b;
	phone_header(&h);
	dhcp_build_start(&b, buf, DHCP_MIN_LEN, &h);
	assert_int_equal(dhcp_build_u8(&b, DHO_MSG_TYPE, DHCPOFFER), -1);
	assert_int_equal(dhcp_build_end(&b), 0);
	dhcp_build_start(&b, buf, DHCP_MIN_LEN + 1, &h);
	assert_int_equal(dhcp_build_end(&b), DHCP_MIN_LEN + 1);
	assert_int_equal(buf[DHCP_MIN_LEN], DHO_END);
}

static void builder_clamps_hlen_to_16(void **state)
{
	(void)state;
	uint8_t buf[DHCP_MAX_LEN];
	struct dhcp_msg h, m;
	struct dhcp_builder b;
	phone_header(&h);
	h.hlen = 200;
	dhcp_build_start(&b, buf, sizeof(buf), &h);
	assert_int_equal(dhcp_parse(buf, dhcp_build_end(&b), &m), DHCP_OK);
	assert_int_equal(m.hlen, 16);
}

/* ---- the option table ---- */

static void lookup_takes_numbers_and_names(void **state)
{
	(void)state;
	assert_int_equal(dhcp_opt_lookup("150"), 150);
	assert_int_equal(dhcp_opt_lookup("tftp-servers"), 150);
	assert_int_equal(dhcp_opt_lookup("TFTP-Servers"), 150);
	assert_int_equal(dhcp_opt_lookup("66"), 66);
	assert_int_equal(dhcp_opt_lookup("tftp-server-name"), 66);
	assert_int_equal(dhcp_opt_lookup("1"), 1);
	assert_int_equal(dhcp_opt_lookup("254"), 254);
	assert_int_equal(dhcp_opt_lookup("nonsense"), -1);
	assert_int_equal(dhcp_opt_lookup("0"), -1);
	assert_int_equal(dhcp_opt_lookup("255"), -1);
	assert_int_equal(dhcp_opt_lookup("-150"), -1);
	assert_int_equal(dhcp_opt_lookup("150x"), -1);
	assert_int_equal(dhcp_opt_lookup("99999999999999999999"), -1);
	assert_int_equal(dhcp_opt_lookup(""), -1);
}

static void info_names_known_codes_and_calls_others_bytes(void **state)
{
	(void)state;
	const struct dhcp_opt_info *oi = dhcp_opt_info(150);
	assert_int_equal(oi->code, 150);
	assert_string_equal(oi->name, "tftp-servers");
	assert_int_equal(oi->type, DOT_IPS);
	assert_int_equal(dhcp_opt_info(66)->type, DOT_STRING);
	assert_int_equal(dhcp_opt_info(51)->type, DOT_U32);
	assert_int_equal(dhcp_opt_info(55)->type, DOT_CODES);
	oi = dhcp_opt_info(200);
	assert_int_equal(oi->code, 200);
	assert_int_equal(oi->type, DOT_BYTES);
}

static void encode_150_gives_4_bytes_per_address(void **state)
{
	(void)state;
	assert_encoded(150, "192.168.0.195", LIT("\xc0\xa8\x00\xc3"));
	assert_encoded(150, "192.168.0.195,192.168.0.196", LIT("\xc0\xa8\x00\xc3\xc0\xa8\x00\xc4"));
	assert_encoded(150, "192.168.0.195, 192.168.0.196", LIT("\xc0\xa8\x00\xc3\xc0\xa8\x00\xc4"));
	assert_encoded(DHO_ROUTER, "10.0.0.1", LIT("\x0a\x00\x00\x01"));
	assert_encoded(DHO_SUBNET_MASK, "255.255.255.0", LIT("\xff\xff\xff\x00"));
}

static void encode_150_refuses_what_is_not_an_address_list(void **state)
{
	(void)state;
	assert_refused(150, "192.168.0.300");
	assert_refused(150, "192.168.0.256");
	assert_refused(150, "");
	assert_refused(150, ",");
	assert_refused(150, "tftp.example.com");
	assert_refused(150, "192.168.0.195,x");
	assert_refused(DHO_SUBNET_MASK, "255.255.255.0,255.0.0.0"); /* one address only */
	/* more addresses than the caller has room for */
	uint8_t out[8];
	const char *why = NULL;
	assert_int_equal(dhcp_opt_encode(150, "1.1.1.1,2.2.2.2,3.3.3.3", out, sizeof(out), &why), -1);
	assert_non_null(why);
	char longtext[600];
	memset(longtext, '1', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = 0;
	assert_refused(150, longtext);
}

static void encode_66_keeps_the_text_as_typed(void **state)
{
	(void)state;
	assert_encoded(66, "192.168.0.195", LIT("192.168.0.195"));
	assert_encoded(66, "tftp.example.com", LIT("tftp.example.com"));
	assert_encoded(66, "Mixed Case, spaces", LIT("Mixed Case, spaces"));
	assert_refused(66, "");
	uint8_t out[4];
	const char *why = NULL;
	assert_int_equal(dhcp_opt_encode(66, "tftp", out, 4, &why), 4);
	assert_int_equal(dhcp_opt_encode(66, "tftp1", out, 4, &why), -1);
	assert_non_null(why);
}

static void encode_numbers_big_endian_within_their_width(void **state)
{
	(void)state;
	assert_encoded(51, "86400", LIT("\x00\x01\x51\x80"));
	assert_encoded(51, "0", LIT("\x00\x00\x00\x00"));
	assert_encoded(51, "4294967295", LIT("\xff\xff\xff\xff"));
	assert_refused(51, "-1");
	assert_refused(51, "4294967296");
	assert_refused(51, "18446744073709551616");
	assert_refused(51, "");
	assert_refused(51, "12x");
	assert_refused(51, "one day");
	assert_encoded(DHO_MAX_SIZE, "576", LIT("\x02\x40"));
	assert_refused(DHO_MAX_SIZE, "65536");
	assert_encoded(DHO_MSG_TYPE, "5", LIT("\x05"));
	assert_refused(DHO_MSG_TYPE, "256");
}

static void encode_61_takes_hex_bytes(void **state)
{
	(void)state;
	assert_encoded(61, "01:00:11:22:33:44:55", LIT("\x01\x00\x11\x22\x33\x44\x55"));
	assert_encoded(61, "0100112233445566", LIT("\x01\x00\x11\x22\x33\x44\x55\x66"));
	assert_encoded(200, "DE:ad:bE:ef", LIT("\xde\xad\xbe\xef"));
	assert_refused(61, "");
	assert_refused(61, "0");
	assert_refused(61, "01:0");
	assert_refused(61, "zz");
	assert_refused(61, ":");
	uint8_t out[2];
	const char *why = NULL;
	assert_int_equal(dhcp_opt_encode(61, "01:02:03", out, sizeof(out), &why), -1);
	assert_non_null(why);
}

static void format_addresses_dotted_and_comma_separated(void **state)
{
	(void)state;
	assert_formatted(150, LIT("\xc0\xa8\x00\xc3"), "192.168.0.195");
	assert_formatted(150, LIT("\xc0\xa8\x00\xc3\xc0\xa8\x00\xc4"), "192.168.0.195, 192.168.0.196");
	assert_formatted(DHO_SERVER_ID, LIT("\x0a\x00\x00\x01"), "10.0.0.1");
	/* the classic mistake as it arrives: 13 ASCII bytes, not a multiple of 4 */
	assert_formatted(150, LIT("192.168.0.195"), "31:39:32:2e:31:36:38:2e:30:2e:31:39:35");
	assert_formatted(150, LIT("\xc0\xa8\x00\xc3\xc0"), "c0:a8:00:c3:c0");
	assert_formatted(DHO_SUBNET_MASK, LIT("\xff\xff\xff"), "ff:ff:ff");
	assert_formatted(150, (const uint8_t *)"", 0, "");
}

static void format_strings_quoted_and_escaped(void **state)
{
	(void)state;
	assert_formatted(66, LIT("tftp.example.com"), "\"tftp.example.com\"");
	assert_formatted(66, LIT("a\0b"), "\"a\\000b\"");
	assert_formatted(66, LIT("say \"hi\"\\"), "\"say \\042hi\\042\\134\"");
	assert_formatted(66, LIT("\n\x7f\xff"), "\"\\012\\177\\377\"");
	assert_formatted(66, (const uint8_t *)"", 0, "\"\"");
}

static void format_numbers_codes_and_unknown_options(void **state)
{
	(void)state;
	assert_formatted(55, prl_cisco, sizeof(prl_cisco), "1,66,6,3,15,150,35");
	assert_formatted(51, LIT("\x00\x01\x51\x80"), "86400");
	assert_formatted(51, LIT("\xff\xff\xff\xff"), "4294967295");
	assert_formatted(51, LIT("\x01\x51\x80"), "01:51:80"); /* wrong length: hex */
	assert_formatted(57, LIT("\x05\xdc"), "1500");
	assert_formatted(53, LIT("\x03"), "3");
	assert_formatted(200, LIT("\xde\xad\xbe\xef"), "de:ad:be:ef");
	assert_formatted(200, LIT("\x00"), "00");
	assert_formatted(61, LIT("\x01\x00\x11\x22\x33\x44\x55"), "01:00:11:22:33:44:55");
}

/* For every cap from 0 up: the output is a NUL-terminated prefix of the whole,
 * its length is returned, and no byte at or past cap is touched. */
static void assert_truncates_cleanly(uint8_t code, const uint8_t *v, size_t len)
{
	char full[1024], out[1024];
	size_t whole = dhcp_opt_format(code, v, len, full, sizeof(full));
	assert_int_equal(whole, strlen(full));
	for (size_t cap = 0; cap <= whole + 2; cap++) {
		memset(out, 0x7e, sizeof(out));
		size_t n = dhcp_opt_format(code, v, len, out, cap);
		if (cap == 0) {
			assert_int_equal(n, 0);
			assert_int_equal(out[0], 0x7e);
			continue;
		}
		assert_int_equal(n, strlen(out));
		assert_true(n < cap);
		assert_int_equal(n, whole < cap - 1 ? whole : cap - 1);
		assert_memory_equal(out, full, n);
		for (size_t i = cap; i < cap + 4; i++)
			assert_int_equal(out[i], 0x7e);
	}
}

static void format_truncates_at_small_caps_always_nul_terminated(void **state)
{
	(void)state;
	assert_truncates_cleanly(150, LIT("\xc0\xa8\x00\xc3\xc0\xa8\x00\xc4"));
	assert_truncates_cleanly(66, LIT("a\0b\"c"));
	assert_truncates_cleanly(55, prl_cisco, sizeof(prl_cisco));
	assert_truncates_cleanly(51, LIT("\x00\x01\x51\x80"));
	assert_truncates_cleanly(200, LIT("\xde\xad\xbe\xef\x01"));
	assert_truncates_cleanly(150, LIT("192.168.0.195"));
}

static void looks_like_text_spots_an_address_typed_as_text(void **state)
{
	(void)state;
	assert_int_equal(dhcp_opt_looks_like_text(LIT("192.168.0.195")), 1);
	assert_int_equal(dhcp_opt_looks_like_text(LIT("192.168.0.195,192.168.0.196")), 1);
	assert_int_equal(dhcp_opt_looks_like_text(LIT("192.168.0.195\0")), 1); /* with a NUL, as some GUIs send */
	assert_int_equal(dhcp_opt_looks_like_text(LIT("\xc0\xa8\x00\xc3")), 0);
	assert_int_equal(dhcp_opt_looks_like_text(LIT("\x0a\x00\x00\x01")), 0);
	assert_int_equal(dhcp_opt_looks_like_text((const uint8_t *)"", 0), 0);
}

static void looks_like_text_is_not_fooled_by_the_address_0_0_0_0(void **state)
{
	(void)state;
	/* 00 00 00 00 is a (useless) address, not text: probe must not call it "typed as text" */
	assert_int_equal(dhcp_opt_looks_like_text(LIT("\0\0\0\0")), 0);
	assert_int_equal(dhcp_opt_looks_like_text(LIT(". , .")), 0); /* 46.32.44.32: no digit at all */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(discover_of_a_7906_has_the_exact_bytes),
		cmocka_unit_test(discover_of_a_7906_parses_back_field_by_field),
		cmocka_unit_test(discover_options_format_for_people),
		cmocka_unit_test(offer_is_padded_to_300_bytes_after_end),
		cmocka_unit_test(offer_parses_back_with_every_option),
		cmocka_unit_test(offer_options_format_for_people),
		cmocka_unit_test(request_with_requested_ip_and_server_id_round_trips),
		cmocka_unit_test(message_type_is_0_when_absent_out_of_range_or_wrong_length),

		cmocka_unit_test(option_longer_than_255_is_split_and_joined_back),
		cmocka_unit_test(instances_apart_from_each_other_are_joined_in_order),
		cmocka_unit_test(zero_length_option_is_present_with_length_0),

		cmocka_unit_test(options_in_the_file_field_are_found_with_overload_1),
		cmocka_unit_test(options_in_the_sname_field_are_found_with_overload_2),
		cmocka_unit_test(options_in_both_fields_are_found_and_joined_main_file_sname),
		cmocka_unit_test(options_filling_the_file_field_to_its_last_byte_are_found),
		cmocka_unit_test(overload_with_length_2_or_value_0_or_4_is_refused),

		cmocka_unit_test(every_length_below_240_is_short),
		cmocka_unit_test(op_other_than_1_or_2_is_badop),
		cmocka_unit_test(hlen_17_is_badhlen_and_16_is_fine),
		cmocka_unit_test(missing_or_damaged_cookie_is_nocookie),
		cmocka_unit_test(option_running_past_the_end_is_optlen),
		cmocka_unit_test(option_running_past_the_end_of_the_file_field_is_optlen),
		cmocka_unit_test(option_running_past_the_end_of_sname_is_optlen),
		cmocka_unit_test(runs_of_zero_padding_are_skipped_anywhere),
		cmocka_unit_test(options_without_end_are_noend),
		cmocka_unit_test(more_than_max_frags_instances_is_toomany),
		cmocka_unit_test(too_many_instances_counting_the_file_field_is_toomany),
		cmocka_unit_test(bytes_after_end_are_counted_as_trailing),
		cmocka_unit_test(input_of_65536_bytes_is_toolong_and_65535_is_fine),
		cmocka_unit_test(every_parse_error_has_a_message),

		cmocka_unit_test(builder_fills_the_cap_exactly_keeping_room_for_end),
		cmocka_unit_test(builder_overflow_is_sticky),
		cmocka_unit_test(builder_counts_two_bytes_per_instance_of_a_long_option),
		cmocka_unit_test(builder_respects_the_clients_max_message_size),
		cmocka_unit_test(builder_pads_to_300_but_never_past_the_limit),
		cmocka_unit_test(builder_puts_no_end_past_a_limit_below_the_header),
		cmocka_unit_test(builder_refuses_a_buffer_too_small_for_header_and_end),
		cmocka_unit_test(builder_clamps_hlen_to_16),

		cmocka_unit_test(lookup_takes_numbers_and_names),
		cmocka_unit_test(info_names_known_codes_and_calls_others_bytes),
		cmocka_unit_test(encode_150_gives_4_bytes_per_address),
		cmocka_unit_test(encode_150_refuses_what_is_not_an_address_list),
		cmocka_unit_test(encode_66_keeps_the_text_as_typed),
		cmocka_unit_test(encode_numbers_big_endian_within_their_width),
		cmocka_unit_test(encode_61_takes_hex_bytes),
		cmocka_unit_test(format_addresses_dotted_and_comma_separated),
		cmocka_unit_test(format_strings_quoted_and_escaped),
		cmocka_unit_test(format_numbers_codes_and_unknown_options),
		cmocka_unit_test(format_truncates_at_small_caps_always_nul_terminated),
		cmocka_unit_test(looks_like_text_spots_an_address_typed_as_text),
		cmocka_unit_test(looks_like_text_is_not_fooled_by_the_address_0_0_0_0),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
