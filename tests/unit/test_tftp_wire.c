/* Unit tests for tftp_wire: packet parsing and building (RFC 1350, 2347, 2348,
 * 2349, 7440), option negotiation, and the netascii stream codec.
 * Packets are written as string literals; a literal is closed after every
 * "\0" that a digit follows, so "\0" "1" never becomes the octal "\01". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tftp_wire.h"

/* A literal packet as (pointer, length); the literal's own NUL is not part of it. */
#define LIT(s) (const uint8_t *)(s), (sizeof(s) - 1)

static const struct tftp_limits wide = {TFTP_BLKSIZE_MAX, TFTP_WINDOW_MAX};
static const struct tftp_limits tight = {1428, 8};

/* Deterministic data for the netascii tests: xorshift32, biased towards the
 * bytes netascii cares about (CR, LF, NUL). */
static uint32_t rng_state = 0x9e3779b9u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void fill_netascii_mix(uint8_t *buf, size_t n)
{
	static const uint8_t special[] = {'\r', '\n', 0, 'a'};
	for (size_t i = 0; i < n; i++) {
		uint32_t r = rng();
		buf[i] = (r & 1) ? special[(r >> 1) & 3] : (uint8_t)(r >> 8);
	}
}

static void assert_opt(const struct tftp_opt *o, const char *name, const char *value)
{
	assert_string_equal(o->name, name);
	assert_string_equal(o->value, value);
}

/* ---- parse/build round trips ---- */

static void rrq_without_options_round_trips(void **state)
{
	(void)state;
	static const char want[] = "\0\1SEPAABBCCDDEEFF.cnf.xml\0octet";
	uint8_t buf[64];
	struct tftp_msg m;

	size_t n = tftp_build_request(buf, sizeof(buf), TFTP_RRQ, "SEPAABBCCDDEEFF.cnf.xml",
				      "octet", NULL, 0);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tftp_parse(buf, n, &m), TFTP_PARSE_OK);
	assert_int_equal(m.op, TFTP_RRQ);
	assert_string_equal(m.file, "SEPAABBCCDDEEFF.cnf.xml");
	assert_int_equal(m.file_len, strlen("SEPAABBCCDDEEFF.cnf.xml"));
	assert_ptr_equal(m.file, (const char *)buf + 2);
	assert_int_equal(m.mode, TFTP_MODE_OCTET);
	assert_int_equal(m.nopts, 0);
	assert_int_equal(m.trailing, 0);
}

static void rrq_with_options_round_trips(void **state)
{
	(void)state;
	static const char want[] = "\0\1term06.default.loads\0octet\0blksize\0"
				   "1428\0tsize\0"
				   "0\0timeout\0"
				   "3\0windowsize\0"
				   "8";
	const struct tftp_opt opts[] = {
		{"blksize", "1428"}, {"tsize", "0"}, {"timeout", "3"}, {"windowsize", "8"}};
	uint8_t buf[128];
	struct tftp_msg m;

	size_t n = tftp_build_request(buf, sizeof(buf), TFTP_RRQ, "term06.default.loads", "octet",
				      opts, 4);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tftp_parse(buf, n, &m), TFTP_PARSE_OK);
	assert_int_equal(m.op, TFTP_RRQ);
	assert_string_equal(m.file, "term06.default.loads");
	assert_int_equal(m.mode, TFTP_MODE_OCTET);
	assert_int_equal(m.nopts, 4);
	for (int i = 0; i < 4; i++)
		assert_opt(&m.opts[i], opts[i].name, opts[i].value);
	assert_int_equal(m.trailing, 0);
}

static void wrq_without_options_round_trips(void **state)
{
	(void)state;
	static const char want[] = "\0\2log.txt\0netascii";
	uint8_t buf[64];
	struct tftp_msg m;

	size_t n = tftp_build_request(buf, sizeof(buf), TFTP_WRQ, "log.txt", "netascii", NULL, 0);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tftp_parse(buf, n, &m), TFTP_PARSE_OK);
	assert_int_equal(m.op, TFTP_WRQ);
	assert_string_equal(m.file, "log.txt");
	assert_int_equal(m.file_len, 7);
	assert_int_equal(m.mode, TFTP_MODE_NETASCII);
	assert_int_equal(m.nopts, 0);
	assert_int_equal(m.trailing, 0);
}

static void wrq_with_options_round_trips(void **state)
{
	(void)state;
	const struct tftp_opt opts[] = {{"tsize", "123456"}, {"blksize", "512"}};
	uint8_t buf[64];
	struct tftp_msg m;

	size_t n = tftp_build_request(buf, sizeof(buf), TFTP_WRQ, "upload.bin", "octet", opts, 2);
	assert_int_equal(n, 2 + 11 + 6 + 6 + 7 + 8 + 4);
	assert_int_equal(tftp_parse(buf, n, &m), TFTP_PARSE_OK);
	assert_int_equal(m.op, TFTP_WRQ);
	assert_string_equal(m.file, "upload.bin");
	assert_int_equal(m.mode, TFTP_MODE_OCTET);
	assert_int_equal(m.nopts, 2);
	assert_opt(&m.opts[0], "tsize", "123456");
	assert_opt(&m.opts[1], "blksize", "512");
	assert_int_equal(m.trailing, 0);
}

static void data_with_0_1_and_512_byte_payloads_round_trips(void **state)
{
	(void)state;
	static const size_t sizes[] = {0, 1, 512};
	uint8_t buf[4 + 512];
	struct tftp_msg m;

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint16_t block = (uint16_t)(s == 2 ? 65535 : s + 1);
		assert_int_equal(tftp_build_data_header(buf, sizeof(buf), block), 4);
		for (size_t i = 0; i < sizes[s]; i++)
			buf[4 + i] = (uint8_t)(i * 7 + s);
		assert_int_equal(tftp_parse(buf, 4 + sizes[s], &m), TFTP_PARSE_OK);
		assert_int_equal(m.op, TFTP_DATA);
		assert_int_equal(m.block, block);
		assert_int_equal(m.data_len, sizes[s]);
		assert_ptr_equal(m.data, buf + 4);
		assert_int_equal(m.trailing, 0);
	}
	assert_memory_equal(buf, "\0\3\377\377", 4);
}

static void ack_round_trips_for_block_0_1_and_65535(void **state)
{
	(void)state;
	static const uint16_t blocks[] = {0, 1, 65535};
	uint8_t buf[4];
	struct tftp_msg m;

	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(tftp_build_ack(buf, sizeof(buf), blocks[i]), 4);
		assert_int_equal(tftp_parse(buf, 4, &m), TFTP_PARSE_OK);
		assert_int_equal(m.op, TFTP_ACK);
		assert_int_equal(m.block, blocks[i]);
		assert_int_equal(m.trailing, 0);
	}
	assert_memory_equal(buf, "\0\4\377\377", 4);
}

static void error_round_trips_with_code_and_message(void **state)
{
	(void)state;
	static const char want[] = "\0\5\0\1File not found";
	uint8_t buf[64];
	struct tftp_msg m;

	size_t n = tftp_build_error(buf, sizeof(buf), TFTP_ENOTFOUND, "File not found");
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tftp_parse(buf, n, &m), TFTP_PARSE_OK);
	assert_int_equal(m.op, TFTP_ERROR);
	assert_int_equal(m.errcode, TFTP_ENOTFOUND);
	assert_string_equal(m.errmsg, "File not found");
	assert_int_equal(m.trailing, 0);
}

static void error_with_empty_message_round_trips(void **state)
{
	(void)state;
	uint8_t buf[8];
	struct tftp_msg m;

	size_t n = tftp_build_error(buf, sizeof(buf), TFTP_EOPTNEG, "");
	assert_int_equal(n, 5);
	assert_int_equal(tftp_parse(buf, n, &m), TFTP_PARSE_OK);
	assert_int_equal(m.errcode, TFTP_EOPTNEG);
	assert_string_equal(m.errmsg, "");
}

static void oack_round_trips(void **state)
{
	(void)state;
	static const char want[] = "\0\6blksize\0"
				   "1428\0tsize\0"
				   "4096";
	const struct tftp_opt opts[] = {{"blksize", "1428"}, {"tsize", "4096"}};
	uint8_t buf[64];
	struct tftp_msg m;

	size_t n = tftp_build_opts(buf, sizeof(buf), opts, 2);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tftp_parse(buf, n, &m), TFTP_PARSE_OK);
	assert_int_equal(m.op, TFTP_OACK);
	assert_int_equal(m.nopts, 2);
	assert_opt(&m.opts[0], "blksize", "1428");
	assert_opt(&m.opts[1], "tsize", "4096");
	assert_int_equal(m.trailing, 0);
}

/* ---- malformed packets ---- */

static void empty_packet_is_short(void **state)
{
	(void)state;
	struct tftp_msg m;
	uint8_t b = 0;
	assert_int_equal(tftp_parse(&b, 0, &m), TFTP_PARSE_SHORT);
}

static void one_byte_packet_is_short(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0"), &m), TFTP_PARSE_SHORT);
	assert_int_equal(tftp_parse(LIT("\1"), &m), TFTP_PARSE_SHORT);
}

static void opcodes_0_7_and_ffff_are_badop(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\0f\0octet"), &m), TFTP_PARSE_BADOP);
	assert_int_equal(tftp_parse(LIT("\0\7f\0octet"), &m), TFTP_PARSE_BADOP);
	assert_int_equal(tftp_parse(LIT("\377\377f\0octet"), &m), TFTP_PARSE_BADOP);
	/* opcode 0x0101: the high byte counts */
	assert_int_equal(tftp_parse(LIT("\1\1f\0octet"), &m), TFTP_PARSE_BADOP);
}

static void request_without_nul_after_filename_is_nonul(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\1SEP001122334455.cnf.xml"), &m), TFTP_PARSE_NONUL);
	assert_int_equal(tftp_parse(LIT("\0\2x"), &m), TFTP_PARSE_NONUL);
}

static void request_with_only_an_opcode_is_refused(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_not_equal(tftp_parse(LIT("\0\1"), &m), TFTP_PARSE_OK);
}

static void request_with_empty_filename_is_nofile(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\1\0octet"), &m), TFTP_PARSE_NOFILE);
	assert_int_equal(tftp_parse(LIT("\0\2\0"), &m), TFTP_PARSE_NOFILE);
}

static void request_without_mode_is_nomode(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\1file\0"), &m), TFTP_PARSE_NOMODE);
	assert_int_equal(tftp_parse(LIT("\0\1file\0\0"), &m), TFTP_PARSE_NOMODE);
	assert_int_equal(tftp_parse(LIT("\0\2file\0\0\0"), &m), TFTP_PARSE_NOMODE);
}

static void request_with_unterminated_mode_is_nonul(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\1file\0octet"), &m), TFTP_PARSE_NONUL);
	assert_int_equal(tftp_parse(LIT("\0\1file\0o"), &m), TFTP_PARSE_NONUL);
}

static void unknown_mode_binary_is_badmode(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\1file\0binary\0"), &m), TFTP_PARSE_BADMODE);
	/* a prefix of a known mode is not that mode */
	assert_int_equal(tftp_parse(LIT("\0\1file\0oct\0"), &m), TFTP_PARSE_BADMODE);
	assert_int_equal(tftp_parse(LIT("\0\1file\0octets\0"), &m), TFTP_PARSE_BADMODE);
}

static void mode_names_ignore_case(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\1file\0OCTET\0"), &m), TFTP_PARSE_OK);
	assert_int_equal(m.mode, TFTP_MODE_OCTET);
	assert_int_equal(tftp_parse(LIT("\0\1file\0NetAscii\0"), &m), TFTP_PARSE_OK);
	assert_int_equal(m.mode, TFTP_MODE_NETASCII);
	assert_int_equal(tftp_parse(LIT("\0\2file\0MAIL\0"), &m), TFTP_PARSE_OK);
	assert_int_equal(m.mode, TFTP_MODE_MAIL);
}

static void mail_mode_parses_as_mail(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\2root\0mail\0"), &m), TFTP_PARSE_OK);
	assert_int_equal(m.op, TFTP_WRQ);
	assert_int_equal(m.mode, TFTP_MODE_MAIL);
}

/* Builds a request carrying n options o0=v0 ... and parses it. */
static enum tftp_parse_err parse_request_with_n_options(int n, struct tftp_msg *m, uint8_t *buf,
							 size_t cap)
{
	static char names[TFTP_MAX_OPTS + 1][16], values[TFTP_MAX_OPTS + 1][16];
	struct tftp_opt opts[TFTP_MAX_OPTS + 1];
	for (int i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "o%d", i);
		snprintf(values[i], sizeof(values[i]), "v%d", i);
		opts[i].name = names[i];
		opts[i].value = values[i];
	}
	size_t len = tftp_build_request(buf, cap, TFTP_RRQ, "f", "octet", opts, n);
	assert_int_not_equal(len, 0);
	return tftp_parse(buf, len, m);
}

static void sixteen_options_are_accepted(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct tftp_msg m;
	assert_int_equal(parse_request_with_n_options(TFTP_MAX_OPTS, &m, buf, sizeof(buf)),
			 TFTP_PARSE_OK);
	assert_int_equal(m.nopts, TFTP_MAX_OPTS);
	assert_opt(&m.opts[15], "o15", "v15");
}

static void seventeen_options_are_toomany(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct tftp_msg m;
	assert_int_equal(parse_request_with_n_options(TFTP_MAX_OPTS + 1, &m, buf, sizeof(buf)),
			 TFTP_PARSE_TOOMANY);
}

static void oack_with_seventeen_options_is_toomany(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct tftp_msg m;
	size_t n = 2;
	memcpy(buf, "\0\6", 2);
	for (int i = 0; i <= TFTP_MAX_OPTS; i++) {
		memcpy(buf + n, "a\0b", 4);
		n += 4;
	}
	assert_int_equal(tftp_parse(buf, n, &m), TFTP_PARSE_TOOMANY);
}

static void unterminated_last_option_is_trailing_and_complete_options_are_kept(void **state)
{
	(void)state;
	struct tftp_msg m;
	/* the last name has no NUL */
	assert_int_equal(tftp_parse(LIT("\0\1f\0octet\0blksize\0"
					"1024\0tsi"),
				    &m),
			 TFTP_PARSE_OK);
	assert_int_equal(m.nopts, 1);
	assert_opt(&m.opts[0], "blksize", "1024");
	assert_int_equal(m.trailing, 3);
	/* the last value has no NUL */
	assert_int_equal(tftp_parse(LIT("\0\1f\0octet\0blksize\0"
					"1024\0tsize\0"
					"12"),
				    &m),
			 TFTP_PARSE_OK);
	assert_int_equal(m.nopts, 1);
	assert_opt(&m.opts[0], "blksize", "1024");
	assert_int_equal(m.trailing, 8);
	/* a name with no value at all */
	assert_int_equal(tftp_parse(LIT("\0\1f\0octet\0blksize\0"
					"1024\0tsize\0"),
				    &m),
			 TFTP_PARSE_OK);
	assert_int_equal(m.nopts, 1);
	assert_int_equal(m.trailing, 6);
}

static void nul_padding_after_options_is_not_trailing(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\1f\0octet\0blksize\0"
					"1024\0\0\0\0"),
				    &m),
			 TFTP_PARSE_OK);
	assert_int_equal(m.nopts, 1);
	assert_opt(&m.opts[0], "blksize", "1024");
	assert_int_equal(m.trailing, 0);
	/* padding straight after the mode */
	assert_int_equal(tftp_parse(LIT("\0\1f\0octet\0\0\0"), &m), TFTP_PARSE_OK);
	assert_int_equal(m.nopts, 0);
	assert_int_equal(m.trailing, 0);
}

static void bytes_after_nul_padding_are_trailing(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\1f\0octet\0tsize\0"
					"0\0\0\0xyz"),
				    &m),
			 TFTP_PARSE_OK);
	assert_int_equal(m.nopts, 1);
	assert_int_equal(m.trailing, 3);
}

static void option_with_empty_value_is_kept(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\1f\0octet\0blksize\0\0"), &m), TFTP_PARSE_OK);
	assert_int_equal(m.nopts, 1);
	assert_opt(&m.opts[0], "blksize", "");
}

static void ack_shorter_than_4_bytes_is_short(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\4"), &m), TFTP_PARSE_SHORT);
	assert_int_equal(tftp_parse(LIT("\0\4\0"), &m), TFTP_PARSE_SHORT);
}

static void ack_with_padding_notes_trailing(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\4\0\1\0\0\0"), &m), TFTP_PARSE_OK);
	assert_int_equal(m.op, TFTP_ACK);
	assert_int_equal(m.block, 1);
	assert_int_equal(m.trailing, 3);
}

static void data_shorter_than_4_bytes_is_short(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\3"), &m), TFTP_PARSE_SHORT);
	assert_int_equal(tftp_parse(LIT("\0\3\0"), &m), TFTP_PARSE_SHORT);
}

static void error_without_nul_is_nonul(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\5\0\1File not found"), &m), TFTP_PARSE_NONUL);
	assert_int_equal(tftp_parse(LIT("\0\5\0\1x"), &m), TFTP_PARSE_NONUL);
}

static void error_shorter_than_5_bytes_is_short(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\5\0\1"), &m), TFTP_PARSE_SHORT);
	assert_int_equal(tftp_parse(LIT("\0\5\0"), &m), TFTP_PARSE_SHORT);
}

static void error_with_bytes_after_message_notes_trailing(void **state)
{
	(void)state;
	struct tftp_msg m;
	assert_int_equal(tftp_parse(LIT("\0\5\0\2denied\0junk"), &m), TFTP_PARSE_OK);
	assert_int_equal(m.errcode, TFTP_EACCESS);
	assert_string_equal(m.errmsg, "denied");
	assert_int_equal(m.trailing, 4);
}

static void packet_longer_than_max_is_toolong(void **state)
{
	(void)state;
	struct tftp_msg m;
	uint8_t *buf = calloc(1, TFTP_MAX_PACKET + 1);
	assert_non_null(buf);
	assert_int_equal(tftp_build_data_header(buf, TFTP_MAX_PACKET + 1, 1), 4);
	assert_int_equal(tftp_parse(buf, TFTP_MAX_PACKET + 1, &m), TFTP_PARSE_TOOLONG);
	/* the largest DATA (blksize 65464) still parses */
	assert_int_equal(tftp_parse(buf, TFTP_MAX_PACKET, &m), TFTP_PARSE_OK);
	assert_int_equal(m.data_len, TFTP_BLKSIZE_MAX);
	free(buf);
}

static void every_parse_result_has_a_distinct_text(void **state)
{
	(void)state;
	for (int a = TFTP_PARSE_OK; a <= TFTP_PARSE_TOOLONG; a++) {
		const char *ta = tftp_parse_strerror((enum tftp_parse_err)a);
		assert_non_null(ta);
		assert_string_not_equal(ta, "?");
		for (int b = a + 1; b <= TFTP_PARSE_TOOLONG; b++)
			assert_string_not_equal(ta, tftp_parse_strerror((enum tftp_parse_err)b));
	}
}

static void mode_names_are_the_wire_names(void **state)
{
	(void)state;
	assert_string_equal(tftp_mode_name(TFTP_MODE_OCTET), "octet");
	assert_string_equal(tftp_mode_name(TFTP_MODE_NETASCII), "netascii");
	assert_string_equal(tftp_mode_name(TFTP_MODE_MAIL), "mail");
}

/* ---- negotiation ---- */

struct neg {
	uint8_t pkt[1024];
	struct tftp_msg msg;
	struct tftp_params pp;
	char err[128];
	int rc;
};

/* Builds a request with the given name, value, ..., NULL options, parses it and
 * negotiates it under lim. */
static void negotiate(struct neg *n, enum tftp_opcode op, const struct tftp_limits *lim, ...)
{
	struct tftp_opt opts[TFTP_MAX_OPTS];
	int nopts = 0;
	va_list ap;
	va_start(ap, lim);
	for (const char *name; (name = va_arg(ap, const char *)) != NULL; nopts++) {
		assert_true(nopts < TFTP_MAX_OPTS);
		opts[nopts].name = name;
		opts[nopts].value = va_arg(ap, const char *);
	}
	va_end(ap);
	size_t len = tftp_build_request(n->pkt, sizeof(n->pkt), op, "f", "octet", opts, nopts);
	assert_int_not_equal(len, 0);
	assert_int_equal(tftp_parse(n->pkt, len, &n->msg), TFTP_PARSE_OK);
	assert_int_equal(n->msg.nopts, nopts);
	memset(n->err, 0, sizeof(n->err));
	n->rc = tftp_negotiate(&n->msg, lim, &n->pp, n->err, sizeof(n->err));
}

static void assert_refused_naming(const struct neg *n, const char *opt)
{
	assert_int_equal(n->rc, -1);
	assert_non_null(strstr(n->err, opt));
}

static void request_without_options_gets_defaults_and_no_oack(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &wide, NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.blksize, TFTP_DEFAULT_BLKSIZE);
	assert_int_equal(n.pp.windowsize, 1);
	assert_int_equal(n.pp.timeout, 0);
	assert_int_equal(n.pp.tsize_asked, 0);
	assert_int_equal(n.pp.oack, 0);
}

static void blksize_7_is_refused_naming_blksize(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &wide, "blksize", "7", NULL);
	assert_refused_naming(&n, "blksize");
}

static void blksize_65465_is_refused_naming_blksize(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &wide, "blksize", "65465", NULL);
	assert_refused_naming(&n, "blksize");
}

static void blksize_8_and_65464_are_accepted(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &wide, "blksize", "8", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.blksize, 8);
	assert_int_equal(n.pp.echo[0], 1);
	assert_int_equal(n.pp.oack, 1);
	negotiate(&n, TFTP_RRQ, &wide, "blksize", "65464", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.blksize, 65464);
	assert_int_equal(n.pp.echo[0], 1);
}

static void blksize_above_max_blksize_is_lowered_to_the_ceiling(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &tight, "blksize", "8192", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.blksize, tight.max_blksize);
	assert_int_equal(n.pp.echo[0], 1);
	/* below the ceiling it stays as asked */
	negotiate(&n, TFTP_RRQ, &tight, "blksize", "1024", NULL);
	assert_int_equal(n.pp.blksize, 1024);
}

static void non_numeric_empty_negative_and_huge_values_are_refused(void **state)
{
	(void)state;
	static const char *const names[] = {"blksize", "tsize", "timeout", "windowsize"};
	static const char *const bad[] = {
		"abc", "", "-1", "99999999999999999999", " 512", "512 ", "+512", "5x", "0x10",
	};
	struct neg n;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			negotiate(&n, TFTP_RRQ, &wide, names[i], bad[j], NULL);
			assert_refused_naming(&n, names[i]);
		}
	}
}

static void timeout_0_and_256_are_refused(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &wide, "timeout", "0", NULL);
	assert_refused_naming(&n, "timeout");
	negotiate(&n, TFTP_RRQ, &wide, "timeout", "256", NULL);
	assert_refused_naming(&n, "timeout");
}

static void timeout_1_and_255_are_accepted(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &wide, "timeout", "1", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.timeout, 1);
	assert_int_equal(n.pp.echo[0], 1);
	negotiate(&n, TFTP_RRQ, &wide, "timeout", "255", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.timeout, 255);
}

static void windowsize_0_is_refused(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &wide, "windowsize", "0", NULL);
	assert_refused_naming(&n, "windowsize");
	negotiate(&n, TFTP_RRQ, &wide, "windowsize", "65536", NULL);
	assert_refused_naming(&n, "windowsize");
}

static void windowsize_65535_is_accepted_and_lowered_to_max_windowsize(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &tight, "windowsize", "65535", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.windowsize, tight.max_windowsize);
	assert_int_equal(n.pp.echo[0], 1);
	negotiate(&n, TFTP_RRQ, &wide, "windowsize", "65535", NULL);
	assert_int_equal(n.pp.windowsize, 65535);
	negotiate(&n, TFTP_RRQ, &tight, "windowsize", "4", NULL);
	assert_int_equal(n.pp.windowsize, 4);
}

static void tsize_is_recorded(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &wide, "tsize", "0", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.tsize_asked, 1);
	assert_int_equal(n.pp.tsize_value, 0);
	assert_int_equal(n.pp.echo[0], 1);
	negotiate(&n, TFTP_WRQ, &wide, "tsize", "18446744073709551615", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.tsize_asked, 1);
	assert_true(n.pp.tsize_value == UINT64_MAX);
}

static void tsize_one_past_uint64_max_is_refused(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_WRQ, &wide, "tsize", "18446744073709551616", NULL);
	assert_refused_naming(&n, "tsize");
	negotiate(&n, TFTP_WRQ, &wide, "tsize", "18446744073709551620", NULL);
	assert_refused_naming(&n, "tsize");
}

static void unknown_options_are_ignored_and_not_echoed(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &wide, "multicast", "", "utimeout", "abc", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.oack, 0);
	assert_int_equal(n.pp.echo[0], 0);
	assert_int_equal(n.pp.echo[1], 0);
	negotiate(&n, TFTP_RRQ, &wide, "rollover", "0", "blksize", "1024", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.oack, 1);
	assert_int_equal(n.pp.echo[0], 0);
	assert_int_equal(n.pp.echo[1], 1);
}

static void repeated_option_first_one_wins(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &wide, "blksize", "1024", "blksize", "2048", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.blksize, 1024);
	assert_int_equal(n.pp.echo[0], 1);
	assert_int_equal(n.pp.echo[1], 0);
	/* the repeat is not looked at, so a bad value there is not a refusal */
	negotiate(&n, TFTP_RRQ, &wide, "timeout", "5", "TIMEOUT", "0", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.timeout, 5);
	assert_int_equal(n.pp.echo[1], 0);
}

static void option_names_ignore_case(void **state)
{
	(void)state;
	struct neg n;
	negotiate(&n, TFTP_RRQ, &wide, "BlkSize", "1024", "TSIZE", "0", "TimeOut", "2",
		  "WINDOWSIZE", "4", NULL);
	assert_int_equal(n.rc, 0);
	assert_int_equal(n.pp.blksize, 1024);
	assert_int_equal(n.pp.tsize_asked, 1);
	assert_int_equal(n.pp.timeout, 2);
	assert_int_equal(n.pp.windowsize, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(n.pp.echo[i], 1);
}

static void oack_echoes_accepted_options_in_request_order_with_final_values(void **state)
{
	(void)state;
	static const char want[] = "\0\6windowsize\0"
				   "8\0blksize\0"
				   "1428\0tsize\0"
				   "4242\0timeout\0"
				   "5";
	struct neg n;
	uint8_t buf[128];
	struct tftp_msg o;

	negotiate(&n, TFTP_RRQ, &tight, "foo", "bar", "WindowSize", "64", "BLKSIZE", "9000",
		  "blksize", "512", "tsize", "0", "timeout", "5", NULL);
	assert_int_equal(n.rc, 0);
	size_t len = tftp_build_oack(buf, sizeof(buf), &n.msg, &n.pp, 4242);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tftp_parse(buf, len, &o), TFTP_PARSE_OK);
	assert_int_equal(o.op, TFTP_OACK);
	assert_int_equal(o.nopts, 4);
}

/* ---- builders and small buffers ---- */

/* Each builder gets a heap buffer of exactly cap bytes, so ASan sees any write past it. */

static void build_request_returns_0_when_one_byte_short(void **state)
{
	(void)state;
	const struct tftp_opt opts[] = {{"blksize", "1428"}, {"tsize", "0"}};
	uint8_t full[128];
	for (int nopts = 0; nopts <= 2; nopts++) {
		size_t need = tftp_build_request(full, sizeof(full), TFTP_RRQ, "SEP.cnf.xml", "octet",
						 opts, nopts);
		assert_int_not_equal(need, 0);
		for (size_t cap = 0; cap < need; cap++) {
			uint8_t *buf = malloc(cap ? cap : 1);
			assert_int_equal(tftp_build_request(buf, cap, TFTP_RRQ, "SEP.cnf.xml", "octet",
							    opts, nopts),
					 0);
			free(buf);
		}
		uint8_t *buf = malloc(need);
		assert_int_equal(
			tftp_build_request(buf, need, TFTP_RRQ, "SEP.cnf.xml", "octet", opts, nopts),
			need);
		assert_memory_equal(buf, full, need);
		free(buf);
	}
}

static void build_request_refuses_opcodes_other_than_rrq_and_wrq(void **state)
{
	(void)state;
	uint8_t buf[64];
	assert_int_equal(tftp_build_request(buf, sizeof(buf), TFTP_DATA, "f", "octet", NULL, 0), 0);
	assert_int_equal(tftp_build_request(buf, sizeof(buf), TFTP_OACK, "f", "octet", NULL, 0), 0);
}

static void build_opts_returns_0_when_one_byte_short(void **state)
{
	(void)state;
	const struct tftp_opt opts[] = {{"blksize", "1428"}, {"tsize", "123"}};
	uint8_t full[64];
	size_t need = tftp_build_opts(full, sizeof(full), opts, 2);
	assert_int_equal(need, 2 + 8 + 5 + 6 + 4);
	uint8_t *buf = malloc(need - 1);
	assert_int_equal(tftp_build_opts(buf, need - 1, opts, 2), 0);
	free(buf);
	assert_int_equal(tftp_build_opts(full, 1, opts, 2), 0);
}

static void build_oack_returns_0_when_one_byte_short(void **state)
{
	(void)state;
	struct neg n;
	uint8_t full[64];
	negotiate(&n, TFTP_RRQ, &wide, "blksize", "1428", "tsize", "0", NULL);
	size_t need = tftp_build_oack(full, sizeof(full), &n.msg, &n.pp, 99);
	assert_int_equal(need, 2 + 8 + 5 + 6 + 3);
	uint8_t *buf = malloc(need - 1);
	assert_int_equal(tftp_build_oack(buf, need - 1, &n.msg, &n.pp, 99), 0);
	free(buf);
}

static void build_error_returns_0_below_5_bytes(void **state)
{
	(void)state;
	uint8_t *buf = malloc(4);
	assert_int_equal(tftp_build_error(buf, 4, TFTP_EUNDEF, "x"), 0);
	assert_int_equal(tftp_build_error(buf, 0, TFTP_EUNDEF, ""), 0);
	free(buf);
}

static void build_error_truncates_a_long_message_but_keeps_the_nul(void **state)
{
	(void)state;
	struct tftp_msg m;
	const char *msg = "File not found";
	size_t full = 4 + strlen(msg) + 1;
	/* one byte short: the message loses its last character, not its NUL */
	uint8_t *buf = malloc(full - 1);
	size_t n = tftp_build_error(buf, full - 1, TFTP_ENOTFOUND, msg);
	assert_int_equal(n, full - 1);
	assert_int_equal(buf[n - 1], 0);
	assert_int_equal(tftp_parse(buf, n, &m), TFTP_PARSE_OK);
	assert_string_equal(m.errmsg, "File not foun");
	free(buf);
	/* the smallest buffer keeps only the NUL */
	buf = malloc(5);
	assert_int_equal(tftp_build_error(buf, 5, TFTP_ENOTFOUND, msg), 5);
	assert_int_equal(tftp_parse(buf, 5, &m), TFTP_PARSE_OK);
	assert_string_equal(m.errmsg, "");
	assert_int_equal(m.errcode, TFTP_ENOTFOUND);
	free(buf);
}

static void build_ack_returns_0_when_one_byte_short(void **state)
{
	(void)state;
	uint8_t *buf = malloc(3);
	assert_int_equal(tftp_build_ack(buf, 3, 1), 0);
	free(buf);
}

static void build_data_header_returns_0_when_one_byte_short(void **state)
{
	(void)state;
	uint8_t *buf = malloc(3);
	assert_int_equal(tftp_build_data_header(buf, 3, 1), 0);
	free(buf);
}

/* ---- netascii ---- */

static size_t encode_all(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap)
{
	size_t used;
	int carry = -1;
	size_t n = tftp_netascii_encode(in, inlen, &used, out, outcap, &carry);
	assert_int_equal(used, inlen);
	assert_int_equal(carry, -1);
	return n;
}

static void encode_turns_lf_into_cr_lf(void **state)
{
	(void)state;
	uint8_t out[16];
	size_t n = encode_all(LIT("a\nb\n"), out, sizeof(out));
	assert_int_equal(n, 6);
	assert_memory_equal(out, "a\r\nb\r\n", 6);
}

static void encode_turns_cr_into_cr_nul(void **state)
{
	(void)state;
	uint8_t out[16];
	size_t n = encode_all(LIT("a\rb\r"), out, sizeof(out));
	assert_int_equal(n, 6);
	assert_memory_equal(out, "a\r\0b\r\0", 6);
}

static void encode_passes_other_bytes_through(void **state)
{
	(void)state;
	uint8_t out[16];
	size_t n = encode_all(LIT("x\0\t\377"), out, sizeof(out));
	assert_int_equal(n, 4);
	assert_memory_equal(out, "x\0\t\377", 4);
}

static void encode_carries_the_byte_after_cr_into_the_next_call(void **state)
{
	(void)state;
	uint8_t out[4];
	size_t used;
	int carry = -1;
	assert_int_equal(tftp_netascii_encode(LIT("\n"), &used, out, 1, &carry), 1);
	assert_int_equal(used, 1);
	assert_int_equal(out[0], '\r');
	assert_int_equal(carry, '\n');
	/* the owed LF goes out even with no input left */
	assert_int_equal(tftp_netascii_encode(NULL, 0, &used, out, 1, &carry), 1);
	assert_int_equal(used, 0);
	assert_int_equal(out[0], '\n');
	assert_int_equal(carry, -1);
	/* and the NUL owed after a CR */
	assert_int_equal(tftp_netascii_encode(LIT("\rz"), &used, out, 1, &carry), 1);
	assert_int_equal(used, 1);
	assert_int_equal(carry, 0);
	assert_int_equal(tftp_netascii_encode(LIT("z"), &used, out, 4, &carry), 2);
	assert_memory_equal(out, "\0z", 2);
	assert_int_equal(carry, -1);
}

static void encode_with_zero_output_room_takes_nothing(void **state)
{
	(void)state;
	uint8_t out[1];
	size_t used = 99;
	int carry = '\n';
	assert_int_equal(tftp_netascii_encode(LIT("abc"), &used, out, 0, &carry), 0);
	assert_int_equal(used, 0);
	assert_int_equal(carry, '\n');
}

static void encode_stops_when_output_is_full_and_reports_input_used(void **state)
{
	(void)state;
	uint8_t out[3];
	size_t used;
	int carry = -1;
	assert_int_equal(tftp_netascii_encode(LIT("ab\ncd"), &used, out, 3, &carry), 3);
	assert_memory_equal(out, "ab\r", 3);
	assert_int_equal(used, 3);
	assert_int_equal(carry, '\n');
}

/* Encodes in calls of at most outcap output bytes, feeding the rest of the
 * input each time, until input and carry are both drained. */
static size_t encode_in_steps(const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
			      size_t outcap)
{
	size_t off = 0, o = 0;
	int carry = -1;
	while (off < inlen || carry >= 0) {
		size_t used;
		size_t room = cap - o < outcap ? cap - o : outcap;
		assert_true(room > 0);
		size_t n = tftp_netascii_encode(in + off, inlen - off, &used, out + o, room, &carry);
		assert_int_not_equal(n, 0);
		off += used;
		o += n;
	}
	return o;
}

static void encode_one_byte_at_a_time_matches_one_shot(void **state)
{
	(void)state;
	static const char fixed[] = "\r\n\n\r\rx\0\n\r";
	uint8_t in[700], one[1400], step[1400];

	size_t n1 = encode_all(LIT(fixed), one, sizeof(one));
	assert_int_equal(encode_in_steps(LIT(fixed), step, sizeof(step), 1), n1);
	assert_memory_equal(one, step, n1);

	for (int round = 0; round < 20; round++) {
		size_t len = rng() % sizeof(in);
		fill_netascii_mix(in, len);
		n1 = encode_all(in, len, one, sizeof(one));
		for (size_t outcap = 1; outcap <= 3; outcap++) {
			assert_int_equal(encode_in_steps(in, len, step, sizeof(step), outcap), n1);
			assert_memory_equal(one, step, n1);
		}
	}
}

static void encoded_size_matches_encode_output_length(void **state)
{
	(void)state;
	uint8_t in[600], out[1200];
	assert_int_equal(tftp_netascii_encoded_size(NULL, 0), 0);
	assert_int_equal(tftp_netascii_encoded_size(LIT("\r\n")), 4);
	for (int round = 0; round < 50; round++) {
		size_t len = rng() % sizeof(in);
		fill_netascii_mix(in, len);
		size_t n = encode_all(in, len, out, sizeof(out));
		assert_int_equal(tftp_netascii_encoded_size(in, len), n);
	}
}

/* Decodes in[0..len) split at every position in turn (two chunks), and in
 * single bytes, and checks each result against want. */
static void assert_decodes_at_every_split(const uint8_t *in, size_t len, const uint8_t *want,
					  size_t wantlen)
{
	uint8_t *out = malloc(len + 2);
	assert_non_null(out);
	for (size_t k = 0; k <= len; k++) {
		int pending = 0;
		size_t o = tftp_netascii_decode(in, k, out, k + 1, &pending);
		o += tftp_netascii_decode(in + k, len - k, out + o, len - k + 1, &pending);
		if (pending)
			out[o++] = '\r';
		assert_int_equal(o, wantlen);
		assert_memory_equal(out, want, wantlen);
	}
	int pending = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++)
		o += tftp_netascii_decode(in + i, 1, out + o, 2, &pending);
	if (pending)
		out[o++] = '\r';
	assert_int_equal(o, wantlen);
	assert_memory_equal(out, want, wantlen);
	free(out);
}

static void decode_inverts_encode_at_every_chunk_boundary(void **state)
{
	(void)state;
	uint8_t in[300], enc[600];
	for (int round = 0; round < 60; round++) {
		size_t len = rng() % sizeof(in);
		fill_netascii_mix(in, len);
		size_t n = encode_all(in, len, enc, sizeof(enc));
		assert_decodes_at_every_split(enc, n, in, len);
	}
}

static void decode_turns_cr_lf_into_lf_and_cr_nul_into_cr(void **state)
{
	(void)state;
	uint8_t out[16];
	int pending = 0;
	size_t n = tftp_netascii_decode(LIT("a\r\nb\r\0c"), out, sizeof(out), &pending);
	assert_int_equal(n, 4 + 1);
	assert_memory_equal(out, "a\nb\rc", 5);
	assert_int_equal(pending, 0);
}

static void decode_final_pending_cr_is_left_for_the_caller_to_append(void **state)
{
	(void)state;
	uint8_t out[16];
	int pending = 0;
	size_t n = tftp_netascii_decode(LIT("ab\r"), out, sizeof(out), &pending);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "ab", 2);
	assert_int_equal(pending, 1);
}

static void decode_pending_cr_then_lf_in_next_chunk_gives_lf(void **state)
{
	(void)state;
	uint8_t out[16];
	int pending = 1;
	size_t n = tftp_netascii_decode(LIT("\nx"), out, sizeof(out), &pending);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\nx", 2);
	assert_int_equal(pending, 0);
}

static void decode_pending_cr_then_nul_in_next_chunk_gives_cr(void **state)
{
	(void)state;
	uint8_t out[16];
	int pending = 1;
	size_t n = tftp_netascii_decode(LIT("\0x"), out, sizeof(out), &pending);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\rx", 2);
	assert_int_equal(pending, 0);
}

static void decode_keeps_a_bare_cr_before_another_byte(void **state)
{
	(void)state;
	uint8_t out[16];
	int pending = 0;
	size_t n = tftp_netascii_decode(LIT("\rX\r\r\0"), out, sizeof(out), &pending);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\rX\r\r", 4);
	assert_int_equal(pending, 0);
	/* a pending CR and one bare byte: two bytes out of one in */
	pending = 1;
	n = tftp_netascii_decode(LIT("Y"), out, 2, &pending);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\rY", 2);
}

static void decode_never_writes_past_outcap(void **state)
{
	(void)state;
	/* a pending CR then a bare byte owes two bytes; with room for one only
	 * the CR goes out (the buffer is exactly one byte, so ASan sees more) */
	uint8_t *out = malloc(1);
	int pending = 1;
	assert_int_equal(tftp_netascii_decode(LIT("Y"), out, 1, &pending), 1);
	assert_int_equal(out[0], '\r');
	assert_int_equal(pending, 0);
	pending = 0;
	assert_int_equal(tftp_netascii_decode(LIT("abc"), out, 1, &pending), 1);
	assert_int_equal(out[0], 'a');
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rrq_without_options_round_trips),
		cmocka_unit_test(rrq_with_options_round_trips),
		cmocka_unit_test(wrq_without_options_round_trips),
		cmocka_unit_test(wrq_with_options_round_trips),
		cmocka_unit_test(data_with_0_1_and_512_byte_payloads_round_trips),
		cmocka_unit_test(ack_round_trips_for_block_0_1_and_65535),
		cmocka_unit_test(error_round_trips_with_code_and_message),
		cmocka_unit_test(error_with_empty_message_round_trips),
		cmocka_unit_test(oack_round_trips),

		cmocka_unit_test(empty_packet_is_short),
		cmocka_unit_test(one_byte_packet_is_short),
		cmocka_unit_test(opcodes_0_7_and_ffff_are_badop),
		cmocka_unit_test(request_without_nul_after_filename_is_nonul),
		cmocka_unit_test(request_with_only_an_opcode_is_refused),
		cmocka_unit_test(request_with_empty_filename_is_nofile),
		cmocka_unit_test(request_without_mode_is_nomode),
		cmocka_unit_test(request_with_unterminated_mode_is_nonul),
		cmocka_unit_test(unknown_mode_binary_is_badmode),
		cmocka_unit_test(mode_names_ignore_case),
		cmocka_unit_test(mail_mode_parses_as_mail),
		cmocka_unit_test(sixteen_options_are_accepted),
		cmocka_unit_test(seventeen_options_are_toomany),
		cmocka_unit_test(oack_with_seventeen_options_is_toomany),
		cmocka_unit_test(unterminated_last_option_is_trailing_and_complete_options_are_kept),
		cmocka_unit_test(nul_padding_after_options_is_not_trailing),
		cmocka_unit_test(bytes_after_nul_padding_are_trailing),
		cmocka_unit_test(option_with_empty_value_is_kept),
		cmocka_unit_test(ack_shorter_than_4_bytes_is_short),
		cmocka_unit_test(ack_with_padding_notes_trailing),
		cmocka_unit_test(data_shorter_than_4_bytes_is_short),
		cmocka_unit_test(error_without_nul_is_nonul),
		cmocka_unit_test(error_shorter_than_5_bytes_is_short),
		cmocka_unit_test(error_with_bytes_after_message_notes_trailing),
		cmocka_unit_test(packet_longer_than_max_is_toolong),
		cmocka_unit_test(every_parse_result_has_a_distinct_text),
		cmocka_unit_test(mode_names_are_the_wire_names),

		cmocka_unit_test(request_without_options_gets_defaults_and_no_oack),
		cmocka_unit_test(blksize_7_is_refused_naming_blksize),
		cmocka_unit_test(blksize_65465_is_refused_naming_blksize),
		cmocka_unit_test(blksize_8_and_65464_are_accepted),
		cmocka_unit_test(blksize_above_max_blksize_is_lowered_to_the_ceiling),
		cmocka_unit_test(non_numeric_empty_negative_and_huge_values_are_refused),
		cmocka_unit_test(timeout_0_and_256_are_refused),
		cmocka_unit_test(timeout_1_and_255_are_accepted),
		cmocka_unit_test(windowsize_0_is_refused),
		cmocka_unit_test(windowsize_65535_is_accepted_and_lowered_to_max_windowsize),
		cmocka_unit_test(tsize_is_recorded),
		cmocka_unit_test(tsize_one_past_uint64_max_is_refused),
		cmocka_unit_test(unknown_options_are_ignored_and_not_echoed),
		cmocka_unit_test(repeated_option_first_one_wins),
		cmocka_unit_test(option_names_ignore_case),
		cmocka_unit_test(oack_echoes_accepted_options_in_request_order_with_final_values),

		cmocka_unit_test(build_request_returns_0_when_one_byte_short),
		cmocka_unit_test(build_request_refuses_opcodes_other_than_rrq_and_wrq),
		cmocka_unit_test(build_opts_returns_0_when_one_byte_short),
		cmocka_unit_test(build_oack_returns_0_when_one_byte_short),
		cmocka_unit_test(build_error_returns_0_below_5_bytes),
		cmocka_unit_test(build_error_truncates_a_long_message_but_keeps_the_nul),
		cmocka_unit_test(build_ack_returns_0_when_one_byte_short),
		cmocka_unit_test(build_data_header_returns_0_when_one_byte_short),

		cmocka_unit_test(encode_turns_lf_into_cr_lf),
		cmocka_unit_test(encode_turns_cr_into_cr_nul),
		cmocka_unit_test(encode_passes_other_bytes_through),
		cmocka_unit_test(encode_carries_the_byte_after_cr_into_the_next_call),
		cmocka_unit_test(encode_with_zero_output_room_takes_nothing),
		cmocka_unit_test(encode_stops_when_output_is_full_and_reports_input_used),
		cmocka_unit_test(encode_one_byte_at_a_time_matches_one_shot),
		cmocka_unit_test(encoded_size_matches_encode_output_length),
		cmocka_unit_test(decode_inverts_encode_at_every_chunk_boundary),
		cmocka_unit_test(decode_turns_cr_lf_into_lf_and_cr_nul_into_cr),
		cmocka_unit_test(decode_final_pending_cr_is_left_for_the_caller_to_append),
		cmocka_unit_test(decode_pending_cr_then_lf_in_next_chunk_gives_lf),
		cmocka_unit_test(decode_pending_cr_then_nul_in_next_chunk_gives_cr),
		cmocka_unit_test(decode_keeps_a_bare_cr_before_another_byte),
		cmocka_unit_test(decode_never_writes_past_outcap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
