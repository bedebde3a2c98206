/* Unit tests for loads_wire: the signed TLV header that .cop.sgn, .loads, .sbn
 * and .sgn files share (cisco-facts 1.2) and the .loads body (2.1).
 * Headers come from sgn_build and are then damaged byte by byte; malformed
 * inputs are parsed from a malloc'd copy of exactly len bytes, so ASan reports
 * any read past len. Bodies are written as the real files are, CRLF and all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loads_wire.h"

/* A literal as (pointer, length); the literal's own NUL is not part of it. */
#define LIT(s) (const uint8_t *)(s), (sizeof(s) - 1)

#define SIGNER "CN=someSigner;OU=someOrgUnit;O=someOrg"
#define CA "CN=someCA;OU=someOrgUnit;O=someOrg"
#define SIP_LOADS "SIP11.9-4-2SR1-1S.loads"
#define TERM06 "term06.default.loads"
#define HDR_LEN 0x198
#define SIG_OFF 0x7d
#define FNAME_TAG_OFF 0x17d

static uint8_t sig[256];

static void fill_sig(void)
{
	for (size_t i = 0; i < sizeof(sig); i++)
		sig[i] = (uint8_t)(i * 7 + 3);
}

/* The header of a 7906/7911 firmware file signed as fname. */
static size_t build(uint8_t *buf, size_t cap, const char *fname)
{
	fill_sig();
	return sgn_build(buf, cap, SIGNER, CA, fname, sig, sizeof(sig));
}

static void set_header_len(uint8_t *buf, size_t n)
{
	buf[8] = (uint8_t)(n >> 8);
	buf[9] = (uint8_t)n;
}

/* sgn_parse on an exact-size heap copy of p[0..len): a read past len is an
 * ASan report. Returns the error; *off where it stopped. */
static enum sgn_err parse_exact(const uint8_t *p, size_t len, size_t *off)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct sgn_header h;
	assert_non_null(copy);
	if (len)
		memcpy(copy, p, len);
	enum sgn_err e = sgn_parse(len ? copy : NULL, len, &h, off);
	free(copy);
	return e;
}

/* The SIP11 header (408 bytes, no padding) with the TLV bytes t[0..tl) added
 * at its end, padded with 0x0D to a multiple of 4, header length updated. */
static size_t sip_header_plus(uint8_t *buf, size_t cap, const uint8_t *t, size_t tl)
{
	size_t n = build(buf, cap, SIP_LOADS);
	assert_int_equal(n, HDR_LEN);
	assert_true(n + tl + 3 <= cap);
	memcpy(buf + n, t, tl);
	n += tl;
	while (n % 4)
		buf[n++] = 0x0d;
	set_header_len(buf, n);
	return n;
}

static void assert_str(const struct sgn_str *s, const char *want)
{
	assert_non_null(s->s);
	assert_int_equal(s->len, strlen(want));
	assert_string_equal(s->s, want);
}

/* ---- build, then parse ---- */

static void build_sip11_loads_header_is_408_bytes_without_padding(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct sgn_header h;
	size_t off = 99;
	assert_int_equal(build(buf, sizeof(buf), SIP_LOADS), HDR_LEN);
	assert_int_equal(sgn_parse(buf, HDR_LEN, &h, &off), SGN_OK);
	assert_int_equal(off, HDR_LEN);
	assert_int_equal(h.header_len, HDR_LEN);
	assert_int_equal(h.padding, 0);
	assert_int_equal(h.sig_off, SIG_OFF);
	assert_int_equal(h.sig_len, 256);
	/* the tag-12 TLV and the tag-14 TLV where DANNY's file has them */
	static const uint8_t sig_tlv[] = {0x0c, 0x01, 0x00};
	static const uint8_t fname_tlv[] = {0x0e, 0x00, 0x18};
	assert_memory_equal(buf + 0x7a, sig_tlv, 3);
	assert_memory_equal(buf + FNAME_TAG_OFF, fname_tlv, 3);
	assert_memory_equal(buf + SIG_OFF, sig, 256);
	assert_int_equal(buf[HDR_LEN - 1], 0);
}

static void build_term06_header_is_408_bytes_with_three_padding_bytes(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct sgn_header h;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(build(buf, sizeof(buf), TERM06), HDR_LEN);
	/* "term06.default.loads\0" ends at 0x195; three 0x0D bring it to 0x198 */
	static const uint8_t fname_tlv[] = {0x0e, 0x00, 0x15};
	static const uint8_t pad[] = {0x00, 0x0d, 0x0d, 0x0d, 0xee};
	assert_memory_equal(buf + FNAME_TAG_OFF, fname_tlv, 3);
	assert_memory_equal(buf + 0x194, pad, sizeof(pad));
	assert_int_equal(sgn_parse(buf, HDR_LEN, &h, NULL), SGN_OK);
	assert_int_equal(h.header_len, HDR_LEN);
	assert_int_equal(h.padding, 3);
	assert_int_equal(h.sig_off, SIG_OFF);
	assert_str(&h.filename, TERM06);
}

static void built_header_starts_with_version_length_and_signer_id(void **state)
{
	(void)state;
	uint8_t buf[1024];
	static const uint8_t want[13] = {0x01, 0x00, 0x02, 0x01, 0x01, 0x02, 0x00,
					 0x02, 0x01, 0x98, 0x03, 0x00, 0x5b};
	assert_int_equal(build(buf, sizeof(buf), SIP_LOADS), HDR_LEN);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(build(buf, sizeof(buf), TERM06), HDR_LEN);
	assert_memory_equal(buf, want, sizeof(want));
}

static void parse_reads_back_every_field(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct sgn_header h;
	static const uint8_t serial[8] = {0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef};
	size_t n = build(buf, sizeof(buf), SIP_LOADS);
	/* a payload after the header is not the header's business */
	memcpy(buf + n, "#\r\n", 3);
	assert_int_equal(sgn_parse(buf, n + 3, &h, NULL), SGN_OK);
	assert_int_equal(h.version_major, 1);
	assert_int_equal(h.version_minor, 1);
	assert_int_equal(h.header_len, HDR_LEN);
	assert_int_equal(h.digest, 1);
	assert_string_equal(sgn_digest_name(h.digest), "sha1");
	assert_int_equal(h.sig_alg, 0);
	assert_int_equal(h.modulus, 2);
	assert_non_null(h.serial);
	assert_int_equal(h.serial_len, 8);
	assert_memory_equal(h.serial, serial, 8);
	assert_str(&h.signer, SIGNER);
	assert_str(&h.ca, CA);
	assert_str(&h.filename, SIP_LOADS);
	assert_ptr_equal(h.signer.s, (const char *)buf + 16);
	assert_ptr_equal(h.ca.s, (const char *)buf + 69);
	assert_ptr_equal(h.filename.s, (const char *)buf + FNAME_TAG_OFF + 3);
	assert_int_equal(h.sig_off, SIG_OFF);
	assert_int_equal(h.sig_len, 256);
	assert_memory_equal(buf + h.sig_off, sig, 256);
	assert_int_equal(h.have_timestamp, 0);
	assert_int_equal(h.padding, 0);
}

static void timestamp_tag_15_is_read_big_endian(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct sgn_header h;
	static const uint8_t ts[] = {0x0f, 0x00, 0x04, 0x5f, 0x5e, 0x10, 0x01};
	size_t n = sip_header_plus(buf, sizeof(buf), ts, sizeof(ts));
	assert_int_equal(n, 416);
	assert_int_equal(sgn_parse(buf, n, &h, NULL), SGN_OK);
	assert_int_equal(h.have_timestamp, 1);
	assert_int_equal(h.timestamp, 0x5f5e1001u);
	assert_int_equal(h.padding, 1);
	assert_str(&h.filename, SIP_LOADS);
}

static void digest_names_cover_sha1_to_sha512(void **state)
{
	(void)state;
	assert_string_equal(sgn_digest_name(1), "sha1");
	assert_string_equal(sgn_digest_name(2), "sha256");
	assert_string_equal(sgn_digest_name(3), "sha384");
	assert_string_equal(sgn_digest_name(4), "sha512");
	assert_string_equal(sgn_digest_name(0), "unknown");
	assert_string_equal(sgn_digest_name(-1), "unknown");
}

/* ---- malformed headers ---- */

static void every_truncation_of_a_header_is_refused_without_reading_past_it(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(buf), TERM06);
	assert_int_equal(n, HDR_LEN);
	for (size_t len = 0; len < n; len++) {
		size_t off = 9999;
		enum sgn_err e = parse_exact(buf, len, &off);
		/* cut inside a field: SGN_SHORT; cut between fields, nothing runs past
		 * the end, but HEADER_LENGTH does: SGN_LENGTH_PAST_END */
		enum sgn_err want = len < 5 ? SGN_NOVERSION : len < 10 ? SGN_NOLENGTH : SGN_SHORT;
		if (e != want && !(len >= 10 && e == SGN_LENGTH_PAST_END))
			fail_msg("truncated to %zu bytes: got %d (%s), want %d", len, e, sgn_strerror(e), want);
		if (len == 11 || len == HDR_LEN - 1) /* inside the signer container; inside the padding? */
			assert_true(e == SGN_SHORT || (len == HDR_LEN - 1 && e == SGN_LENGTH_PAST_END));
		assert_true(off <= len);
	}
	/* and the whole header is fine */
	assert_int_equal(parse_exact(buf, n, NULL), SGN_OK);
}

static void header_length_past_the_data_is_length_past_end(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(buf), SIP_LOADS), off;
	set_header_len(buf, n + 1);
	assert_int_equal(parse_exact(buf, n, &off), SGN_LENGTH_PAST_END);
	assert_int_equal(off, n); /* every field read, then the data ended */
	set_header_len(buf, 0xffff);
	assert_int_equal(parse_exact(buf, n, NULL), SGN_LENGTH_PAST_END);
}

static void header_length_below_ten_is_length_small(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(buf), SIP_LOADS);
	for (size_t l = 0; l < 10; l++) {
		set_header_len(buf, l);
		assert_int_equal(parse_exact(buf, n, NULL), SGN_LENGTH_SMALL);
	}
	/* exactly the fixed part: a header of nothing but version and length */
	set_header_len(buf, 10);
	assert_int_equal(parse_exact(buf, n, NULL), SGN_OK);
}

static void first_tag_not_version_is_noversion(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(buf), SIP_LOADS), off = 99;
	buf[0] = 2;
	assert_int_equal(parse_exact(buf, n, &off), SGN_NOVERSION);
	assert_int_equal(off, 0);
	buf[0] = 1;
	buf[2] = 3; /* tag 1 with length 3 */
	assert_int_equal(parse_exact(buf, n, NULL), SGN_NOVERSION);
	/* gzip data, the payload of a .cop.sgn without its header */
	assert_int_equal(parse_exact(LIT("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"), NULL), SGN_NOVERSION);
}

static void missing_header_length_tag_is_nolength(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(buf), SIP_LOADS), off = 99;
	buf[5] = 3; /* the signer container right after the version */
	assert_int_equal(parse_exact(buf, n, &off), SGN_NOLENGTH);
	assert_int_equal(off, 5);
	buf[5] = 2;
	buf[7] = 4; /* tag 2 with length 4 */
	assert_int_equal(parse_exact(buf, n, NULL), SGN_NOLENGTH);
}

static void tag_0_and_tag_16_are_badtag(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t off;
	static const uint8_t t0[] = {0x00, 0x00, 0x01, 0x00};
	static const uint8_t t16[] = {0x10, 0x00, 0x01, 0x00};
	size_t n = sip_header_plus(buf, sizeof(buf), t0, sizeof(t0));
	assert_int_equal(parse_exact(buf, n, &off), SGN_BADTAG);
	assert_int_equal(off, HDR_LEN);
	n = sip_header_plus(buf, sizeof(buf), t16, sizeof(t16));
	assert_int_equal(parse_exact(buf, n, &off), SGN_BADTAG);
	assert_int_equal(off, HDR_LEN);
	/* 0xff in place of the signer container's tag */
	n = build(buf, sizeof(buf), SIP_LOADS);
	buf[10] = 0xff;
	assert_int_equal(parse_exact(buf, n, &off), SGN_BADTAG);
	assert_int_equal(off, 10);
}

static void digest_of_two_bytes_is_badlen(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(buf), SIP_LOADS), off;
	/* 07 00 0f | 08 00 01 01 at 0x68: the digest now takes the 09 after it */
	assert_int_equal(buf[0x6b], 0x08);
	assert_int_equal(buf[0x6d], 0x01);
	buf[0x6d] = 0x02;
	assert_int_equal(parse_exact(buf, n, &off), SGN_BADLEN);
	assert_int_equal(off, 0x6b);
	/* a modulus of two bytes, and a timestamp of three */
	n = build(buf, sizeof(buf), SIP_LOADS);
	assert_int_equal(buf[0x76], 0x0b);
	buf[0x78] = 0x00; /* modulus of length 0 */
	assert_int_equal(parse_exact(buf, n, NULL), SGN_BADLEN);
	static const uint8_t ts3[] = {0x0f, 0x00, 0x03, 0x01, 0x02, 0x03};
	n = sip_header_plus(buf, sizeof(buf), ts3, sizeof(ts3));
	assert_int_equal(parse_exact(buf, n, NULL), SGN_BADLEN);
}

static void signer_container_one_byte_short_or_long_is_container(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(buf), SIP_LOADS), off;
	assert_int_equal(buf[12], 0x5b);
	buf[12] = 0x5a; /* the CA name now runs past the container's end */
	assert_int_equal(parse_exact(buf, n, &off), SGN_CONTAINER);
	assert_int_equal(off, 66);
	buf[12] = 0x5c; /* the container now ends inside the next TLV */
	assert_int_equal(parse_exact(buf, n, &off), SGN_CONTAINER);
	assert_int_equal(off, 0x68);
	/* the signature-algorithm container (tag 9, length 8) one short */
	n = build(buf, sizeof(buf), SIP_LOADS);
	assert_int_equal(buf[0x6f], 0x09);
	buf[0x71] = 7;
	assert_int_equal(parse_exact(buf, n, NULL), SGN_CONTAINER);
}

/* The fixed part (version, length) then the TLV bytes t, padded to a multiple of 4. */
static size_t fixed_plus(uint8_t *buf, const uint8_t *t, size_t tl)
{
	static const uint8_t fixed[10] = {0x01, 0x00, 0x02, 0x01, 0x01, 0x02, 0x00, 0x02, 0x00, 0x00};
	memcpy(buf, fixed, sizeof(fixed));
	memcpy(buf + 10, t, tl);
	size_t n = 10 + tl;
	while (n % 4)
		buf[n++] = 0x0d;
	set_header_len(buf, n);
	return n;
}

static void containers_nest_four_deep_and_not_five(void **state)
{
	(void)state;
	uint8_t buf[64];
	static const uint8_t four[] = {0x03, 0x00, 0x09, 0x07, 0x00, 0x06, 0x09, 0x00, 0x03, 0x03, 0x00, 0x00};
	static const uint8_t five[] = {0x03, 0x00, 0x0c, 0x07, 0x00, 0x09, 0x09, 0x00, 0x06,
				       0x03, 0x00, 0x03, 0x07, 0x00, 0x00};
	size_t n = fixed_plus(buf, four, sizeof(four)), off;
	assert_int_equal(n, 24);
	assert_int_equal(parse_exact(buf, n, NULL), SGN_OK);
	n = fixed_plus(buf, five, sizeof(five));
	assert_int_equal(n, 28);
	assert_int_equal(parse_exact(buf, n, &off), SGN_CONTAINER);
	assert_int_equal(off, 22);
}

static void names_without_their_nul_are_nostring(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(buf), SIP_LOADS), off;
	assert_int_equal(buf[54], 0); /* the signer's NUL */
	buf[54] = 'x';
	assert_int_equal(parse_exact(buf, n, &off), SGN_NOSTRING);
	assert_int_equal(off, 13);
	n = build(buf, sizeof(buf), SIP_LOADS);
	assert_int_equal(buf[0x67], 0); /* the CA's NUL */
	buf[0x67] = 'x';
	assert_int_equal(parse_exact(buf, n, &off), SGN_NOSTRING);
	assert_int_equal(off, 66);
	n = build(buf, sizeof(buf), SIP_LOADS);
	buf[HDR_LEN - 1] = 's'; /* the file name's NUL, the header's last byte */
	assert_int_equal(parse_exact(buf, n, &off), SGN_NOSTRING);
	assert_int_equal(off, FNAME_TAG_OFF);
	/* an empty value has no NUL either */
	static const uint8_t empty_name[] = {0x0e, 0x00, 0x00};
	n = fixed_plus(buf, empty_name, sizeof(empty_name));
	assert_int_equal(parse_exact(buf, n, &off), SGN_NOSTRING);
	assert_int_equal(off, 10);
}

static void second_filename_tag_is_duplicate(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t off;
	static const uint8_t again[] = {0x0e, 0x00, 0x02, 'a', 0x00};
	size_t n = sip_header_plus(buf, sizeof(buf), again, sizeof(again));
	assert_int_equal(n, 416);
	assert_int_equal(parse_exact(buf, n, &off), SGN_DUPLICATE);
	assert_int_equal(off, HDR_LEN);
	/* a second version tag, a second signature, a second digest */
	static const uint8_t ver[] = {0x01, 0x00, 0x02, 0x01, 0x01};
	n = sip_header_plus(buf, sizeof(buf), ver, sizeof(ver));
	assert_int_equal(parse_exact(buf, n, NULL), SGN_DUPLICATE);
	static const uint8_t sig2[] = {0x0c, 0x00, 0x01, 0xaa};
	n = sip_header_plus(buf, sizeof(buf), sig2, sizeof(sig2));
	assert_int_equal(parse_exact(buf, n, NULL), SGN_DUPLICATE);
	static const uint8_t dig2[] = {0x08, 0x00, 0x01, 0x02};
	n = sip_header_plus(buf, sizeof(buf), dig2, sizeof(dig2));
	assert_int_equal(parse_exact(buf, n, NULL), SGN_DUPLICATE);
}

static void second_empty_signature_is_duplicate(void **state)
{
	(void)state;
	uint8_t buf[64];
	/* two tag-12 TLVs of length 0: a tag given twice, whatever its length */
	static const uint8_t two[] = {0x0c, 0x00, 0x00, 0x0c, 0x00, 0x00};
	size_t n = fixed_plus(buf, two, sizeof(two)), off;
	assert_int_equal(parse_exact(buf, n, &off), SGN_DUPLICATE);
	assert_int_equal(off, 13);
}

static void header_length_ending_inside_a_tlv_is_length_small(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(buf), SIP_LOADS), off;
	static const size_t inside[] = {11, 12, 20, 0x80, 0x17c, 0x17e, HDR_LEN - 1};
	for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
		set_header_len(buf, inside[i]);
		enum sgn_err e = parse_exact(buf, n, &off);
		if (e != SGN_LENGTH_SMALL)
			fail_msg("header length %zu: got %s, want LENGTH_SMALL", inside[i], sgn_strerror(e));
		assert_true(off < inside[i]);
	}
}

static void every_error_has_its_own_text(void **state)
{
	(void)state;
	for (int a = SGN_OK; a <= SGN_DUPLICATE; a++) {
		assert_non_null(sgn_strerror((enum sgn_err)a));
		assert_string_not_equal(sgn_strerror((enum sgn_err)a), "?");
		for (int b = a + 1; b <= SGN_DUPLICATE; b++)
			assert_string_not_equal(sgn_strerror((enum sgn_err)a), sgn_strerror((enum sgn_err)b));
	}
	for (int a = LOADS_OK; a <= LOADS_BINARY; a++) {
		assert_string_not_equal(loads_strerror((enum loads_err)a), "?");
		for (int b = a + 1; b <= LOADS_BINARY; b++)
			assert_string_not_equal(loads_strerror((enum loads_err)a),
						loads_strerror((enum loads_err)b));
	}
}

static void looks_signed_only_for_version_then_length(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(buf), SIP_LOADS);
	assert_true(sgn_looks_signed(buf, n));
	assert_true(sgn_looks_signed(buf, 10));
	assert_false(sgn_looks_signed(buf, 9));
	assert_false(sgn_looks_signed(buf, 0));
	assert_false(sgn_looks_signed(LIT("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03gzipdata")));
	assert_false(sgn_looks_signed(LIT("PK\x03\x04\x14\x00\x00\x00\x08\x00zipdata")));
	assert_false(sgn_looks_signed(LIT("CNU_File_Archive_3.0\0\0\0")));
	assert_false(sgn_looks_signed(LIT("\x5a\xc3\x11\x9e\x42\x07\xd0\x88\x3b\xf1\x6c\x27")));
	/* version then something other than the length */
	assert_false(sgn_looks_signed(LIT("\x01\x00\x02\x01\x01\x03\x00\x02\x01\x98")));
	assert_false(sgn_looks_signed(LIT("\x01\x00\x03\x01\x01\x02\x00\x02\x01\x98")));
}

static void build_returns_0_for_every_cap_below_the_needed_size(void **state)
{
	(void)state;
	static const char *const names[] = {SIP_LOADS, TERM06};
	for (size_t k = 0; k < 2; k++) {
		for (size_t cap = 0; cap < HDR_LEN; cap++) {
			uint8_t *b = malloc(cap ? cap : 1); /* exact size: ASan sees a write past cap */
			assert_non_null(b);
			size_t got = build(b, cap, names[k]);
			free(b);
			if (got != 0)
				fail_msg("%s with cap %zu: got %zu, want 0", names[k], cap, got);
		}
		uint8_t *b = malloc(HDR_LEN);
		assert_non_null(b);
		assert_int_equal(build(b, HDR_LEN, names[k]), HDR_LEN);
		free(b);
	}
}

static void build_with_empty_names_and_no_signature_parses(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct sgn_header h;
	size_t n = sgn_build(buf, sizeof(buf), "", "", "x", NULL, 0);
	assert_int_not_equal(n, 0);
	assert_int_equal(n % 4, 0);
	assert_int_equal(sgn_parse(buf, n, &h, NULL), SGN_OK);
	assert_int_equal(h.header_len, n);
	assert_str(&h.signer, "");
	assert_str(&h.ca, "");
	assert_str(&h.filename, "x");
	assert_int_equal(h.sig_len, 0);
}

/* ---- .loads bodies ---- */

/* cisco-facts 2.1, byte for byte: CRLF, a space after the dsp and cvm names */
static const char sip_body[] =
	"#\r\n"
	"# This file contains a list of archive image files that will be requested by the\r\n"
	"# RELEASE load version 9-4-2ES9\r\n"
	"#\r\n"
	"#HARDWARE_COMP_1 1\r\n"
	"\r\n"
	"jar11sip.9-4-2ES9.sbn\r\n"
	"cnu11.9-4-2ES9.sbn\r\n"
	"apps11.9-4-2ES9.sbn\r\n"
	"dsp11.9-4-2ES9.sbn \r\n"
	"cvm11sip.9-4-2ES9.sbn \r\n";

static const char sccp_body[] =
	"#\r\n"
	"# This file contains a list of archive image files that will be requested by the\r\n"
	"# RELEASE load version 8-5-2TH1-9\r\n"
	"#\r\n"
	"#HARDWARE_COMP_1 1\r\n"
	"\r\n"
	"jar11sccp.8-5-2TH1-9.sbn\r\n"
	"cnu11.8-5-2TH1-9.sbn\r\n"
	"apps11.8-5-2TH1-9.sbn\r\n"
	"dsp11.8-5-2TH1-9.sbn \r\n"
	"cvm11sccp.8-5-2TH1-9.sbn \r\n";

static const char *const sip_images[] = {"jar11sip.9-4-2ES9.sbn", "cnu11.9-4-2ES9.sbn",
					 "apps11.9-4-2ES9.sbn", "dsp11.9-4-2ES9.sbn",
					 "cvm11sip.9-4-2ES9.sbn"};
static const char *const sccp_images[] = {"jar11sccp.8-5-2TH1-9.sbn", "cnu11.8-5-2TH1-9.sbn",
					  "apps11.8-5-2TH1-9.sbn", "dsp11.8-5-2TH1-9.sbn",
					  "cvm11sccp.8-5-2TH1-9.sbn"};

/* The body's images are exactly want[0..n), in order, each pointing into p. */
static void assert_images(const struct loads_body *b, const uint8_t *p, size_t len,
			  const char *const *want, int n)
{
	assert_int_equal(b->nimages, n);
	for (int i = 0; i < n; i++) {
		const char *s = b->images[i].name;
		size_t l = b->images[i].len;
		assert_true((const uint8_t *)s >= p && (const uint8_t *)s + l <= p + len);
		if (l != strlen(want[i]) || memcmp(s, want[i], l) != 0)
			fail_msg("image %d: got \"%.*s\", want \"%s\"", i, (int)l, s, want[i]);
	}
}

static void assert_release(const struct loads_body *b, const char *want)
{
	assert_non_null(b->release);
	if (b->release_len != strlen(want) || memcmp(b->release, want, b->release_len) != 0)
		fail_msg("release \"%.*s\", want \"%s\"", (int)b->release_len, b->release, want);
}

static void sip_9_4_2sr1_body_lists_five_images_in_order(void **state)
{
	(void)state;
	struct loads_body b;
	assert_int_equal(loads_parse_body(LIT(sip_body), &b), LOADS_OK);
	assert_images(&b, LIT(sip_body), sip_images, 5);
	assert_release(&b, "9-4-2ES9");
	assert_int_equal(b.hardware_comp, 1);
	assert_int_equal(b.crlf, 1);
	assert_int_equal(b.bad_line, 0);
}

static void sccp_8_5_2_body_lists_five_images_in_order(void **state)
{
	(void)state;
	struct loads_body b;
	assert_int_equal(loads_parse_body(LIT(sccp_body), &b), LOADS_OK);
	assert_images(&b, LIT(sccp_body), sccp_images, 5);
	assert_release(&b, "8-5-2TH1-9");
	assert_int_equal(b.hardware_comp, 1);
	assert_int_equal(b.crlf, 1);
}

static void lf_only_body_has_crlf_0_and_the_same_images(void **state)
{
	(void)state;
	char lf[sizeof(sip_body)];
	size_t n = 0;
	for (const char *s = sip_body; *s; s++)
		if (*s != '\r')
			lf[n++] = *s;
	struct loads_body b;
	assert_int_equal(loads_parse_body((const uint8_t *)lf, n, &b), LOADS_OK);
	assert_images(&b, (const uint8_t *)lf, n, sip_images, 5);
	assert_release(&b, "9-4-2ES9");
	assert_int_equal(b.hardware_comp, 1);
	assert_int_equal(b.crlf, 0);
}

static void one_lf_only_line_makes_crlf_0(void **state)
{
	(void)state;
	struct loads_body b;
	assert_int_equal(loads_parse_body(LIT("#\r\na.sbn\nb.sbn\r\n"), &b), LOADS_OK);
	assert_int_equal(b.nimages, 2);
	assert_int_equal(b.crlf, 0);
}

static void body_without_final_newline_keeps_its_last_image(void **state)
{
	(void)state;
	struct loads_body b;
	/* the SIP body minus its last CRLF */
	assert_int_equal(loads_parse_body((const uint8_t *)sip_body, sizeof(sip_body) - 3, &b), LOADS_OK);
	assert_images(&b, (const uint8_t *)sip_body, sizeof(sip_body) - 3, sip_images, 5);
	assert_int_equal(b.crlf, 1);
}

static void body_7940_lists_two_images_and_skips_la_version(void **state)
{
	(void)state;
	static const char body[] = "P0030801SR02.sbn\r\nP0030801SR02.sb2\r\nLA_VERSION=PAS30831";
	static const char *const want[] = {"P0030801SR02.sbn", "P0030801SR02.sb2"};
	struct loads_body b;
	assert_int_equal(loads_parse_body(LIT(body), &b), LOADS_OK);
	assert_images(&b, LIT(body), want, 2);
	assert_null(b.release);
	assert_int_equal(b.hardware_comp, -1);
	assert_int_equal(b.crlf, 1);
}

static void only_comments_and_blank_lines_is_noimages(void **state)
{
	(void)state;
	struct loads_body b;
	assert_int_equal(loads_parse_body(LIT("#\r\n# RELEASE load version 9-4-2ES9\r\n\r\n#HARDWARE_COMP_1 5\r\n"), &b),
			 LOADS_NOIMAGES);
	assert_int_equal(b.nimages, 0);
	assert_int_equal(loads_parse_body(LIT("LA_VERSION=PAS30831\r\n  \r\n"), &b), LOADS_NOIMAGES);
}

static void empty_body_is_noimages(void **state)
{
	(void)state;
	struct loads_body b;
	assert_int_equal(loads_parse_body(LIT(""), &b), LOADS_NOIMAGES);
	assert_int_equal(b.nimages, 0);
	assert_null(b.release);
	assert_int_equal(b.hardware_comp, -1);
}

/* body must be refused as want on line line */
static void assert_body_refused(const char *body, size_t len, enum loads_err want, size_t line)
{
	struct loads_body b;
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, body, len);
	enum loads_err e = loads_parse_body(copy, len, &b);
	free(copy);
	if (e != want || b.bad_line != line)
		fail_msg("body \"%.*s\": got %s on line %zu, want %s on line %zu", (int)len, body,
			 loads_strerror(e), b.bad_line, loads_strerror(want), line);
}
#define REFUSED(lit, want, line) assert_body_refused((lit), sizeof(lit) - 1, (want), (line))

static void names_with_slash_backslash_dotdot_or_tab_are_badname(void **state)
{
	(void)state;
	REFUSED("#\r\njar11sip.sbn\r\n../etc/passwd\r\n", LOADS_BADNAME, 3);
	REFUSED("a.sbn\r\nsub/cnu11.sbn\r\n", LOADS_BADNAME, 2);
	REFUSED("/cnu11.sbn\r\n", LOADS_BADNAME, 1);
	REFUSED("a.sbn\r\nb.sbn\r\nc:\\cnu11.sbn\r\n", LOADS_BADNAME, 3);
	REFUSED("a.sbn\r\n..\r\n", LOADS_BADNAME, 2);
	REFUSED(".\r\n", LOADS_BADNAME, 1);
	REFUSED("a.sbn\r\ndsp11\t.sbn\r\n", LOADS_BADNAME, 2); /* a tab inside the name */
	REFUSED("a.sbn\r\ndsp11 x.sbn\r\n", LOADS_BADNAME, 2);
	REFUSED("a.sbn\r\n\xc3\xa9.sbn\r\n", LOADS_BADNAME, 2);
}

static void other_control_bytes_and_nul_are_binary(void **state)
{
	(void)state;
	/* the header says: a NUL or other non-text byte is LOADS_BINARY */
	REFUSED("a.sbn\r\nb\0.sbn\r\n", LOADS_BINARY, 2);
	REFUSED("\0", LOADS_BINARY, 1);
	REFUSED("a.sbn\r\n#\r\n# comment \x01\r\n", LOADS_BINARY, 3);
	REFUSED("a.sbn\r\nb\x1b.sbn\r\n", LOADS_BINARY, 2);
	REFUSED("a.sbn\r\nb.sbn\x7f\r\n", LOADS_BINARY, 2);
	REFUSED("a.sbn\r\r\n", LOADS_BINARY, 1); /* a CR that does not end the line */
}

static void name_of_128_chars_is_ok_and_129_is_badname(void **state)
{
	(void)state;
	char body[300];
	struct loads_body b;
	memset(body, 'a', sizeof(body));
	memcpy(body, "x.sbn\r\n", 7);
	memcpy(body + 7 + 128, " \r\n", 3);
	assert_int_equal(loads_parse_body((const uint8_t *)body, 7 + 128 + 3, &b), LOADS_OK);
	assert_int_equal(b.nimages, 2);
	assert_int_equal(b.images[1].len, 128);
	assert_ptr_equal(b.images[1].name, body + 7);
	body[7 + 128] = 'a';
	memcpy(body + 7 + 129, "\r\n", 2);
	assert_body_refused(body, 7 + 129 + 2, LOADS_BADNAME, 2);
}

/* n image lines "imgN.sbn\r\n" into buf; returns the length */
static size_t many_images(char *buf, size_t cap, int n)
{
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		int w = snprintf(buf + o, cap - o, "img%d.sbn\r\n", i);
		assert_true(w > 0 && (size_t)w < cap - o);
		o += (size_t)w;
	}
	return o;
}

static void thirty_two_images_are_ok_and_thirty_three_toomany(void **state)
{
	(void)state;
	char buf[1024];
	struct loads_body b;
	size_t n = many_images(buf, sizeof(buf), 32);
	assert_int_equal(loads_parse_body((const uint8_t *)buf, n, &b), LOADS_OK);
	assert_int_equal(b.nimages, 32);
	assert_int_equal(b.images[31].len, strlen("img31.sbn"));
	assert_memory_equal(b.images[31].name, "img31.sbn", b.images[31].len);
	n = many_images(buf, sizeof(buf), 33);
	assert_body_refused(buf, n, LOADS_TOOMANY, 33);
}

static void leading_and_trailing_blanks_are_trimmed(void **state)
{
	(void)state;
	static const char body[] = "  jar11sip.sbn\t \r\n\tcnu11.sbn\r\n";
	static const char *const want[] = {"jar11sip.sbn", "cnu11.sbn"};
	struct loads_body b;
	assert_int_equal(loads_parse_body(LIT(body), &b), LOADS_OK);
	assert_images(&b, LIT(body), want, 2);
}

static void hardware_comp_is_read_and_absent_is_minus_1(void **state)
{
	(void)state;
	struct loads_body b;
	assert_int_equal(loads_parse_body(LIT("#HARDWARE_COMP_1 15\r\na.sbn\r\n"), &b), LOADS_OK);
	assert_int_equal(b.hardware_comp, 15);
	assert_null(b.release);
	assert_int_equal(loads_parse_body(LIT("# RELEASE load version 9-4-2ES9\r\na.sbn\r\n"), &b), LOADS_OK);
	assert_int_equal(b.hardware_comp, -1);
	assert_release(&b, "9-4-2ES9");
}

static void whole_signed_loads_file_body_starts_at_header_length(void **state)
{
	(void)state;
	uint8_t file[2048];
	struct sgn_header h;
	struct loads_body b;
	size_t n = build(file, sizeof(file), SIP_LOADS);
	memcpy(file + n, sip_body, sizeof(sip_body) - 1);
	size_t len = n + sizeof(sip_body) - 1;
	assert_true(sgn_looks_signed(file, len));
	assert_int_equal(sgn_parse(file, len, &h, NULL), SGN_OK);
	assert_int_equal(h.header_len, HDR_LEN);
	assert_int_equal(loads_parse_body(file + h.header_len, len - h.header_len, &b), LOADS_OK);
	assert_images(&b, file + h.header_len, len - h.header_len, sip_images, 5);
	/* the header itself is binary, not a body */
	assert_int_equal(loads_parse_body(file, len, &b), LOADS_BINARY);
	assert_int_equal(b.bad_line, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_sip11_loads_header_is_408_bytes_without_padding),
		cmocka_unit_test(build_term06_header_is_408_bytes_with_three_padding_bytes),
		cmocka_unit_test(built_header_starts_with_version_length_and_signer_id),
		cmocka_unit_test(parse_reads_back_every_field),
		cmocka_unit_test(timestamp_tag_15_is_read_big_endian),
		cmocka_unit_test(digest_names_cover_sha1_to_sha512),
		cmocka_unit_test(build_with_empty_names_and_no_signature_parses),
		cmocka_unit_test(build_returns_0_for_every_cap_below_the_needed_size),

		cmocka_unit_test(every_truncation_of_a_header_is_refused_without_reading_past_it),
		cmocka_unit_test(header_length_past_the_data_is_length_past_end),
		cmocka_unit_test(header_length_below_ten_is_length_small),
		cmocka_unit_test(first_tag_not_version_is_noversion),
		cmocka_unit_test(missing_header_length_tag_is_nolength),
		cmocka_unit_test(tag_0_and_tag_16_are_badtag),
		cmocka_unit_test(digest_of_two_bytes_is_badlen),
		cmocka_unit_test(signer_container_one_byte_short_or_long_is_container),
		cmocka_unit_test(containers_nest_four_deep_and_not_five),
		cmocka_unit_test(names_without_their_nul_are_nostring),
		cmocka_unit_test(second_filename_tag_is_duplicate),
		cmocka_unit_test(second_empty_signature_is_duplicate),
		cmocka_unit_test(header_length_ending_inside_a_tlv_is_length_small),
		cmocka_unit_test(every_error_has_its_own_text),
		cmocka_unit_test(looks_signed_only_for_version_then_length),

		cmocka_unit_test(sip_9_4_2sr1_body_lists_five_images_in_order),
		cmocka_unit_test(sccp_8_5_2_body_lists_five_images_in_order),
		cmocka_unit_test(lf_only_body_has_crlf_0_and_the_same_images),
		cmocka_unit_test(one_lf_only_line_makes_crlf_0),
		cmocka_unit_test(body_without_final_newline_keeps_its_last_image),
		cmocka_unit_test(body_7940_lists_two_images_and_skips_la_version),
		cmocka_unit_test(only_comments_and_blank_lines_is_noimages),
		cmocka_unit_test(empty_body_is_noimages),
		cmocka_unit_test(names_with_slash_backslash_dotdot_or_tab_are_badname),
		cmocka_unit_test(other_control_bytes_and_nul_are_binary),
		cmocka_unit_test(name_of_128_chars_is_ok_and_129_is_badname),
		cmocka_unit_test(thirty_two_images_are_ok_and_thirty_three_toomany),
		cmocka_unit_test(leading_and_trailing_blanks_are_trimmed),
		cmocka_unit_test(hardware_comp_is_read_and_absent_is_minus_1),
		cmocka_unit_test(whole_signed_loads_file_body_starts_at_header_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
