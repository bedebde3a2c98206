/* libFuzzer target for loads_wire: parse any input as a signed header and as
 * a .loads body (and, after a valid header, the body behind it); build a
 * header from names taken from the input and parse it back. Any
 * inconsistency aborts.
 *
 *   make build/fuzz/loads_wire
 *   build/fuzz/loads_wire -max_len=4096 CORPUS_COPY   (seeds: fuzz/corpus/loads_wire,
 *                                                      written by fuzz/seeds-loads.sh) */
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

/* A body's images lie inside p[0..len), are plain names, and there are 1..32
 * of them on success. */
static void check_body(const uint8_t *p, size_t len)
{
	struct loads_body b;
	enum loads_err e = loads_parse_body(p, len, &b);
	CHECK(loads_strerror(e) != NULL);
	CHECK(b.nimages >= 0 && b.nimages <= LOADS_MAX_IMAGES);
	for (int i = 0; i < b.nimages; i++) {
		const uint8_t *s = (const uint8_t *)b.images[i].name;
		size_t n = b.images[i].len;
		CHECK(s >= p && n <= (size_t)(p + len - s));
		CHECK(n >= 1 && n <= LOADS_NAME_MAX);
		CHECK(memchr(s, '/', n) == NULL && memchr(s, '\\', n) == NULL);
		CHECK(!(n == 2 && s[0] == '.' && s[1] == '.'));
		CHECK(s[0] != '#' && memchr(s, '=', n) == NULL);
		for (size_t k = 0; k < n; k++)
			CHECK(s[k] > ' ' && s[k] <= '~');
	}
	if (b.release) {
		const uint8_t *r = (const uint8_t *)b.release;
		CHECK(r >= p && b.release_len >= 1 && b.release_len <= (size_t)(p + len - r));
	}
	CHECK(b.hardware_comp >= -1);
	CHECK(b.crlf == 0 || b.crlf == 1);
	if (e == LOADS_OK) {
		CHECK(b.nimages >= 1 && b.bad_line == 0);
	} else {
		CHECK(e == LOADS_NOIMAGES || b.bad_line >= 1);
		if (e == LOADS_NOIMAGES)
			CHECK(b.nimages == 0);
		if (e == LOADS_TOOMANY)
			CHECK(b.nimages == LOADS_MAX_IMAGES);
	}
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
	CHECK(sgn_strerror(e) != NULL);
	CHECK(off <= size);
	if (e == SGN_OK) {
		CHECK(sgn_looks_signed(data, size));
		CHECK(h.header_len >= 10 && h.header_len <= size && off == h.header_len);
		check_header_inside(&h, data, h.header_len);
		check_header_alone(&h, data);
		check_body(data + h.header_len, size - h.header_len);
	} else {
		check_header_inside(&h, data, size);
	}
	check_body(data, size);
	check_round_trip(data, size);
	return 0;
}
