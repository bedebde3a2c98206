/* libFuzzer target for tftp_wire: parse any datagram; negotiate requests and
 * re-parse the OACK, clean their file names; rebuild every message that has a builder and re-parse it;
 * run the netascii codec over the input. Any inconsistency aborts.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *         -o /tmp/fuzz_tftp_wire fuzz/tftp_wire.c src/tftp_wire.c
 *   /tmp/fuzz_tftp_wire -max_len=2048 CORPUS_COPY   (seeds: fuzz/corpus/tftp_wire) */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tftp_wire.h"

#define CHECK(c)                                                                      \
	do {                                                                          \
		if (!(c)) {                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#c);                                                  \
			abort();                                                      \
		}                                                                     \
	} while (0)

static const struct tftp_limits limit_sets[] = {
	{TFTP_BLKSIZE_MAX, TFTP_WINDOW_MAX},
	{1428, 8},
	{TFTP_BLKSIZE_MIN, TFTP_WINDOW_MIN},
};
#define NLIMIT_SETS (sizeof(limit_sets) / sizeof(limit_sets[0]))

static uint8_t rebuilt[TFTP_MAX_PACKET + 64];

/* A parsed string must start inside the packet and end with a NUL inside it. */
static void check_string_inside(const char *s, const uint8_t *p, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	CHECK(u >= p && u < p + len);
	CHECK(memchr(u, 0, (size_t)(p + len - u)) != NULL);
}

static void check_msg_inside(const struct tftp_msg *m, const uint8_t *p, size_t len)
{
	switch (m->op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		check_string_inside(m->file, p, len);
		CHECK(m->file_len > 0 && strlen(m->file) == m->file_len);
		/* fall through */
	case TFTP_OACK:
		CHECK(m->nopts >= 0 && m->nopts <= TFTP_MAX_OPTS);
		for (int i = 0; i < m->nopts; i++) {
			check_string_inside(m->opts[i].name, p, len);
			check_string_inside(m->opts[i].value, p, len);
			CHECK(m->opts[i].name[0] != 0);
		}
		break;
	case TFTP_DATA:
		CHECK(m->data == p + 4 && m->data_len == len - 4);
		break;
	case TFTP_ACK:
		CHECK(m->trailing == len - 4);
		break;
	case TFTP_ERROR:
		check_string_inside(m->errmsg, p, len);
		CHECK(5 + strlen(m->errmsg) + m->trailing == len);
		break;
	}
	CHECK(m->trailing <= len);
}

/* The value the OACK must carry for an echoed option, or NULL if the name is unknown. */
static const char *oack_name(const char *name, const struct tftp_params *pp, uint64_t tsize,
			     unsigned long long *v)
{
	static const char *const known[] = {"blksize", "tsize", "timeout", "windowsize"};
	unsigned long long vals[] = {pp->blksize, tsize, pp->timeout, pp->windowsize};
	for (int k = 0; k < 4; k++) {
		if (strcasecmp(name, known[k]) == 0) {
			*v = vals[k];
			return known[k];
		}
	}
	return NULL;
}

static void check_params(const struct tftp_params *pp, const struct tftp_limits *lim)
{
	CHECK(pp->blksize == TFTP_DEFAULT_BLKSIZE ||
	      (pp->blksize >= TFTP_BLKSIZE_MIN && pp->blksize <= lim->max_blksize));
	CHECK(pp->windowsize >= TFTP_WINDOW_MIN && pp->windowsize <= lim->max_windowsize);
	CHECK(pp->timeout == 0 ||
	      (pp->timeout >= TFTP_TIMEOUT_MIN && pp->timeout <= TFTP_TIMEOUT_MAX));
}

/* Build the OACK for req under pp, re-parse it and check it carries exactly
 * the echoed options, in request order, with the final values. */
static void check_oack(const struct tftp_msg *req, const struct tftp_params *pp, uint64_t tsize)
{
	static uint8_t buf[1024];
	struct tftp_msg o;
	size_t len = tftp_build_oack(buf, sizeof(buf), req, pp, tsize);
	CHECK(len >= 2);
	CHECK(tftp_build_oack(buf, len - 1, req, pp, tsize) == 0);
	len = tftp_build_oack(buf, sizeof(buf), req, pp, tsize);
	CHECK(tftp_parse(buf, len, &o) == TFTP_PARSE_OK);
	CHECK(o.op == TFTP_OACK && o.trailing == 0);

	int k = 0, echoed = 0;
	for (int i = 0; i < req->nopts; i++) {
		if (!pp->echo[i])
			continue;
		echoed++;
		unsigned long long v;
		const char *name = oack_name(req->opts[i].name, pp, tsize, &v);
		CHECK(name != NULL);
		for (int j = 0; j < i; j++) /* at most one echo per option */
			CHECK(!pp->echo[j] || strcasecmp(req->opts[j].name, name) != 0);
		char want[24];
		snprintf(want, sizeof(want), "%llu", v);
		CHECK(k < o.nopts);
		CHECK(strcmp(o.opts[k].name, name) == 0);
		CHECK(strcmp(o.opts[k].value, want) == 0);
		k++;
	}
	CHECK(k == o.nopts);
	CHECK(pp->oack == (echoed > 0));
}

static void check_negotiation(const struct tftp_msg *req, size_t len)
{
	for (size_t l = 0; l < NLIMIT_SETS; l++) {
		struct tftp_params pp;
		char err[96];
		memset(err, 0x55, sizeof(err));
		int rc = tftp_negotiate(req, &limit_sets[l], &pp, err, sizeof(err));
		if (rc < 0) {
			CHECK(rc == -1);
			CHECK(memchr(err, 0, sizeof(err)) != NULL && err[0] != 0);
			continue;
		}
		CHECK(rc == 0);
		check_params(&pp, &limit_sets[l]);
		uint64_t tsize = l == 0 ? pp.tsize_value : l == 1 ? UINT64_MAX : (uint64_t)len;
		check_oack(req, &pp, tsize);
	}
}

/* A cleaned name is relative, '/'-separated, without empty, "." or ".."
 * components or control bytes, and cleaning it again changes nothing. */
static void check_name_clean(const struct tftp_msg *req)
{
	char out[TFTP_NAME_MAX + 1], again[TFTP_NAME_MAX + 1];
	const char *why = NULL;
	if (tftp_name_clean(req->file, req->file_len, out, sizeof(out), &why) < 0) {
		CHECK(why != NULL);
		return;
	}
	size_t n = strlen(out);
	CHECK(n > 0 && n <= req->file_len);
	CHECK(out[0] != '/' && out[n - 1] != '/' && strchr(out, '\\') == NULL);
	CHECK(strstr(out, "//") == NULL);
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
	for (const char *c = out;; c++) {
		size_t cl = strcspn(c, "/");
		CHECK(!(cl == 1 && c[0] == '.') && !(cl == 2 && c[0] == '.' && c[1] == '.'));
		c += cl;
		if (*c == 0)
			break;
	}
	CHECK(tftp_name_clean(out, n, again, sizeof(again), &why) == 0);
	CHECK(strcmp(out, again) == 0);
}

/* Equal bytes, letters compared without case (a mode may come as "OCTET"). */
static int mem_caseeq(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return 0;
	return 1;
}

static void check_same_opts(const struct tftp_msg *a, const struct tftp_msg *b)
{
	CHECK(a->nopts == b->nopts);
	for (int i = 0; i < a->nopts; i++) {
		CHECK(strcmp(a->opts[i].name, b->opts[i].name) == 0);
		CHECK(strcmp(a->opts[i].value, b->opts[i].value) == 0);
	}
}

/* Rebuild m with its builder; returns the length (0 if none applies). */
static size_t rebuild(const struct tftp_msg *m)
{
	size_t cap = sizeof(rebuilt), n = 0;
	switch (m->op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		n = tftp_build_request(rebuilt, cap, m->op, m->file, tftp_mode_name(m->mode),
				       m->opts, m->nopts);
		break;
	case TFTP_DATA:
		n = tftp_build_data_header(rebuilt, cap, m->block);
		CHECK(n == 4);
		memcpy(rebuilt + 4, m->data, m->data_len);
		n += m->data_len;
		break;
	case TFTP_ACK:
		n = tftp_build_ack(rebuilt, cap, m->block);
		break;
	case TFTP_ERROR:
		n = tftp_build_error(rebuilt, cap, m->errcode, m->errmsg);
		break;
	case TFTP_OACK:
		n = tftp_build_opts(rebuilt, cap, m->opts, m->nopts);
		break;
	}
	CHECK(n != 0);
	return n;
}

static void check_rebuild(const struct tftp_msg *m, const uint8_t *p, size_t len)
{
	struct tftp_msg r;
	size_t n = rebuild(m);
	/* the rebuilt packet is the original without trailing bytes or padding */
	CHECK(n <= len);
	if (m->op == TFTP_RRQ || m->op == TFTP_WRQ)
		CHECK(mem_caseeq(rebuilt, p, n));
	else
		CHECK(memcmp(rebuilt, p, n) == 0);
	CHECK(tftp_parse(rebuilt, n, &r) == TFTP_PARSE_OK);
	CHECK(r.op == m->op && r.trailing == 0);
	switch (m->op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		CHECK(r.file_len == m->file_len && memcmp(r.file, m->file, m->file_len) == 0);
		CHECK(r.mode == m->mode);
		check_same_opts(&r, m);
		break;
	case TFTP_OACK:
		check_same_opts(&r, m);
		break;
	case TFTP_DATA:
		CHECK(r.block == m->block && r.data_len == m->data_len);
		CHECK(memcmp(r.data, m->data, m->data_len) == 0);
		break;
	case TFTP_ACK:
		CHECK(r.block == m->block);
		break;
	case TFTP_ERROR:
		CHECK(r.errcode == m->errcode && strcmp(r.errmsg, m->errmsg) == 0);
		break;
	}
}

/* Encode in calls of at most in_step input and outcap output bytes, carrying
 * the owed byte between calls; the result must match the one-shot want. */
static void check_encode_in_steps(const uint8_t *in, size_t inlen, const uint8_t *want,
				  size_t wantlen, size_t in_step, size_t outcap)
{
	uint8_t *out = malloc(wantlen ? wantlen : 1);
	size_t off = 0, o = 0;
	int carry = -1;
	CHECK(out != NULL);
	while (off < inlen || carry >= 0) {
		size_t avail = inlen - off < in_step ? inlen - off : in_step;
		size_t room = wantlen - o < outcap ? wantlen - o : outcap;
		size_t used;
		CHECK(room > 0);
		size_t n = tftp_netascii_encode(in + off, avail, &used, out + o, room, &carry);
		CHECK(n > 0 && n <= room && used <= avail);
		off += used;
		o += n;
	}
	CHECK(o == wantlen && memcmp(out, want, wantlen) == 0);
	free(out);
}

/* Decode in as chunks split at cut (and again at cut2 >= cut); returns the length. */
static size_t decode_split(const uint8_t *in, size_t len, size_t cut, size_t cut2, uint8_t *out)
{
	int pending = 0;
	size_t o = tftp_netascii_decode(in, cut, out, cut + 1, &pending);
	o += tftp_netascii_decode(in + cut, cut2 - cut, out + o, cut2 - cut + 1, &pending);
	o += tftp_netascii_decode(in + cut2, len - cut2, out + o, len - cut2 + 1, &pending);
	if (pending)
		out[o++] = '\r';
	return o;
}

static void check_netascii(const uint8_t *in, size_t len)
{
	uint64_t esize = tftp_netascii_encoded_size(in, len);
	CHECK(esize >= len && esize <= 2 * (uint64_t)len);
	uint8_t *enc = malloc(esize ? esize : 1);
	uint8_t *dec = malloc(esize + 2);
	CHECK(enc != NULL && dec != NULL);

	size_t used;
	int carry = -1;
	size_t n = tftp_netascii_encode(in, len, &used, enc, esize, &carry);
	CHECK(n == esize && used == len && carry == -1);

	size_t step = len ? (size_t)in[0] % 7 + 1 : 1;
	check_encode_in_steps(in, len, enc, n, len + 1, 1);
	check_encode_in_steps(in, len, enc, n, 1, 2);
	check_encode_in_steps(in, len, enc, n, step, 3);
	check_encode_in_steps(in, len, enc, n, len + 1, step);

	/* decode(encode(x)) == x, whatever the chunking */
	size_t cut = len ? (size_t)in[len - 1] * 131 % (n + 1) : 0;
	size_t cut2 = cut + (n - cut) / 2;
	CHECK(decode_split(enc, n, cut, cut2, dec) == len && memcmp(dec, in, len) == 0);
	CHECK(decode_split(enc, n, 0, n, dec) == len && memcmp(dec, in, len) == 0);
	int pending = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += tftp_netascii_decode(enc + i, 1, dec + o, 2, &pending);
	CHECK(pending == 0 && o == len && memcmp(dec, in, len) == 0);

	/* any input (not only encoder output) decodes the same however it is cut */
	uint8_t *one = malloc(len + 2);
	CHECK(one != NULL);
	size_t l1 = decode_split(in, len, 0, len, one);
	CHECK(l1 <= len);
	cut = len ? (size_t)in[0] * 257 % (len + 1) : 0;
	CHECK(decode_split(in, len, cut, cut + (len - cut) / 3, dec) == l1);
	CHECK(memcmp(dec, one, l1) == 0);

	free(one);
	free(dec);
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tftp_msg m;
	enum tftp_parse_err e = tftp_parse(data, size, &m);
	CHECK(tftp_parse_strerror(e) != NULL);
	if (e == TFTP_PARSE_OK) {
		CHECK(m.op >= TFTP_RRQ && m.op <= TFTP_OACK);
		check_msg_inside(&m, data, size);
		if (m.op == TFTP_RRQ || m.op == TFTP_WRQ) {
			check_negotiation(&m, size);
			check_name_clean(&m);
		}
		check_rebuild(&m, data, size);
	}
	check_netascii(data, size);
	return 0;
}
