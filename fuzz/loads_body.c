/* libFuzzer target for the .loads body (loads_wire's loads_ half): parse any
 * input as the CRLF text after a .loads file's signed header; the images lie
 * inside the input, in order, as plain names cut at whitespace; the same text
 * with LF line ends, or with a comment appended, gives the same images; the
 * parse is deterministic. Any inconsistency aborts.
 *
 *   make build/fuzz/loads_body
 *   cp -r fuzz/corpus/loads_body /tmp/c && build/fuzz/loads_body -max_len=4096 /tmp/c */
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

#define BUF_CAP 8192

static int is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A body's images lie inside p[0..len), are plain names, and there are 1..32
 * of them on success. Returns the result, the parse in *out. */
static enum loads_err check_body(const uint8_t *p, size_t len, struct loads_body *out)
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
	*out = b;
	return e;
}


/* Two parses name the same images (by content, wherever they lie). */
static int same_images(const struct loads_body *a, const struct loads_body *b)
{
	if (a->nimages != b->nimages)
		return 0;
	for (int i = 0; i < a->nimages; i++)
		if (a->images[i].len != b->images[i].len ||
		    memcmp(a->images[i].name, b->images[i].name, a->images[i].len) != 0)
			return 0;
	return 1;
}

/* Images come in input order, do not overlap, and stand alone on their line
 * between whitespace. */
static void check_layout(const uint8_t *p, size_t len, const struct loads_body *b)
{
	const uint8_t *prev_end = p;
	for (int i = 0; i < b->nimages; i++) {
		const uint8_t *s = (const uint8_t *)b->images[i].name;
		size_t n = b->images[i].len;
		CHECK(s >= prev_end);
		CHECK(s == p || is_ws(s[-1]));
		CHECK(s + n == p + len || is_ws(s[n]));
		prev_end = s + n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[BUF_CAP];
	struct loads_body b, b2;
	enum loads_err e = check_body(data, size, &b);
	check_layout(data, size, &b);
	CHECK(loads_parse_body(data, size, &b2) == e && same_images(&b, &b2) && b2.bad_line == b.bad_line);
	if (size + 32 > sizeof(buf))
		return 0;

	/* CR LF -> LF: the CR was trimmed anyway (not when CR CR LF would become a new CR LF) */
	if (memmem(data, size, "\r\r\n", 3))
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < size; i++)
		if (!(data[i] == '\r' && i + 1 < size && data[i + 1] == '\n'))
			buf[n++] = data[i];
	enum loads_err e2 = check_body(buf, n, &b2);
	CHECK(e2 == e && b2.bad_line == b.bad_line && same_images(&b, &b2));
	CHECK(b.release == NULL ? b2.release == NULL
				: (b2.release && b2.release_len == b.release_len &&
				   memcmp(b.release, b2.release, b.release_len) == 0));
	if (n == size && (e == LOADS_OK || e == LOADS_NOIMAGES)) /* no CR LF, every line read */
		CHECK(b.crlf == (memchr(data, '\n', size) == NULL));

	/* a comment line after a text that ends its last line changes no image */
	if (e == LOADS_OK && size && data[size - 1] == '\n') {
		static const char extra[] = "# appended comment\r\n\r\n";
		memcpy(buf, data, size);
		memcpy(buf + size, extra, sizeof(extra) - 1);
		CHECK(check_body(buf, size + sizeof(extra) - 1, &b2) == LOADS_OK && same_images(&b, &b2));
	}
	return 0;
}
