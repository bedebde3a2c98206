/* dhcp_wire: DHCP messages and options. Pure. Options are walked with a
 * cursor and a remaining count; every length is checked before it is used. */
#include "dhcp_wire.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esc.h"

#define OFF_SNAME 44
#define OFF_FILE 108
#define LEN_SNAME 64
#define LEN_FILE 128

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

const char *dhcp_parse_strerror(enum dhcp_parse_err e)
{
	switch (e) {
	case DHCP_OK: return "ok";
	case DHCP_SHORT: return "shorter than a DHCP header";
	case DHCP_TOOLONG: return "longer than any DHCP message";
	case DHCP_BADOP: return "op is neither request nor reply";
	case DHCP_BADHLEN: return "hardware address longer than 16 bytes";
	case DHCP_NOCOOKIE: return "no DHCP magic cookie (BOOTP?)";
	case DHCP_OPTLEN: return "an option runs past the end of its field";
	case DHCP_NOEND: return "options without END";
	case DHCP_TOOMANY: return "too many options";
	case DHCP_BADOVERLOAD: return "option 52 (overload) malformed";
	}
	return "?";
}

/* The options in one field: p[0..rem). */
static enum dhcp_parse_err walk(const uint8_t *p, size_t rem, struct dhcp_msg *m, int main_field)
{
	while (rem > 0) {
		uint8_t code = p[0];
		if (code == DHO_PAD) {
			p++, rem--;
			continue;
		}
		if (code == DHO_END) {
			if (main_field)
				m->trailing = rem - 1;
			return DHCP_OK;
		}
		if (rem < 2 || (size_t)p[1] + 2 > rem)
			return DHCP_OPTLEN;
		if (m->nfrag == DHCP_MAX_FRAGS)
			return DHCP_TOOMANY;
		m->frag[m->nfrag++] = (struct dhcp_frag){code, p[1], p + 2};
		if (code == DHO_OVERLOAD && main_field) {
			if (p[1] != 1 || p[2] < 1 || p[2] > 3)
				return DHCP_BADOVERLOAD;
			m->overload = p[2];
		}
		rem -= (size_t)p[1] + 2;
		p += p[1] + 2;
	}
	return DHCP_NOEND;
}

enum dhcp_parse_err dhcp_parse(const uint8_t *p, size_t len, struct dhcp_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len < DHCP_MIN_LEN)
		return DHCP_SHORT;
	if (len > 65535)
		return DHCP_TOOLONG;
	m->op = p[0], m->htype = p[1], m->hlen = p[2], m->hops = p[3];
	if (m->op != 1 && m->op != 2)
		return DHCP_BADOP;
	if (m->hlen > 16)
		return DHCP_BADHLEN;
	m->xid = get32(p + 4);
	m->secs = (uint16_t)(p[8] << 8 | p[9]);
	m->flags = (uint16_t)(p[10] << 8 | p[11]);
	memcpy(&m->ciaddr, p + 12, 4);
	memcpy(&m->yiaddr, p + 16, 4);
	memcpy(&m->siaddr, p + 20, 4);
	memcpy(&m->giaddr, p + 24, 4);
	memcpy(m->chaddr, p + 28, 16);
	m->sname = p + OFF_SNAME;
	m->file = p + OFF_FILE;
	if (get32(p + DHCP_FIXED) != DHCP_COOKIE)
		return DHCP_NOCOOKIE;
	enum dhcp_parse_err e = walk(p + DHCP_MIN_LEN, len - DHCP_MIN_LEN, m, 1);
	if (e == DHCP_OK && (m->overload & 1))
		e = walk(p + OFF_FILE, LEN_FILE, m, 0);
	if (e == DHCP_OK && (m->overload & 2))
		e = walk(p + OFF_SNAME, LEN_SNAME, m, 0);
	return e;
}

int dhcp_opt(const struct dhcp_msg *m, uint8_t code, uint8_t *buf, size_t cap)
{
	int found = 0;
	size_t n = 0;
	for (int i = 0; i < m->nfrag; i++) {
		if (m->frag[i].code != code)
			continue;
		found = 1;
		for (size_t k = 0; k < m->frag[i].len; k++, n++)
			if (n < cap)
				buf[n] = m->frag[i].data[k];
	}
	return found ? (int)n : -1;
}

int dhcp_msg_type(const struct dhcp_msg *m)
{
	uint8_t t;
	return dhcp_opt(m, DHO_MSG_TYPE, &t, 1) == 1 && t >= DHCPDISCOVER && t <= DHCPINFORM ? t : 0;
}

const char *dhcp_type_name(int type)
{
	static const char *const names[] = {"?", "DISCOVER", "OFFER", "REQUEST", "DECLINE",
					    "ACK", "NAK", "RELEASE", "INFORM"};
	return type >= 1 && type <= 8 ? names[type] : "?";
}

/* --- building --- */

void dhcp_build_start(struct dhcp_builder *b, uint8_t *buf, size_t cap, const struct dhcp_msg *h)
{
	b->buf = buf;
	b->cap = cap;
	b->limit = cap;
	b->overflow = cap < DHCP_MIN_LEN + 1;
	b->len = 0;
	if (b->overflow)
		return;
	memset(buf, 0, DHCP_MIN_LEN);
	buf[0] = h->op, buf[1] = h->htype, buf[2] = h->hlen > 16 ? 16 : h->hlen, buf[3] = h->hops;
	put32(buf + 4, h->xid);
	buf[8] = (uint8_t)(h->secs >> 8), buf[9] = (uint8_t)h->secs;
	buf[10] = (uint8_t)(h->flags >> 8), buf[11] = (uint8_t)h->flags;
	memcpy(buf + 12, &h->ciaddr, 4);
	memcpy(buf + 16, &h->yiaddr, 4);
	memcpy(buf + 20, &h->siaddr, 4);
	memcpy(buf + 24, &h->giaddr, 4);
	memcpy(buf + 28, h->chaddr, 16);
	put32(buf + DHCP_FIXED, DHCP_COOKIE);
	b->len = DHCP_MIN_LEN;
}

static size_t room(const struct dhcp_builder *b)
{
	size_t lim = b->limit < b->cap ? b->limit : b->cap;
	return lim > b->len + 1 ? lim - b->len - 1 : 0; /* keep one byte for END */
}

int dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data, size_t len)
{
	const uint8_t *d = data;
	size_t frags = len ? (len + 254) / 255 : 1;
	if (b->overflow || len + 2 * frags > room(b)) {
		b->overflow = 1;
		return -1;
	}
	do {
		size_t n = len > 255 ? 255 : len;
		b->buf[b->len++] = code;
		b->buf[b->len++] = (uint8_t)n;
		memcpy(b->buf + b->len, d, n);
		b->len += n, d += n, len -= n;
	} while (len > 0);
	return 0;
}

int dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v)
{
	uint8_t x[4];
	put32(x, v);
	return dhcp_build_opt(b, code, x, 4);
}

int dhcp_build_u8(struct dhcp_builder *b, uint8_t code, uint8_t v)
{
	return dhcp_build_opt(b, code, &v, 1);
}

size_t dhcp_build_end(struct dhcp_builder *b)
{
	size_t lim = b->limit < b->cap ? b->limit : b->cap;
	if (b->overflow || b->len + 1 > lim)
		return 0;
	b->buf[b->len++] = DHO_END;
	while (b->len < DHCP_BOOTP_MIN && b->len < lim)
		b->buf[b->len++] = DHO_PAD;
	return b->len;
}

/* --- the option table --- */

static const struct dhcp_opt_info table[] = {
	{DHO_SUBNET_MASK, "subnet-mask", DOT_IP},
	{DHO_ROUTER, "routers", DOT_IPS},
	{DHO_DNS, "domain-name-servers", DOT_IPS},
	{DHO_HOSTNAME, "host-name", DOT_STRING},
	{DHO_DOMAIN, "domain-name", DOT_STRING},
	{28, "broadcast-address", DOT_IP},
	{DHO_NTP, "ntp-servers", DOT_IPS},
	{DHO_REQUESTED_IP, "requested-address", DOT_IP},
	{DHO_LEASE_TIME, "lease-time", DOT_U32},
	{DHO_OVERLOAD, "option-overload", DOT_U8},
	{DHO_MSG_TYPE, "message-type", DOT_U8},
	{DHO_SERVER_ID, "server-identifier", DOT_IP},
	{DHO_PARAM_LIST, "parameter-request-list", DOT_CODES},
	{DHO_MESSAGE, "message", DOT_STRING},
	{DHO_MAX_SIZE, "max-message-size", DOT_U16},
	{DHO_RENEWAL, "renewal-time", DOT_U32},
	{DHO_REBINDING, "rebinding-time", DOT_U32},
	{DHO_VENDOR_CLASS, "vendor-class-identifier", DOT_STRING},
	{DHO_CLIENT_ID, "client-identifier", DOT_BYTES},
	{DHO_TFTP_SERVER_NAME, "tftp-server-name", DOT_STRING},
	{DHO_BOOTFILE, "bootfile-name", DOT_STRING},
	{DHO_RELAY_AGENT, "relay-agent-information", DOT_BYTES},
	{DHO_CISCO_TFTP, "tftp-servers", DOT_IPS}, /* Cisco: binary list of IPv4 addresses */
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

const struct dhcp_opt_info *dhcp_opt_info(uint8_t code)
{
	static struct dhcp_opt_info unknown = {0, "unknown", DOT_BYTES};
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].code == code)
			return &table[i];
	unknown.code = code;
	return &unknown;
}

int dhcp_opt_lookup(const char *name)
{
	char *end;
	long v = strtol(name, &end, 10);
	if (*name && !*end)
		return v >= 1 && v <= 254 ? (int)v : -1;
	for (size_t i = 0; i < NTABLE; i++)
		if (strcasecmp(table[i].name, name) == 0)
			return table[i].code;
	return -1;
}

static int encode_ips(const char *text, uint8_t *out, size_t cap, int many, const char **why)
{
	char buf[512];
	size_t n = 0;
	if (strlen(text) >= sizeof(buf)) {
		*why = "too long";
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	char *save = NULL;
	for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		struct in_addr a;
		if (inet_pton(AF_INET, t, &a) != 1) {
			*why = "expected dotted IPv4 addresses such as 192.168.0.195";
			return -1;
		}
		if (n + 4 > cap || (!many && n)) {
			*why = many ? "too many addresses" : "expected one address";
			return -1;
		}
		memcpy(out + n, &a, 4);
		n += 4;
	}
	if (n == 0) {
		*why = "expected at least one address";
		return -1;
	}
	return (int)n;
}

static int encode_num(const char *text, uint8_t *out, size_t cap, int bytes, const char **why)
{
	char *end;
	unsigned long long max = bytes == 4 ? 0xffffffffull : bytes == 2 ? 0xffff : 0xff;
	unsigned long long v = strtoull(text, &end, 10);
	if (!*text || *end || text[0] == '-' || v > max || (size_t)bytes > cap) {
		*why = bytes == 4 ? "expected a number 0..4294967295" : bytes == 2 ? "expected a number 0..65535"
										  : "expected a number 0..255";
		return -1;
	}
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
	return bytes;
}

int dhcp_opt_encode(uint8_t code, const char *text, uint8_t *out, size_t cap, const char **why)
{
	const struct dhcp_opt_info *oi = dhcp_opt_info(code);
	size_t l = strlen(text);
	switch (oi->type) {
	case DOT_IP: return encode_ips(text, out, cap, 0, why);
	case DOT_IPS: return encode_ips(text, out, cap, 1, why);
	case DOT_U8: return encode_num(text, out, cap, 1, why);
	case DOT_U16: return encode_num(text, out, cap, 2, why);
	case DOT_U32: return encode_num(text, out, cap, 4, why);
	case DOT_STRING:
		if (l == 0 || l > cap) {
			*why = l ? "too long" : "expected some text";
			return -1;
		}
		memcpy(out, text, l);
		return (int)l;
	case DOT_CODES:
	case DOT_BYTES: {
		/* hex, with or without ':' between the bytes */
		size_t n = 0;
		for (const char *c = text; *c;) {
			if (*c == ':') {
				c++;
				continue;
			}
			unsigned v;
			if (sscanf(c, "%2x", &v) != 1 || !c[1] || n == cap) {
				*why = "expected hex bytes such as c0:a8:00:c3";
				return -1;
			}
			out[n++] = (uint8_t)v;
			c += 2;
		}
		if (n == 0) {
			*why = "expected hex bytes";
			return -1;
		}
		return (int)n;
	}
	}
	*why = "unknown type";
	return -1;
}

static size_t put(char *out, size_t cap, size_t o, const char *s)
{
	size_t l = strlen(s);
	if (o + l + 1 > cap)
		l = o + 1 < cap ? cap - o - 1 : 0;
	memcpy(out + o, s, l);
	out[o + l] = 0;
	return o + l;
}

size_t dhcp_opt_format(uint8_t code, const uint8_t *v, size_t len, char *out, size_t cap)
{
	const struct dhcp_opt_info *oi = dhcp_opt_info(code);
	size_t o = 0;
	char tmp[64];
	if (cap == 0)
		return 0;
	out[0] = 0;
	if ((oi->type == DOT_IP || oi->type == DOT_IPS) && len % 4 == 0 && len > 0) {
		for (size_t i = 0; i < len; i += 4) {
			snprintf(tmp, sizeof(tmp), "%s%u.%u.%u.%u", i ? ", " : "", v[i], v[i + 1], v[i + 2], v[i + 3]);
			o = put(out, cap, o, tmp);
		}
		return o;
	}
	if ((oi->type == DOT_U8 && len == 1) || (oi->type == DOT_U16 && len == 2) || (oi->type == DOT_U32 && len == 4)) {
		unsigned long long x = 0;
		for (size_t i = 0; i < len; i++)
			x = x << 8 | v[i];
		snprintf(tmp, sizeof(tmp), "%llu", x);
		return put(out, cap, o, tmp);
	}
	if (oi->type == DOT_CODES) {
		for (size_t i = 0; i < len; i++) {
			snprintf(tmp, sizeof(tmp), "%s%u", i ? "," : "", v[i]);
			o = put(out, cap, o, tmp);
		}
		return o;
	}
	if (oi->type == DOT_STRING) {
		o = put(out, cap, o, "\"");
		/* in pieces through tmp, so that put cuts the whole at exactly cap */
		for (size_t i = 0; i < len; i += 15) {
			esc_quoted(tmp, sizeof(tmp), (const char *)v + i, len - i < 15 ? len - i : 15);
			o = put(out, cap, o, tmp);
		}
		return put(out, cap, o, "\"");
	}
	for (size_t i = 0; i < len; i++) {
		snprintf(tmp, sizeof(tmp), "%s%02x", i ? ":" : "", v[i]);
		o = put(out, cap, o, tmp);
	}
	return o;
}

int dhcp_opt_looks_like_text(const uint8_t *v, size_t len)
{
	int digits = 0;
	if (len && v[len - 1] == 0)
		len--; /* a NUL at the end, as some servers add to text */
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (v[i] >= '0' && v[i] <= '9')
			digits++;
		else if (v[i] != '.' && v[i] != ',' && v[i] != ' ')
			return 0;
	}
	return digits > 0;
}
