/* tftp_wire: TFTP packets as structs and back. Pure: no I/O, no allocation.
 * A packet is walked with a cursor p and a remaining count rem; every read is
 * checked first (OpenBSD dhcpleased style). */
#include "tftp_wire.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The string at p, if a NUL ends it within rem: its length, else -1. */
static long cstr(const uint8_t *p, size_t rem)
{
	const uint8_t *nul = memchr(p, 0, rem);
	return nul ? (long)(nul - p) : -1;
}

static int parse_mode(const char *m, enum tftp_mode *mode)
{
	if (strcasecmp(m, "octet") == 0)
		*mode = TFTP_MODE_OCTET;
	else if (strcasecmp(m, "netascii") == 0)
		*mode = TFTP_MODE_NETASCII;
	else if (strcasecmp(m, "mail") == 0)
		*mode = TFTP_MODE_MAIL;
	else
		return -1;
	return 0;
}

/* name\0value\0 pairs up to the end. A run of NULs at the end is padding;
 * an unterminated or unpaired last string is trailing garbage (some clients
 * pad requests), noted and ignored. */
static enum tftp_parse_err parse_opts(const uint8_t *p, size_t rem, struct tftp_msg *msg)
{
	while (rem > 0) {
		long nl = cstr(p, rem);
		if (nl == 0) {
			size_t i;
			for (i = 0; i < rem && p[i] == 0; i++)
				;
			msg->trailing = rem - i;
			return TFTP_PARSE_OK;
		}
		if (nl < 0)
			goto trailing;
		long vl = cstr(p + nl + 1, rem - (size_t)nl - 1);
		if (vl < 0)
			goto trailing;
		if (msg->nopts == TFTP_MAX_OPTS)
			return TFTP_PARSE_TOOMANY;
		msg->opts[msg->nopts].name = (const char *)p;
		msg->opts[msg->nopts].value = (const char *)p + nl + 1;
		msg->nopts++;
		p += nl + vl + 2;
		rem -= (size_t)(nl + vl + 2);
	}
	return TFTP_PARSE_OK;
trailing:
	msg->trailing = rem;
	return TFTP_PARSE_OK;
}

static enum tftp_parse_err parse_request(const uint8_t *p, size_t rem, struct tftp_msg *msg)
{
	long fl = cstr(p, rem);
	if (fl < 0)
		return TFTP_PARSE_NONUL;
	if (fl == 0)
		return TFTP_PARSE_NOFILE;
	msg->file = (const char *)p;
	msg->file_len = (size_t)fl;
	p += fl + 1;
	rem -= (size_t)fl + 1;
	if (rem == 0)
		return TFTP_PARSE_NOMODE;
	long ml = cstr(p, rem);
	if (ml < 0)
		return TFTP_PARSE_NONUL;
	if (ml == 0)
		return TFTP_PARSE_NOMODE;
	if (parse_mode((const char *)p, &msg->mode) < 0)
		return TFTP_PARSE_BADMODE;
	return parse_opts(p + ml + 1, rem - (size_t)ml - 1, msg);
}

enum tftp_parse_err tftp_parse(const uint8_t *p, size_t rem, struct tftp_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	if (rem < 2)
		return TFTP_PARSE_SHORT;
	if (rem > TFTP_MAX_PACKET)
		return TFTP_PARSE_TOOLONG;
	uint16_t op = get16(p);
	p += 2;
	rem -= 2;
	switch (op) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		msg->op = (enum tftp_opcode)op;
		return parse_request(p, rem, msg);
	case TFTP_DATA:
	case TFTP_ACK:
		if (rem < 2)
			return TFTP_PARSE_SHORT;
		msg->op = (enum tftp_opcode)op;
		msg->block = get16(p);
		if (op == TFTP_DATA) {
			msg->data = p + 2;
			msg->data_len = rem - 2;
		} else {
			msg->trailing = rem - 2;
		}
		return TFTP_PARSE_OK;
	case TFTP_ERROR: {
		if (rem < 3)
			return TFTP_PARSE_SHORT;
		long l = cstr(p + 2, rem - 2);
		if (l < 0)
			return TFTP_PARSE_NONUL;
		msg->op = TFTP_ERROR;
		msg->errcode = get16(p);
		msg->errmsg = (const char *)p + 2;
		msg->trailing = rem - 2 - (size_t)l - 1;
		return TFTP_PARSE_OK;
	}
	case TFTP_OACK:
		msg->op = TFTP_OACK;
		return parse_opts(p, rem, msg);
	default:
		return TFTP_PARSE_BADOP;
	}
}

const char *tftp_parse_strerror(enum tftp_parse_err e)
{
	switch (e) {
	case TFTP_PARSE_OK: return "ok";
	case TFTP_PARSE_SHORT: return "packet too short";
	case TFTP_PARSE_BADOP: return "unknown opcode";
	case TFTP_PARSE_NONUL: return "string without its terminating NUL";
	case TFTP_PARSE_NOFILE: return "empty file name";
	case TFTP_PARSE_NOMODE: return "request without a mode";
	case TFTP_PARSE_BADMODE: return "unknown transfer mode";
	case TFTP_PARSE_TOOMANY: return "too many options";
	case TFTP_PARSE_TOOLONG: return "packet too long";
	}
	return "?";
}

const char *tftp_mode_name(enum tftp_mode m)
{
	switch (m) {
	case TFTP_MODE_OCTET: return "octet";
	case TFTP_MODE_NETASCII: return "netascii";
	case TFTP_MODE_MAIL: return "mail";
	}
	return "?";
}

/* A decimal without sign, spaces or overflow past max. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == 0)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* One validator per option (tftp-hpa style): 1 accepted (echo it),
 * 0 ignored, -1 refused with a reason. */
typedef int (*opt_fn)(const char *val, const struct tftp_limits *lim, struct tftp_params *pp,
		      char *err, size_t errlen);

static int opt_blksize(const char *val, const struct tftp_limits *lim, struct tftp_params *pp,
		       char *err, size_t errlen)
{
	uint64_t v;
	if (parse_uint(val, UINT32_MAX, &v) < 0 || v < TFTP_BLKSIZE_MIN || v > TFTP_BLKSIZE_MAX) {
		snprintf(err, errlen, "blksize %.20s outside 8..65464", val);
		return -1;
	}
	pp->blksize = v > lim->max_blksize ? lim->max_blksize : (unsigned)v;
	return 1;
}

static int opt_tsize(const char *val, const struct tftp_limits *lim, struct tftp_params *pp,
		     char *err, size_t errlen)
{
	uint64_t v;
	(void)lim;
	if (parse_uint(val, UINT64_MAX, &v) < 0) {
		snprintf(err, errlen, "tsize %.20s is not a number", val);
		return -1;
	}
	pp->tsize_asked = 1;
	pp->tsize_value = v;
	return 1;
}

static int opt_timeout(const char *val, const struct tftp_limits *lim, struct tftp_params *pp,
		       char *err, size_t errlen)
{
	uint64_t v;
	(void)lim;
	if (parse_uint(val, UINT32_MAX, &v) < 0 || v < TFTP_TIMEOUT_MIN || v > TFTP_TIMEOUT_MAX) {
		snprintf(err, errlen, "timeout %.20s outside 1..255", val);
		return -1;
	}
	pp->timeout = (unsigned)v;
	return 1;
}

static int opt_windowsize(const char *val, const struct tftp_limits *lim, struct tftp_params *pp,
			  char *err, size_t errlen)
{
	uint64_t v;
	if (parse_uint(val, UINT32_MAX, &v) < 0 || v < TFTP_WINDOW_MIN || v > TFTP_WINDOW_MAX) {
		snprintf(err, errlen, "windowsize %.20s outside 1..65535", val);
		return -1;
	}
	pp->windowsize = v > lim->max_windowsize ? lim->max_windowsize : (unsigned)v;
	return 1;
}

static const struct {
	const char *name;
	opt_fn fn;
} opt_table[] = {
	{"blksize", opt_blksize},
	{"tsize", opt_tsize},
	{"timeout", opt_timeout},
	{"windowsize", opt_windowsize},
};
#define NOPT_TABLE (sizeof(opt_table) / sizeof(opt_table[0]))

int tftp_negotiate(const struct tftp_msg *req, const struct tftp_limits *lim,
		   struct tftp_params *pp, char *err, size_t errlen)
{
	unsigned seen = 0;
	memset(pp, 0, sizeof(*pp));
	pp->blksize = TFTP_DEFAULT_BLKSIZE;
	pp->windowsize = 1;
	for (int i = 0; i < req->nopts; i++) {
		for (unsigned t = 0; t < NOPT_TABLE; t++) {
			if (strcasecmp(req->opts[i].name, opt_table[t].name) != 0)
				continue;
			if (seen & (1u << t))
				break; /* a repeated option: the first one counts */
			seen |= 1u << t;
			int r = opt_table[t].fn(req->opts[i].value, lim, pp, err, errlen);
			if (r < 0)
				return -1;
			if (r > 0) {
				pp->echo[i] = 1;
				pp->oack = 1;
			}
			break;
		}
	}
	return 0;
}

/* Appends s and its NUL; returns the new length, or 0 when it does not fit. */
static size_t put_str(uint8_t *buf, size_t cap, size_t len, const char *s)
{
	size_t l = strlen(s) + 1;
	if (len == 0 || l > cap - len)
		return 0;
	memcpy(buf + len, s, l);
	return len + l;
}

size_t tftp_build_request(uint8_t *buf, size_t cap, enum tftp_opcode op, const char *file,
			  const char *mode, const struct tftp_opt *opts, int nopts)
{
	if (cap < 2 || (op != TFTP_RRQ && op != TFTP_WRQ))
		return 0;
	put16(buf, (uint16_t)op);
	size_t len = put_str(buf, cap, 2, file);
	len = put_str(buf, cap, len, mode);
	for (int i = 0; i < nopts && len; i++) {
		len = put_str(buf, cap, len, opts[i].name);
		len = put_str(buf, cap, len, opts[i].value);
	}
	return len;
}

size_t tftp_build_opts(uint8_t *buf, size_t cap, const struct tftp_opt *opts, int nopts)
{
	if (cap < 2)
		return 0;
	put16(buf, TFTP_OACK);
	size_t len = 2;
	for (int i = 0; i < nopts && len; i++) {
		len = put_str(buf, cap, len, opts[i].name);
		len = put_str(buf, cap, len, opts[i].value);
	}
	return len;
}

size_t tftp_build_oack(uint8_t *buf, size_t cap, const struct tftp_msg *req,
		       const struct tftp_params *pp, uint64_t tsize)
{
	struct tftp_opt out[TFTP_MAX_OPTS];
	char vals[TFTP_MAX_OPTS][24];
	int n = 0;
	for (int i = 0; i < req->nopts; i++) {
		if (!pp->echo[i])
			continue;
		const char *name = req->opts[i].name;
		unsigned long long v;
		if (strcasecmp(name, "blksize") == 0)
			v = pp->blksize, name = "blksize";
		else if (strcasecmp(name, "tsize") == 0)
			v = tsize, name = "tsize";
		else if (strcasecmp(name, "timeout") == 0)
			v = pp->timeout, name = "timeout";
		else if (strcasecmp(name, "windowsize") == 0)
			v = pp->windowsize, name = "windowsize";
		else
			continue;
		snprintf(vals[n], sizeof(vals[n]), "%llu", v);
		out[n].name = name;
		out[n].value = vals[n];
		n++;
	}
	return tftp_build_opts(buf, cap, out, n);
}

size_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg)
{
	if (cap < 5)
		return 0;
	put16(buf, TFTP_ERROR);
	put16(buf + 2, code);
	size_t l = strlen(msg);
	if (l > cap - 5)
		l = cap - 5; /* a long message is cut, never the NUL */
	memcpy(buf + 4, msg, l);
	buf[4 + l] = 0;
	return 5 + l;
}

size_t tftp_build_ack(uint8_t *buf, size_t cap, uint16_t block)
{
	if (cap < 4)
		return 0;
	put16(buf, TFTP_ACK);
	put16(buf + 2, block);
	return 4;
}

size_t tftp_build_data_header(uint8_t *buf, size_t cap, uint16_t block)
{
	if (cap < 4)
		return 0;
	put16(buf, TFTP_DATA);
	put16(buf + 2, block);
	return 4;
}

size_t tftp_netascii_encode(const uint8_t *in, size_t inlen, size_t *used,
			    uint8_t *out, size_t outcap, int *carry)
{
	size_t i = 0, o = 0;
	while (o < outcap) {
		if (*carry >= 0) {
			out[o++] = (uint8_t)*carry;
			*carry = -1;
			continue;
		}
		if (i == inlen)
			break;
		uint8_t c = in[i++];
		if (c == '\n') {
			out[o++] = '\r';
			*carry = '\n';
		} else if (c == '\r') {
			out[o++] = '\r';
			*carry = 0;
		} else {
			out[o++] = c;
		}
	}
	*used = i;
	return o;
}

uint64_t tftp_netascii_encoded_size(const uint8_t *in, size_t inlen)
{
	uint64_t n = inlen;
	for (size_t i = 0; i < inlen; i++)
		n += in[i] == '\n' || in[i] == '\r';
	return n;
}

size_t tftp_netascii_decode(const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap,
			    int *pending_cr)
{
	size_t o = 0;
	for (size_t i = 0; i < inlen && o < outcap; i++) {
		uint8_t c = in[i];
		if (*pending_cr) {
			*pending_cr = 0;
			if (c == '\n') {
				out[o++] = '\n';
				continue;
			}
			out[o++] = '\r'; /* CR NUL, or a bare CR kept as it came */
			if (c == 0)
				continue;
			if (o == outcap)
				break;
		}
		if (c == '\r')
			*pending_cr = 1;
		else
			out[o++] = c;
	}
	return o;
}

int tftp_name_clean(const char *in, size_t len, char *out, size_t cap, const char **why)
{
	size_t o = 0, i = 0;
	if (len > TFTP_NAME_MAX) {
		*why = "name too long";
		return -1;
	}
	while (i < len) {
		/* one component: skip separators, then copy up to the next */
		while (i < len && (in[i] == '/' || in[i] == '\\'))
			i++;
		size_t start = i;
		while (i < len && in[i] != '/' && in[i] != '\\') {
			unsigned char c = (unsigned char)in[i];
			if (c < 0x20 || c == 0x7f) {
				*why = "control character in name";
				return -1;
			}
			i++;
		}
		size_t cl = i - start;
		if (cl == 0 || (cl == 1 && in[start] == '.'))
			continue;
		if (cl == 2 && in[start] == '.' && in[start + 1] == '.') {
			*why = "'..' in name";
			return -1;
		}
		if (o + (o > 0) + cl + 1 > cap) {
			*why = "name too long";
			return -1;
		}
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, in + start, cl);
		o += cl;
	}
	if (o == 0) {
		*why = "empty name";
		return -1;
	}
	out[o] = 0;
	return 0;
}
