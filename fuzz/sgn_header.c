/* libFuzzer target for the signed header (loads_wire's sgn_ half): parse any
 * input as the header Cisco's .cop.sgn, .loads, .sbn and .sgn files share;
 * what the parse fills in lies inside the input, a valid header parses the
 * same alone as with what follows it and with more bytes after it; build a
 * header from names taken from the input and parse it back field for field.
 * Any inconsistency aborts.
 *
 *   make build/fuzz/sgn_header
 *   cp -r fuzz/corpus/sgn_header /tmp/c && build/fuzz/sgn_header -max_len=4096 /tmp/c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loads_wire.h"

#define CHECK(c)                                                                      \
	do {                                                                          \
		if (!(c)) {                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#c);                                                  \
			abort();                                                      \
		}                                                                     \
	} while (0)

#define NAME_CAP 200 /* longest name the round trip takes from the input */
#define SIG_CAP 600

/* A parsed name (if present) starts inside p[0..end) and its NUL, at s[len],
 * lies inside too, with no NUL before it. */
static void check_str(const struct sgn_str *s, const uint8_t *p, size_t end)
{
	if (!s->s) {
		CHECK(s->len == 0);
		return;
	}
	const uint8_t *u = (const uint8_t *)s->s;
	CHECK(u >= p && u < p + end);
	CHECK(s->len < (size_t)(p + end - u));
	CHECK(u[s->len] == 0);
	CHECK(memchr(u, 0, s->len) == NULL);
}

/* What sgn_parse filled in lies inside p[0..end) (end: len on error, header_len on OK). */
static void check_header_inside(const struct sgn_header *h, const uint8_t *p, size_t end)
{
	check_str(&h->signer, p, end);
	check_str(&h->ca, p, end);
	check_str(&h->filename, p, end);
	if (h->serial)
		CHECK(h->serial >= p && h->serial + h->serial_len <= p + end);
	else
		CHECK(h->serial_len == 0);
	CHECK(h->sig_off <= end && h->sig_len <= end - h->sig_off);
	if (h->sig_len)
		CHECK(h->sig_off >= 13); /* after version, length and a TLV head at least */
	CHECK(h->digest >= -1 && h->digest <= 255);
	CHECK(h->sig_alg >= -1 && h->sig_alg <= 255);
	CHECK(h->modulus >= -1 && h->modulus <= 255);
	CHECK(h->padding <= end);
}

static int same_str(const struct sgn_str *a, const struct sgn_str *b)
{
	if (!a->s || !b->s)
		return !a->s && !b->s;
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* The header's fields do not depend on what follows it: parsing the header
 * alone gives the same result, field for field. */
static void check_header_alone(const struct sgn_header *h, const uint8_t *p)
{
	struct sgn_header a;
	size_t off;
	CHECK(sgn_parse(p, h->header_len, &a, &off) == SGN_OK);
	CHECK(off == h->header_len);
	CHECK(a.header_len == h->header_len && a.version_major == h->version_major &&
	      a.version_minor == h->version_minor);
	CHECK(same_str(&a.signer, &h->signer) && same_str(&a.ca, &h->ca) &&
	      same_str(&a.filename, &h->filename));
	CHECK(a.serial == h->serial && a.serial_len == h->serial_len);
	CHECK(a.digest == h->digest && a.sig_alg == h->sig_alg && a.modulus == h->modulus);
	CHECK(a.sig_off == h->sig_off && a.sig_len == h->sig_len && a.padding == h->padding);
	CHECK(a.have_timestamp == h->have_timestamp && a.timestamp == h->timestamp);
}

/* More bytes after a valid header change nothing in it. */
static void check_header_extended(const struct sgn_header *h, const uint8_t *p, size_t size)
{
	static uint8_t buf[4096 + 64];
	if (size + 16 > sizeof(buf))
		return;
	memcpy(buf, p, size);
	memset(buf + size, 0xA5, 16);
	struct sgn_header a;
	size_t off;
	CHECK(sgn_parse(buf, size + 16, &a, &off) == SGN_OK);
	CHECK(off == h->header_len && a.header_len == h->header_len);
	CHECK(a.digest == h->digest && a.sig_off == h->sig_off && a.sig_len == h->sig_len);
	CHECK(a.have_timestamp == h->have_timestamp && a.timestamp == h->timestamp);
	CHECK(a.filename.len == h->filename.len && a.signer.len == h->signer.len && a.ca.len == h->ca.len);
}

/* The next C string of the input: up to NAME_CAP bytes, ending at a NUL. */
static const char *take_name(const uint8_t **p, size_t *rem, char *buf)
{
	size_t n = 0;
	while (n < *rem && n < NAME_CAP && (*p)[n])
		n++;
	memcpy(buf, *p, n);
	buf[n] = 0;
	size_t used = n < *rem ? n + 1 : n; /* the NUL too */
	*p += used;
	*rem -= used;
	return buf;
}

static void check_round_trip(const uint8_t *data, size_t size)
{
	static uint8_t out[3 * (NAME_CAP + 4) + SIG_CAP + 64];
	char signer[NAME_CAP + 1], ca[NAME_CAP + 1], fname[NAME_CAP + 1];
	const uint8_t *p = data;
	size_t rem = size;
	take_name(&p, &rem, signer);
	take_name(&p, &rem, ca);
	take_name(&p, &rem, fname);
	size_t sig_len = rem < SIG_CAP ? rem : SIG_CAP;

	size_t n = sgn_build(out, sizeof(out), signer, ca, fname, p, sig_len);
	CHECK(n >= 10 && n % 4 == 0 && n <= sizeof(out));
	CHECK(sgn_build(out, n - 1, signer, ca, fname, p, sig_len) == 0);
	n = sgn_build(out, sizeof(out), signer, ca, fname, p, sig_len);

	struct sgn_header h;
	size_t off;
	CHECK(sgn_parse(out, n, &h, &off) == SGN_OK);
	CHECK(off == n && h.header_len == n && sgn_looks_signed(out, n));
	CHECK(h.version_major == 1 && h.version_minor == 1);
	CHECK(h.signer.s && strcmp(h.signer.s, signer) == 0);
	CHECK(h.ca.s && strcmp(h.ca.s, ca) == 0);
	CHECK(h.filename.s && strcmp(h.filename.s, fname) == 0);
	CHECK(h.digest == 1 && h.sig_alg == 0 && h.modulus == 2);
	CHECK(h.serial_len == 8 && h.padding < 4);
	CHECK(h.sig_len == sig_len && (sig_len == 0 || memcmp(out + h.sig_off, p, sig_len) == 0));
	/* cut anywhere, it is refused */
	CHECK(sgn_parse(out, n - 1 - (size > 0 ? data[0] % n : 0), &h, &off) != SGN_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgn_header h;
	size_t off = (size_t)-1;
	enum sgn_err e = sgn_parse(data, size, &h, &off);
	CHECK(sgn_strerror(e) != NULL && strcmp(sgn_strerror(e), "?") != 0);
	CHECK(sgn_digest_name(h.digest) != NULL);
	CHECK(off <= size);
	if (e == SGN_OK) {
		CHECK(sgn_looks_signed(data, size));
		CHECK(h.header_len >= 10 && h.header_len <= size && off == h.header_len);
		check_header_inside(&h, data, h.header_len);
		check_header_alone(&h, data);
		check_header_extended(&h, data, size);
	} else {
		check_header_inside(&h, data, size);
		/* what cannot start like a signed file fails at its first bytes */
		if (!sgn_looks_signed(data, size))
			CHECK(e == SGN_NOVERSION || e == SGN_NOLENGTH);
	}
	/* the same input twice: the same answer */
	struct sgn_header h2;
	size_t off2 = (size_t)-1;
	CHECK(sgn_parse(data, size, &h2, &off2) == e && off2 == off);
	check_round_trip(data, size);
	return 0;
}
