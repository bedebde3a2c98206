/* Unit tests for digest: SHA-1 and SHA-256 through libarchive's mtree
 * writer against the FIPS 180 examples ("", "abc", the 56-byte two-block
 * message, a million 'a'), fed in one piece, a byte at a time and in odd
 * chunk sizes that straddle the 64-byte block; digest_fd on a temporary file
 * (from its start, whatever the file offset); the byte counter; and the error
 * paths: an abort after updates frees everything (ASan's leak check would say
 * otherwise), an update or final after the end fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "digest.h"

struct vector {
	const char *name;
	const char *msg;        /* NULL: a million 'a' */
	size_t len;
	const char *sha1, *sha256;
};

#define MILLION 1000000

static const struct vector vectors[] = {
	{"empty", "", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709",
	 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"abc", "abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d",
	 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"56 bytes", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	 "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
	 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	{"a million a", NULL, MILLION, "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
	 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};
#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static uint8_t *message(const struct vector *v)
{
	uint8_t *p = malloc(v->len + 1);
	assert_non_null(p);
	if (v->msg)
		memcpy(p, v->msg, v->len);
	else
		memset(p, 'a', v->len);
	return p;
}

/* Feed v in chunks of the sizes in sizes[] (cycled), check both digests and
 * the byte counter. */
static void check_chunked(const struct vector *v, const size_t *sizes, size_t nsizes)
{
	uint8_t *p = message(v);
	struct digest d;
	char sha1[DIGEST_SHA1_HEX], sha256[DIGEST_SHA256_HEX];
	assert_int_equal(digest_init(&d), 0);
	assert_int_equal(d.bytes, 0);
	size_t off = 0;
	for (size_t i = 0; off < v->len; i++) {
		size_t n = sizes[i % nsizes];
		if (n > v->len - off)
			n = v->len - off;
		assert_int_equal(digest_update(&d, p + off, n), 0);
		off += n;
		assert_int_equal(d.bytes, off);
	}
	assert_int_equal(d.bytes, v->len);
	assert_int_equal(digest_final(&d, sha1, sha256), 0);
	assert_string_equal(sha1, v->sha1);
	assert_string_equal(sha256, v->sha256);
	assert_int_equal(strlen(sha1), 40);
	assert_int_equal(strlen(sha256), 64);
	free(p);
}

static void one_piece(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		size_t all = vectors[i].len ? vectors[i].len : 1;
		check_chunked(&vectors[i], &all, 1);
	}
}

static void byte_by_byte(void **state)
{
	(void)state;
	static const size_t one = 1;
	for (size_t i = 0; i < NVECTORS; i++)
		check_chunked(&vectors[i], &one, 1);
}

/* sizes around the 64-byte block and the 64 KiB buffers of digest_fd */
static void odd_chunks(void **state)
{
	(void)state;
	static const size_t a[] = {3, 7, 13, 61, 63, 64, 65, 127, 129, 1000, 4093};
	static const size_t b[] = {55, 1, 56, 2, 57};
	static const size_t c[] = {65535, 65537, 9};
	for (size_t i = 0; i < NVECTORS; i++) {
		check_chunked(&vectors[i], a, sizeof(a) / sizeof(a[0]));
		check_chunked(&vectors[i], b, sizeof(b) / sizeof(b[0]));
		check_chunked(&vectors[i], c, sizeof(c) / sizeof(c[0]));
	}
}

/* a zero-length update in the middle changes nothing */
static void empty_updates(void **state)
{
	(void)state;
	struct digest d;
	char sha1[DIGEST_SHA1_HEX], sha256[DIGEST_SHA256_HEX];
	assert_int_equal(digest_init(&d), 0);
	assert_int_equal(digest_update(&d, "", 0), 0);
	assert_int_equal(digest_update(&d, "ab", 2), 0);
	assert_int_equal(digest_update(&d, "", 0), 0);
	assert_int_equal(digest_update(&d, "c", 1), 0);
	assert_int_equal(d.bytes, 3);
	assert_int_equal(digest_final(&d, sha1, sha256), 0);
	assert_string_equal(sha1, vectors[1].sha1);
	assert_string_equal(sha256, vectors[1].sha256);
}

/* Two digests at once do not share state. */
static void interleaved(void **state)
{
	(void)state;
	struct digest x, y;
	char s1[DIGEST_SHA1_HEX], s256[DIGEST_SHA256_HEX];
	const char *m = vectors[2].msg;
	assert_int_equal(digest_init(&x), 0);
	assert_int_equal(digest_init(&y), 0);
	for (size_t i = 0; i < 56; i++) {
		assert_int_equal(digest_update(&x, m + i, 1), 0);
		if (i < 3)
			assert_int_equal(digest_update(&y, "abc" + i, 1), 0);
	}
	assert_int_equal(digest_final(&y, s1, s256), 0);
	assert_string_equal(s256, vectors[1].sha256);
	assert_int_equal(digest_final(&x, s1, s256), 0);
	assert_string_equal(s1, vectors[2].sha1);
	assert_string_equal(s256, vectors[2].sha256);
}

static int temp_file(const uint8_t *p, size_t len, char *path, size_t pathlen)
{
	snprintf(path, pathlen, "/tmp/phoneboot-digest.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);
		assert_true(n > 0);
		off += (size_t)n;
	}
	return fd;
}

/* digest_fd: the whole file from its start, its size, whatever the offset */
static void fd_digest(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		const struct vector *v = &vectors[i];
		uint8_t *p = message(v);
		char path[64], sha1[DIGEST_SHA1_HEX], sha256[DIGEST_SHA256_HEX];
		int fd = temp_file(p, v->len, path, sizeof(path));
		uint64_t size = 12345;
		/* the write left the offset at the end: digest_fd reads from 0 anyway */
		assert_int_equal(digest_fd(fd, sha1, sha256, &size), 0);
		assert_string_equal(sha1, v->sha1);
		assert_string_equal(sha256, v->sha256);
		assert_int_equal(size, v->len);
		lseek(fd, (off_t)(v->len / 2), SEEK_SET);
		assert_int_equal(digest_fd(fd, sha1, sha256, NULL), 0);
		assert_string_equal(sha256, v->sha256);
		close(fd);
		unlink(path);
		free(p);
	}
}

/* a file of 3 x 64 KiB + 1: several reads of digest_fd's buffer */
static void fd_digest_large(void **state)
{
	(void)state;
	size_t len = 3 * 65536 + 1;
	uint8_t *p = malloc(len);
	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131 + (i >> 8));
	char path[64], a1[DIGEST_SHA1_HEX], a256[DIGEST_SHA256_HEX], b1[DIGEST_SHA1_HEX],
		b256[DIGEST_SHA256_HEX];
	int fd = temp_file(p, len, path, sizeof(path));
	uint64_t size = 0;
	assert_int_equal(digest_fd(fd, a1, a256, &size), 0);
	assert_int_equal(size, len);
	static const size_t chunk = 777;
	struct digest d;
	assert_int_equal(digest_init(&d), 0);
	for (size_t off = 0; off < len; off += chunk)
		assert_int_equal(digest_update(&d, p + off, off + chunk > len ? len - off : chunk), 0);
	assert_int_equal(digest_final(&d, b1, b256), 0);
	assert_string_equal(a1, b1);
	assert_string_equal(a256, b256);
	close(fd);
	unlink(path);
	free(p);
}

/* digest_fd on what cannot be read: -1, nothing leaked */
static void fd_unreadable(void **state)
{
	(void)state;
	char sha1[DIGEST_SHA1_HEX], sha256[DIGEST_SHA256_HEX];
	assert_int_equal(digest_fd(-1, sha1, sha256, NULL), -1);
	int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(digest_fd(dfd, sha1, sha256, NULL), -1);
	close(dfd);
	char path[64];
	int fd = temp_file((const uint8_t *)"abc", 3, path, sizeof(path));
	int wfd = open(path, O_WRONLY);
	assert_true(wfd >= 0);
	assert_int_equal(digest_fd(wfd, sha1, sha256, NULL), -1);
	close(wfd);
	close(fd);
	unlink(path);
}

/* an abort after updates frees the writer (LeakSanitizer checks at exit);
 * aborting twice is harmless; after it, update and final fail */
static void abort_after_updates(void **state)
{
	(void)state;
	char sha1[DIGEST_SHA1_HEX], sha256[DIGEST_SHA256_HEX];
	for (int round = 0; round < 100; round++) {
		struct digest d;
		assert_int_equal(digest_init(&d), 0);
		for (int i = 0; i < 10; i++)
			assert_int_equal(digest_update(&d, "0123456789abcdef", 16), 0);
		assert_int_equal(d.bytes, 160);
		digest_abort(&d);
		assert_null(d.a);
		assert_null(d.e);
		digest_abort(&d);
		assert_int_equal(digest_update(&d, "x", 1), -1);
		assert_int_equal(digest_final(&d, sha1, sha256), -1);
	}
	struct digest d;
	assert_int_equal(digest_init(&d), 0);
	digest_abort(&d); /* no update at all */
}

/* after final the digest is spent: update and a second final fail */
static void final_ends_it(void **state)
{
	(void)state;
	struct digest d;
	char sha1[DIGEST_SHA1_HEX], sha256[DIGEST_SHA256_HEX];
	assert_int_equal(digest_init(&d), 0);
	assert_int_equal(digest_update(&d, "abc", 3), 0);
	assert_int_equal(digest_final(&d, sha1, sha256), 0);
	assert_null(d.a);
	assert_int_equal(digest_update(&d, "abc", 3), -1);
	assert_int_equal(digest_final(&d, sha1, sha256), -1);
	digest_abort(&d);
}

static void vectors_are_fips(void **state)
{
	(void)state;
	assert_int_equal(strlen(vectors[2].msg), 56);
	assert_int_equal(vectors[2].len, 56);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vectors_are_fips),
		cmocka_unit_test(one_piece),
		cmocka_unit_test(byte_by_byte),
		cmocka_unit_test(odd_chunks),
		cmocka_unit_test(empty_updates),
		cmocka_unit_test(interleaved),
		cmocka_unit_test(fd_digest),
		cmocka_unit_test(fd_digest_large),
		cmocka_unit_test(fd_unreadable),
		cmocka_unit_test(abort_after_updates),
		cmocka_unit_test(final_ends_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
