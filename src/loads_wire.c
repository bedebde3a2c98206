/* loads_wire: the signed header and the .loads body. Pure. A cursor walks
 * the TLVs; every read is checked against both the data and HEADER_LENGTH. */
#include "loads_wire.h"

#include <string.h>

enum {
	T_VERSION = 1, T_LENGTH = 2, T_SIGNER_ID = 3, T_SIGNER_NAME = 4, T_SERIAL = 5,
	T_CA_NAME = 6, T_SIGINFO = 7, T_DIGEST = 8, T_SIGALG_INFO = 9, T_SIGALG = 10,
	T_MODULUS = 11, T_SIGNATURE = 12, T_PADDING = 13, T_FILENAME = 14, T_TIMESTAMP = 15,
};
#define PAD_BYTE 0x0d
#define FIXED_PART 10  /* tag 1 and tag 2, 5 bytes each */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

const char *sgn_strerror(enum sgn_err e)
{
	switch (e) {
	case SGN_OK: return "ok";
	case SGN_SHORT: return "header truncated: a field runs past the end of the file";
	case SGN_NOVERSION: return "not a signed file: no header version (tag 1) at the start";
	case SGN_NOLENGTH: return "no header length (tag 2) after the version";
	case SGN_LENGTH_PAST_END: return "header length points past the end of the file";
	case SGN_LENGTH_SMALL: return "header length ends inside a field";
	case SGN_BADTAG: return "unknown tag in the header";
	case SGN_BADLEN: return "a header field has the wrong length for its tag";
	case SGN_CONTAINER: return "a header container's length differs from its contents";
	case SGN_NOSTRING: return "a name in the header lacks its terminating NUL";
	case SGN_DUPLICATE: return "a header field appears twice";
	}
	return "?";
}

const char *sgn_digest_name(int digest)
{
	switch (digest) {
	case 1: return "sha1";
	case 2: return "sha256";
	case 3: return "sha384";
	case 4: return "sha512";
	}
	return "unknown";
}

int sgn_looks_signed(const uint8_t *p, size_t len)
{
	return len >= FIXED_PART && p[0] == T_VERSION && be16(p + 1) == 2 && p[5] == T_LENGTH &&
	       be16(p + 6) == 2;
}

/* A name fills its value: its text, then one NUL as the last byte. */
static enum sgn_err get_str(const uint8_t *v, size_t l, struct sgn_str *out)
{
	const uint8_t *nul = l ? memchr(v, 0, l) : NULL;
	if (!nul || (size_t)(nul - v) != l - 1)
		return SGN_NOSTRING;
	out->s = (const char *)v;
	out->len = (size_t)(nul - v);
	return SGN_OK;
}

static enum sgn_err get_byte(const uint8_t *v, size_t l, int *out)
{
	if (l != 1)
		return SGN_BADLEN;
	*out = v[0];
	return SGN_OK;
}

/* One leaf TLV's value into h. */
static enum sgn_err leaf(int tag, const uint8_t *v, size_t l, size_t voff, struct sgn_header *h)
{
	switch (tag) {
	case T_VERSION:
	case T_LENGTH:
		return SGN_DUPLICATE;
	case T_SIGNER_NAME:
		return h->signer.s ? SGN_DUPLICATE : get_str(v, l, &h->signer);
	case T_CA_NAME:
		return h->ca.s ? SGN_DUPLICATE : get_str(v, l, &h->ca);
	case T_FILENAME:
		return h->filename.s ? SGN_DUPLICATE : get_str(v, l, &h->filename);
	case T_SERIAL:
		if (h->serial)
			return SGN_DUPLICATE;
		h->serial = v;
		h->serial_len = l;
		return SGN_OK;
	case T_DIGEST:
		return h->digest >= 0 ? SGN_DUPLICATE : get_byte(v, l, &h->digest);
	case T_SIGALG:
		return h->sig_alg >= 0 ? SGN_DUPLICATE : get_byte(v, l, &h->sig_alg);
	case T_MODULUS:
		return h->modulus >= 0 ? SGN_DUPLICATE : get_byte(v, l, &h->modulus);
	case T_SIGNATURE:
		if (h->have_sig)
			return SGN_DUPLICATE;
		h->have_sig = 1;
		h->sig_off = voff;
		h->sig_len = l;
		return SGN_OK;
	case T_TIMESTAMP:
		if (h->have_timestamp)
			return SGN_DUPLICATE;
		if (l != 4)
			return SGN_BADLEN;
		h->have_timestamp = 1;
		h->timestamp = (uint32_t)be16(v) << 16 | be16(v + 2);
		return SGN_OK;
	}
	return SGN_BADTAG;
}

static int is_container(int tag)
{
	return tag == T_SIGNER_ID || tag == T_SIGINFO || tag == T_SIGALG_INFO;
}

static enum sgn_err walk(const uint8_t *p, size_t limit, struct sgn_header *h, size_t *off);

enum sgn_err sgn_parse(const uint8_t *p, size_t len, struct sgn_header *h, size_t *off)
{
	size_t o = 0;
	enum sgn_err e = SGN_OK;
	memset(h, 0, sizeof(*h));
	h->digest = h->sig_alg = h->modulus = -1;
	if (len < 5 || p[0] != T_VERSION || be16(p + 1) != 2) {
		e = SGN_NOVERSION;
		goto out;
	}
	h->version_major = p[3];
	h->version_minor = p[4];
	o = 5;
	if (len < FIXED_PART || p[5] != T_LENGTH || be16(p + 6) != 2) {
		e = SGN_NOLENGTH;
		goto out;
	}
	h->header_len = be16(p + 8);
	o = FIXED_PART;
	if (h->header_len < FIXED_PART) {
		e = SGN_LENGTH_SMALL;
		goto out;
	}
	/* a header_len past the data: a file cut short (a field runs past its end:
	 * SGN_SHORT), or a wrong length (SGN_LENGTH_PAST_END) */
	size_t limit = h->header_len <= len ? h->header_len : len;
	e = walk(p, limit, h, &o);
	if (h->header_len > len && e != SGN_SHORT)
		e = SGN_LENGTH_PAST_END;
out:
	if (off)
		*off = o;
	return e;
}

static enum sgn_err walk(const uint8_t *p, size_t limit, struct sgn_header *h, size_t *off)
{
	size_t ends[4]; /* open containers' ends; they nest at most 2 deep */
	int depth = 0;
	size_t o = *off;
	enum sgn_err e = SGN_OK;
	enum sgn_err past = limit < h->header_len ? SGN_SHORT : SGN_LENGTH_SMALL;
	while (o < limit) {
		while (depth > 0 && ends[depth - 1] == o)
			depth--;
		int tag = p[o];
		if (tag == T_PADDING) {
			h->padding++;
			o++;
			continue;
		}
		if (tag < T_VERSION || tag > T_TIMESTAMP) {
			e = SGN_BADTAG;
			goto out;
		}
		if (o + 3 > limit) {
			e = past;
			goto out;
		}
		size_t l = be16(p + o + 1);
		size_t end = o + 3 + l;
		if (end > limit) {
			e = past;
			goto out;
		}
		if (depth > 0 && end > ends[depth - 1]) {
			e = SGN_CONTAINER;
			goto out;
		}
		if (is_container(tag)) {
			if (depth == (int)(sizeof(ends) / sizeof(ends[0]))) {
				e = SGN_CONTAINER;
				goto out;
			}
			ends[depth++] = end;
			o += 3;
			continue;
		}
		e = leaf(tag, p + o + 3, l, o + 3, h);
		if (e != SGN_OK)
			goto out;
		o = end;
	}
	while (depth > 0 && ends[depth - 1] == o)
		depth--;
	if (depth > 0)
		e = SGN_CONTAINER;
out:
	*off = o;
	return e;
}

static size_t put_tlv(uint8_t *buf, size_t cap, size_t o, int tag, const void *v, size_t l)
{
	if (o == 0 || l > 0xffff || o + 3 + l > cap)
		return 0;
	buf[o] = (uint8_t)tag;
	buf[o + 1] = (uint8_t)(l >> 8);
	buf[o + 2] = (uint8_t)l;
	if (l)
		memcpy(buf + o + 3, v, l);
	return o + 3 + l;
}

static size_t put_container(uint8_t *buf, size_t cap, size_t o, int tag, size_t l)
{
	if (o == 0 || o + 3 > cap)
		return 0;
	buf[o] = (uint8_t)tag;
	buf[o + 1] = (uint8_t)(l >> 8);
	buf[o + 2] = (uint8_t)l;
	return o + 3;
}

size_t sgn_build(uint8_t *buf, size_t cap, const char *signer, const char *ca, const char *filename,
		 const uint8_t *sig, size_t sig_len)
{
	static const uint8_t serial[8] = {0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef};
	static const uint8_t ver[2] = {1, 1}, one = 1, zero = 0, two = 2;
	size_t ls = strlen(signer) + 1, lc = strlen(ca) + 1, lf = strlen(filename) + 1;
	if (cap < FIXED_PART)
		return 0;
	/* the fixed part; put_tlv takes o == 0 for "no room", so it is written here */
	buf[0] = T_VERSION, buf[1] = 0, buf[2] = 2, buf[3] = ver[0], buf[4] = ver[1];
	buf[5] = T_LENGTH, buf[6] = 0, buf[7] = 2, buf[8] = 0, buf[9] = 0;
	size_t o = FIXED_PART;
	o = put_container(buf, cap, o, T_SIGNER_ID, 3 + ls + 3 + sizeof(serial) + 3 + lc);
	o = put_tlv(buf, cap, o, T_SIGNER_NAME, signer, ls);
	o = put_tlv(buf, cap, o, T_SERIAL, serial, sizeof(serial));
	o = put_tlv(buf, cap, o, T_CA_NAME, ca, lc);
	o = put_container(buf, cap, o, T_SIGINFO, 4 + 3 + 4 + 4);
	o = put_tlv(buf, cap, o, T_DIGEST, &one, 1);
	o = put_container(buf, cap, o, T_SIGALG_INFO, 8);
	o = put_tlv(buf, cap, o, T_SIGALG, &zero, 1);
	o = put_tlv(buf, cap, o, T_MODULUS, &two, 1);
	o = put_tlv(buf, cap, o, T_SIGNATURE, sig, sig_len);
	o = put_tlv(buf, cap, o, T_FILENAME, filename, lf);
	while (o && o % 4) {
		if (o == cap)
			return 0;
		buf[o++] = PAD_BYTE;
	}
	if (o == 0 || o > 0xffff)
		return 0;
	buf[8] = (uint8_t)(o >> 8);
	buf[9] = (uint8_t)o;
	return o;
}

const char *loads_strerror(enum loads_err e)
{
	switch (e) {
	case LOADS_OK: return "ok";
	case LOADS_NOIMAGES: return "the .loads file names no image";
	case LOADS_TOOMANY: return "the .loads file names too many images";
	case LOADS_BADNAME: return "an image name in the .loads file is not a plain file name";
	case LOADS_BINARY: return "the .loads body is not text";
	}
	return "?";
}

static int name_ok(const char *s, size_t n)
{
	if (n == 0 || n > LOADS_NAME_MAX || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '/' || s[i] == '\\')
			return 0;
	return 1;
}

/* "# ... RELEASE load version 9-4-2ES9" and "#HARDWARE_COMP_1 1" */
static void comment(const char *s, size_t n, struct loads_body *b)
{
	static const char rel[] = "RELEASE load version ";
	static const char hw[] = "#HARDWARE_COMP_1 ";
	for (size_t i = 0; i + sizeof(rel) - 1 <= n; i++) {
		if (memcmp(s + i, rel, sizeof(rel) - 1) != 0)
			continue;
		const char *v = s + i + sizeof(rel) - 1;
		size_t vl = 0;
		while (v + vl < s + n && v[vl] > ' ' && v[vl] <= '~')
			vl++;
		if (vl) {
			b->release = v;
			b->release_len = vl;
		}
		return;
	}
	if (n > sizeof(hw) - 1 && memcmp(s, hw, sizeof(hw) - 1) == 0) {
		int v = 0;
		size_t i = sizeof(hw) - 1;
		for (; i < n && s[i] >= '0' && s[i] <= '9' && v < 100000; i++)
			v = v * 10 + (s[i] - '0');
		if (i > sizeof(hw) - 1)
			b->hardware_comp = v;
	}
}

enum loads_err loads_parse_body(const uint8_t *p, size_t len, struct loads_body *b)
{
	memset(b, 0, sizeof(*b));
	b->hardware_comp = -1;
	b->crlf = 1;
	size_t line = 0;
	for (size_t o = 0; o < len;) {
		const uint8_t *nl = memchr(p + o, '\n', len - o);
		size_t end = nl ? (size_t)(nl - p) : len;
		const char *s = (const char *)p + o;
		size_t n = end - o;
		line++;
		o = nl ? end + 1 : len;
		if (n && s[n - 1] == '\r')
			n--;
		else if (nl)
			b->crlf = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if ((c < ' ' && c != '\t') || c == 0x7f) {
				b->bad_line = line;
				return LOADS_BINARY;
			}
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		while (n && (s[0] == ' ' || s[0] == '\t'))
			s++, n--;
		if (n == 0)
			continue;
		if (s[0] == '#') {
			comment(s, n, b);
			continue;
		}
		if (memchr(s, '=', n))
			continue; /* 7940/7960: LA_VERSION=PAS30831 */
		if (!name_ok(s, n)) {
			b->bad_line = line;
			return LOADS_BADNAME;
		}
		if (b->nimages == LOADS_MAX_IMAGES) {
			b->bad_line = line;
			return LOADS_TOOMANY;
		}
		b->images[b->nimages].name = s;
		b->images[b->nimages].len = n;
		b->nimages++;
	}
	return b->nimages ? LOADS_OK : LOADS_NOIMAGES;
}
