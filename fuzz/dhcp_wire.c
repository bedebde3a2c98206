/* libFuzzer target for dhcp_wire: parse any datagram and check every option
 * instance lies inside it, in its own field, with END where trailing says;
 * rebuild each parsed message with the builder (whole, and under a client's
 * max size) and parse it again to the same header and option values; print
 * every option at small caps; encode the input as an admin's text for a few
 * codes and print it back. Any inconsistency aborts.
 *
 *   make build/fuzz/dhcp_wire
 *   build/fuzz/dhcp_wire -max_total_time=120 CORPUS_COPY   (seeds: fuzz/seeds-dhcp.sh) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_wire.h"

#define CHECK(c)                                                                      \
	do {                                                                          \
		if (!(c)) {                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#c);                                                  \
			abort();                                                      \
		}                                                                     \
	} while (0)

#define OFF_SNAME 44
#define OFF_FILE 108
#define MAX_VALUE (DHCP_MAX_FRAGS * 255)

static uint8_t rebuilt[65535];
static uint8_t value[MAX_VALUE], value2[MAX_VALUE];
static char text[5 * MAX_VALUE + 16], small[80]; /* an address: 17 chars per 4 bytes */

/* Is [d, d+len) inside [base+off, base+off+flen)? */
static int within(const uint8_t *d, size_t len, const uint8_t *base, size_t off, size_t flen)
{
	return d >= base + off && d + len <= base + off + flen;
}

/* Every instance points just past its own code and length bytes, inside the
 * field it came from; END sits where trailing says. */
static void check_frags(const struct dhcp_msg *m, const uint8_t *p, size_t size)
{
	CHECK(m->nfrag >= 0 && m->nfrag <= DHCP_MAX_FRAGS);
	CHECK(m->overload >= 0 && m->overload <= 3);
	CHECK(m->trailing <= size - DHCP_MIN_LEN - 1);
	size_t end = size - m->trailing - 1;
	CHECK(p[end] == DHO_END);
	CHECK(m->sname == p + OFF_SNAME && m->file == p + OFF_FILE);
	int saw52 = 0;
	for (int i = 0; i < m->nfrag; i++) {
		const struct dhcp_frag *f = &m->frag[i];
		CHECK(f->code != DHO_PAD && f->code != DHO_END);
		CHECK(f->data >= p + 2 && f->data + f->len <= p + size);
		CHECK(f->data[-2] == f->code && f->data[-1] == f->len);
		int in_main = within(f->data - 2, (size_t)f->len + 2, p, DHCP_MIN_LEN, end - DHCP_MIN_LEN);
		int in_file = (m->overload & 1) && within(f->data - 2, (size_t)f->len + 2, p, OFF_FILE, 128);
		int in_sname = (m->overload & 2) && within(f->data - 2, (size_t)f->len + 2, p, OFF_SNAME, 64);
		CHECK(in_main || in_file || in_sname);
		if (f->code == DHO_OVERLOAD && in_main) {
			CHECK(f->len == 1 && f->data[0] >= 1 && f->data[0] <= 3);
			saw52 = 1;
		}
	}
	CHECK(saw52 == (m->overload != 0));
}

/* dhcp_opt gives the instances joined, and copies no more than asked. */
static int check_opt(const struct dhcp_msg *m, uint8_t code, uint8_t *out)
{
	size_t want = 0;
	int found = 0;
	for (int i = 0; i < m->nfrag; i++)
		if (m->frag[i].code == code) {
			CHECK(want + m->frag[i].len <= MAX_VALUE);
			memcpy(value2 + want, m->frag[i].data, m->frag[i].len);
			want += m->frag[i].len, found = 1;
		}
	int n = dhcp_opt(m, code, out, MAX_VALUE);
	CHECK(found ? n == (int)want : n == -1);
	if (found)
		CHECK(memcmp(out, value2, want) == 0);
	uint8_t three[4] = {0xee, 0xee, 0xee, 0xee};
	CHECK(dhcp_opt(m, code, three, 3) == n);
	CHECK(three[3] == 0xee);
	return n;
}

/* At every cap: NUL-terminated, length returned, a prefix of the whole, nothing past cap. */
static void check_format(uint8_t code, const uint8_t *v, size_t len)
{
	static const size_t caps[] = {1, 2, 3, 5, 8, 16, 17, 40, 64};
	size_t whole = dhcp_opt_format(code, v, len, text, sizeof(text));
	CHECK(whole == strlen(text) && whole < sizeof(text) - 1);
	small[0] = 'x';
	CHECK(dhcp_opt_format(code, v, len, small, 0) == 0 && small[0] == 'x');
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		memset(small, 0x7e, sizeof(small));
		size_t n = dhcp_opt_format(code, v, len, small, caps[c]);
		CHECK(n < caps[c] && n == strlen(small));
		CHECK(n == (whole < caps[c] - 1 ? whole : caps[c] - 1));
		CHECK(memcmp(small, text, n) == 0);
		CHECK((unsigned char)small[caps[c]] == 0x7e);
	}
}

static void check_same_header(const struct dhcp_msg *a, const struct dhcp_msg *b)
{
	CHECK(a->op == b->op && a->htype == b->htype && a->hlen == b->hlen && a->hops == b->hops);
	CHECK(a->xid == b->xid && a->secs == b->secs && a->flags == b->flags);
	CHECK(a->ciaddr.s_addr == b->ciaddr.s_addr && a->yiaddr.s_addr == b->yiaddr.s_addr);
	CHECK(a->siaddr.s_addr == b->siaddr.s_addr && a->giaddr.s_addr == b->giaddr.s_addr);
	CHECK(memcmp(a->chaddr, b->chaddr, 16) == 0);
}

/* Codes in order of first appearance, without overload: the rebuilt message
 * holds everything in the options field and needs no 52. */
static int distinct_codes(const struct dhcp_msg *m, uint8_t *codes)
{
	int n = 0;
	for (int i = 0; i < m->nfrag; i++) {
		int seen = m->frag[i].code == DHO_OVERLOAD;
		for (int k = 0; k < n && !seen; k++)
			seen = codes[k] == m->frag[i].code;
		if (!seen)
			codes[n++] = m->frag[i].code;
	}
	return n;
}

/* Build m again under limit; returns the length (0 when it did not fit). */
static size_t rebuild(const struct dhcp_msg *m, const uint8_t *codes, int ncodes, size_t limit,
		      size_t *unpadded)
{
	struct dhcp_builder b;
	dhcp_build_start(&b, rebuilt, sizeof(rebuilt), m);
	b.limit = limit;
	*unpadded = DHCP_MIN_LEN + 1;
	for (int k = 0; k < ncodes; k++) {
		int n = dhcp_opt(m, codes[k], value, sizeof(value));
		CHECK(n >= 0);
		*unpadded += (size_t)n + 2 * (n ? ((size_t)n + 254) / 255 : 1);
		int rc = dhcp_build_opt(&b, codes[k], value, (size_t)n);
		CHECK(rc == 0 || (rc == -1 && *unpadded > limit));
	}
	return dhcp_build_end(&b);
}

static void check_rebuild(const struct dhcp_msg *m, size_t size)
{
	uint8_t codes[DHCP_MAX_FRAGS];
	int ncodes = distinct_codes(m, codes);
	size_t unpadded;
	size_t n = rebuild(m, codes, ncodes, sizeof(rebuilt), &unpadded);
	CHECK(n == (unpadded > DHCP_BOOTP_MIN ? unpadded : DHCP_BOOTP_MIN));

	static struct dhcp_msg rm;
	struct dhcp_msg *r = &rm;
	CHECK(dhcp_parse(rebuilt, n, r) == DHCP_OK);
	check_frags(r, rebuilt, n);
	check_same_header(m, r);
	CHECK(r->overload == 0);
	CHECK(dhcp_msg_type(r) == dhcp_msg_type(m));
	uint8_t rcodes[DHCP_MAX_FRAGS];
	CHECK(distinct_codes(r, rcodes) == ncodes && memcmp(rcodes, codes, (size_t)ncodes) == 0);
	for (int k = 0; k < ncodes; k++) {
		int a = dhcp_opt(m, codes[k], value, sizeof(value));
		int b = dhcp_opt(r, codes[k], value2, sizeof(value2));
		CHECK(a == b && memcmp(value, value2, (size_t)a) == 0);
	}

	/* under a client's max message size: all of it, or nothing */
	size_t limit = DHCP_MIN_LEN + 1 + (size * 7) % 1300;
	n = rebuild(m, codes, ncodes, limit, &unpadded);
	if (unpadded > limit)
		CHECK(n == 0);
	else
		CHECK(n <= limit && n == (unpadded > DHCP_BOOTP_MIN ? unpadded
						: (limit < DHCP_BOOTP_MIN ? limit : DHCP_BOOTP_MIN)));
}

/* The input as a value an admin typed, for a few codes (first 600 bytes). */
static void check_encode(const uint8_t *data, size_t size)
{
	static const struct {
		uint8_t code;
		int width; /* fixed length, 4 per address (-4), or 0 */
	} codes[] = {{150, -4}, {1, 4}, {66, 0}, {51, 4}, {57, 2}, {53, 1}, {61, 0}, {55, 0}};
	char in[601];
	size_t l = size < 600 ? size : 600;
	memcpy(in, data, l);
	in[l] = 0;
	l = strlen(in);
	int code = dhcp_opt_lookup(in);
	CHECK(code == -1 || (code >= 1 && code <= 254));
	for (size_t c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
		uint8_t out[255], again[255];
		const char *why = NULL;
		int n = dhcp_opt_encode(codes[c].code, in, out, sizeof(out), &why);
		if (n < 0) {
			CHECK(n == -1 && why != NULL && why[0] != 0);
			continue;
		}
		CHECK(n >= 1 && n <= (int)sizeof(out));
		if (codes[c].width > 0)
			CHECK(n == codes[c].width);
		if (codes[c].width < 0)
			CHECK(n % 4 == 0);
		if (codes[c].code == 66)
			CHECK((size_t)n == l && memcmp(out, in, l) == 0);
		check_format(codes[c].code, out, (size_t)n);
		/* what is printed for addresses, numbers and hex reads back the same
		 * (if short enough for the encoder's 511 characters) */
		if (codes[c].code == 66 || codes[c].code == 55)
			continue;
		if (dhcp_opt_format(codes[c].code, out, (size_t)n, text, sizeof(text)) > 500)
			continue;
		CHECK(dhcp_opt_encode(codes[c].code, text, again, sizeof(again), &why) == n);
		CHECK(memcmp(out, again, (size_t)n) == 0);
	}
}

/* "Looks like text": digits, dots, commas and blanks, at least one digit, and
 * at most a NUL at the end. */
static void check_looks_like_text(const uint8_t *data, size_t size)
{
	if (!dhcp_opt_looks_like_text(data, size))
		return;
	CHECK(size > 0);
	size_t n = data[size - 1] == 0 ? size - 1 : size;
	int digits = 0;
	for (size_t i = 0; i < n; i++) {
		digits += data[i] >= '0' && data[i] <= '9';
		CHECK((data[i] >= '0' && data[i] <= '9') || data[i] == '.' || data[i] == ',' || data[i] == ' ');
	}
	CHECK(digits > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m;
	enum dhcp_parse_err e = dhcp_parse(data, size, &m);
	CHECK(dhcp_parse_strerror(e) != NULL);
	if (e == DHCP_OK) {
		CHECK(m.op == data[0] && (m.op == 1 || m.op == 2) && m.hlen <= 16);
		check_frags(&m, data, size);
		for (int i = 0; i < m.nfrag; i++) {
			check_format(m.frag[i].code, m.frag[i].data, m.frag[i].len);
			int n = check_opt(&m, m.frag[i].code, value);
			check_format(m.frag[i].code, value, (size_t)n);
		}
		int t = dhcp_msg_type(&m);
		CHECK(t == 0 || (t >= DHCPDISCOVER && t <= DHCPINFORM));
		CHECK(dhcp_type_name(t) != NULL);
		check_rebuild(&m, size);
	} else {
		CHECK(e > DHCP_OK && e <= DHCP_BADOVERLOAD);
	}
	check_encode(data, size);
	check_looks_like_text(data, size);
	return 0;
}
