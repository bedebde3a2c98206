/* conf: read phoneboot.conf with inih, validate every key, keep one struct. */
#include "conf.h"
#include "mac.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The INI reader under every INI file of ours. inih reads lines of at most
 * INI_LINE_MAX - 1 bytes and would parse the rest of a longer one as a line
 * of its own; Debian's inih cannot tell a handler its line number, and
 * reports nothing for a section without keys. So lines come through this
 * reader, which counts them, refuses long ones and checks section names
 * where they stand; the first error is the one reported. */
#define INI_LINE_MAX 200

struct ini_ctx {
	const struct conf_ini *ini;
	FILE *f;
	char *err;
	size_t errlen;
	int lineno;       /* the line the reader gave inih last */
	int err_line;     /* where err was found; 0: no error yet */
};

/* The [server] and [tftp] keys go into one struct conf. */
struct parse_ctx {
	struct conf *c;
	int listen_seen;
};

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);
	if (!s)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

static int parse_uint_range(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int conf_parse_duration(const char *s, uint64_t *seconds)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned long long mul = 1;
	if (*end) {
		switch (*end) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 7 * 86400; break;
		default: return -1;
		}
		if (end[1])
			return -1;
	}
	if (v > UINT64_MAX / mul)
		return -1;
	*seconds = v * mul;
	return 0;
}

/* "1.2.3.4:69", "[::1]:69", "1.2.3.4" (default port), "*:69" (any IPv4). */
int conf_parse_addr(const char *s, int default_port, struct conf_addr *a)
{
	char host[64];
	const char *port = NULL;
	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(a->text))
		return -1;
	snprintf(a->text, sizeof(a->text), "%s", s);
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e || (size_t)(e - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = 0;
		if (e[1] == ':')
			port = e + 2;
		else if (e[1])
			return -1;
	} else {
		const char *c = strrchr(s, ':');
		size_t hl = c ? (size_t)(c - s) : strlen(s);
		if (hl >= sizeof(host) || (c && strchr(s, ':') != c))
			return -1;
		memcpy(host, s, hl);
		host[hl] = 0;
		port = c ? c + 1 : NULL;
	}
	unsigned p = (unsigned)default_port;
	if (port && parse_uint_range(port, 1, 65535, &p) < 0)
		return -1;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;
	if (strcmp(host, "*") == 0)
		snprintf(host, sizeof(host), "0.0.0.0");
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		a->len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		a->len = sizeof(*v6);
	} else {
		return -1;
	}
	return 0;
}

__attribute__((format(printf, 3, 4)))
static void first_error(struct ini_ctx *x, int line, const char *fmt, ...)
{
	va_list ap;
	if (x->err_line)
		return;
	x->err_line = line;
	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
}

static void check_section(struct ini_ctx *x, const char *p)
{
	const char *e = strchr(p, ']');
	if (!e) {
		first_error(x, x->lineno, "%s", "a section header without its ']'");
		return;
	}
	char name[128], msg[256];
	snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
	if (x->ini->section && x->ini->section(x->ini->ctx, name, msg, sizeof(msg)) < 0)
		first_error(x, x->lineno, "%s", msg);
}

static char *read_line(char *str, int num, void *stream)
{
	struct ini_ctx *x = stream;
	if (!fgets(str, num, x->f))
		return NULL;
	x->lineno++;
	size_t len = strlen(str);
	if (len == (size_t)num - 1 && str[len - 1] != '\n' && !feof(x->f)) {
		int ch;
		while ((ch = fgetc(x->f)) != EOF && ch != '\n')
			;
		const char *q = str + strspn(str, " \t");
		if (*q != ';' && *q != '#') /* a long comment is still a comment */
			first_error(x, x->lineno, "line longer than %d characters", num - 2);
		snprintf(str, (size_t)num, ";\n");
		return str;
	}
	const char *p = str + strspn(str, " \t");
	if (*p == '[')
		check_section(x, p);
	return str;
}

static int on_ini_key(void *user, const char *section, const char *key, const char *value)
{
	struct ini_ctx *x = user;
	char msg[768] = "";
	if (x->err_line)
		return 1; /* the first error is the one reported */
	if (x->ini->key(x->ini->ctx, section, key, value, msg, sizeof(msg)) < 0) {
		first_error(x, x->lineno, "%s", msg[0] ? msg : "out of memory");
		return 0;
	}
	return 1;
}

int conf_ini_parse(FILE *f, const char *name, const struct conf_ini *ini, char *err, size_t errlen)
{
	struct ini_ctx x = {.ini = ini, .f = f, .err = err, .errlen = errlen};
	err[0] = 0;
	int line = ini_parse_stream(read_line, &x, on_ini_key, &x);
	if (ferror(f)) { /* a directory opens, then fails to read */
		snprintf(err, errlen, "%s: cannot read it: %s", name, strerror(errno));
		return -1;
	}
	if (line > 0 && (!x.err_line || line < x.err_line)) {
		/* inih found a line that is neither a section nor key = value */
		x.err_line = line;
		snprintf(err, errlen, "not an INI line (expected [section] or key = value)");
	}
	if (!x.err_line)
		return 0;
	char *what = strdup(err);
	snprintf(err, errlen, "%s:%d: %s", name, x.err_line, what ? what : "error");
	free(what);
	return -1;
}

static int bad(char *err, size_t errlen, const char *sec, const char *key, const char *val,
	       const char *expected)
{
	snprintf(err, errlen, "[%s] %s = %s: expected %s", sec, key, val, expected);
	return -1;
}

static int server_key(struct parse_ctx *x, const char *key, const char *v, char *err, size_t errlen)
{
	struct conf *c = x->c;
	if (strcmp(key, "state_dir") == 0) {
		if (v[0] != '/')
			return bad(err, errlen, "server", key, v, "an absolute directory path");
		return set_str(&c->state_dir, v);
	}
	if (strcmp(key, "user") == 0) {
		if (!*v)
			return bad(err, errlen, "server", key, v, "a user name");
		return set_str(&c->user, v);
	}
	if (strcmp(key, "log") == 0) {
		if (strcmp(v, "stdout") == 0)
			c->log = CONF_LOG_STDOUT;
		else if (strcmp(v, "syslog") == 0)
			c->log = CONF_LOG_SYSLOG;
		else
			return bad(err, errlen, "server", key, v, "stdout or syslog");
		return 0;
	}
	if (strcmp(key, "keep_events") == 0) {
		if (conf_parse_duration(v, &c->keep_events_s) < 0 || c->keep_events_s == 0)
			return bad(err, errlen, "server", key, v, "a duration such as 30d, 12h or 3600 (seconds), not 0");
		return 0;
	}
	snprintf(err, errlen, "[server] unknown key '%s' (known: state_dir, user, log, keep_events)", key);
	return -1;
}

static int tftp_listen(struct parse_ctx *x, const char *v, char *err, size_t errlen)
{
	struct conf *c = x->c;
	char buf[512];
	if (!x->listen_seen) {
		c->ntftp_listen = 0; /* the file replaces the default */
		x->listen_seen = 1;
	}
	if (strlen(v) >= sizeof(buf))
		return bad(err, errlen, "tftp", "listen", v, "at most a few ADDR:PORT");
	snprintf(buf, sizeof(buf), "%s", v);
	char *save = NULL;
	for (char *tok = strtok_r(buf, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
		if (c->ntftp_listen == CONF_MAX_LISTEN)
			return bad(err, errlen, "tftp", "listen", v, "at most 8 addresses");
		if (conf_parse_addr(tok, 69, &c->tftp_listen[c->ntftp_listen]) < 0)
			return bad(err, errlen, "tftp", "listen", tok,
				   "ADDR:PORT such as 0.0.0.0:69, [::]:69 or 127.0.0.1:6969");
		c->ntftp_listen++;
	}
	if (c->ntftp_listen == 0)
		return bad(err, errlen, "tftp", "listen", v, "at least one ADDR:PORT");
	return 0;
}

static int tftp_key(struct parse_ctx *x, const char *key, const char *v, char *err, size_t errlen)
{
	struct conf *c = x->c;
	static const struct {
		const char *name;
		unsigned lo, hi;
		size_t off;
		const char *what;
	} nums[] = {
		{"max_blksize", 8, 65464, offsetof(struct conf, max_blksize), "a block size 8..65464"},
		{"max_windowsize", 1, 65535, offsetof(struct conf, max_windowsize), "a window 1..65535"},
		{"max_transfers", 1, 100000, offsetof(struct conf, max_transfers), "a count 1..100000"},
		{"max_per_client", 0, 100000, offsetof(struct conf, max_per_client),
		 "a count 0..100000 (0: no limit)"},
		{"retries", 1, 100, offsetof(struct conf, retries), "a count 1..100"},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(key, nums[i].name) != 0)
			continue;
		if (parse_uint_range(v, nums[i].lo, nums[i].hi, (unsigned *)((char *)c + nums[i].off)) < 0)
			return bad(err, errlen, "tftp", key, v, nums[i].what);
		return 0;
	}
	if (strcmp(key, "listen") == 0)
		return tftp_listen(x, v, err, errlen);
	if (strcmp(key, "root") == 0) {
		if (v[0] != '/')
			return bad(err, errlen, "tftp", key, v, "an absolute directory path");
		return set_str(&c->tftp_root, v);
	}
	if (strcmp(key, "allow_write") == 0) {
		if (!*v) {
			free(c->allow_write);
			c->allow_write = NULL;
			return 0;
		}
		if (v[0] != '/')
			return bad(err, errlen, "tftp", key, v, "an absolute upload directory, or nothing");
		return set_str(&c->allow_write, v);
	}
	if (strcmp(key, "io") == 0) {
		static const char *names[] = {"auto", "io_uring", "epoll"};
		for (int i = 0; i < 3; i++)
			if (strcmp(v, names[i]) == 0) {
				c->tftp_io = (enum conf_io)i;
				return 0;
			}
		return bad(err, errlen, "tftp", key, v, "auto, io_uring or epoll");
	}
	snprintf(err, errlen,
		 "[tftp] unknown key '%s' (known: listen, root, max_blksize, max_windowsize, "
		 "max_transfers, max_per_client, retries, allow_write, io)", key);
	return -1;
}

/* One rule for every MAC phoneboot reads: mac.c. */
int conf_parse_mac(const char *s, uint8_t mac[6])
{
	return mac_parse(s, mac, NULL);
}

int conf_parse_cidr(const char *s, struct in_addr *net, struct in_addr *mask)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	unsigned bits;
	if (inet_pton(AF_INET, buf, net) != 1 || parse_uint_range(slash + 1, 1, 30, &bits) < 0)
		return -1;
	mask->s_addr = htonl(0xffffffffu << (32 - bits));
	if ((net->s_addr & ~mask->s_addr) != 0)
		return -1; /* 10.20.0.5/24 is not a network */
	return 0;
}

static int conf_section(void *ctx, const char *name, char *err, size_t errlen)
{
	struct parse_ctx *x = ctx;
	if (strcmp(name, "server") == 0 || strcmp(name, "tftp") == 0 || strcmp(name, "dhcp") == 0 ||
	    strcmp(name, "pbx") == 0)
		return 0;
	if (strncmp(name, "dhcp.", 5) == 0) {
		struct conf *c = x->c;
		struct in_addr net, mask;
		if (conf_parse_cidr(name + 5, &net, &mask) < 0) {
			snprintf(err, errlen, "[%s]: expected [dhcp.NETWORK/BITS] such as [dhcp.10.20.0.0/24]", name);
			return -1;
		}
		for (int i = 0; i < c->nrelayed; i++)
			if (c->relayed[i].net.s_addr == net.s_addr && c->relayed[i].mask.s_addr == mask.s_addr) {
				snprintf(err, errlen, "[%s] is given twice", name);
				return -1;
			}
		if (c->nrelayed == CONF_MAX_SUBNETS) {
			snprintf(err, errlen, "[%s]: at most %d relayed subnets", name, CONF_MAX_SUBNETS);
			return -1;
		}
		struct conf_subnet *sn = &c->relayed[c->nrelayed++];
		memset(sn, 0, sizeof(*sn));
		sn->net = net, sn->mask = mask, sn->has_net = 1;
		sn->lease_s = 0; /* unset: [dhcp]'s, wherever [dhcp] stands in the file */
		snprintf(sn->name, sizeof(sn->name), "%s", name);
		return 0;
	}
	snprintf(err, errlen, "unknown section [%s] (known: [server], [tftp], [dhcp], [dhcp.NETWORK/BITS], [pbx])", name);
	return -1;
}

static int parse_addrs(const char *v, struct in_addr *out, int max, int *n)
{
	char buf[512], *save = NULL;
	*n = 0;
	if (strlen(v) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (*n == max || inet_pton(AF_INET, t, &out[*n]) != 1)
			return -1;
		(*n)++;
	}
	return 0;
}

static int parse_range(const char *v, struct in_addr *lo, struct in_addr *hi)
{
	char a[32], b[32];
	if (sscanf(v, " %31[0-9.] - %31[0-9.] ", a, b) != 2 || inet_pton(AF_INET, a, lo) != 1 ||
	    inet_pton(AF_INET, b, hi) != 1 || ntohl(lo->s_addr) > ntohl(hi->s_addr))
		return -1;
	return 0;
}

/* The keys that describe a subnet, in [dhcp] and in [dhcp.NETWORK/BITS]. */
static int subnet_key(struct conf_subnet *sn, const char *key, const char *v, char *err, size_t errlen)
{
	const char *sec = sn->name;
	if (strcmp(key, "range") == 0) {
		if (parse_range(v, &sn->lo, &sn->hi) < 0)
			return bad(err, errlen, sec, key, v, "FIRST-LAST such as 192.168.0.100-192.168.0.199");
		if (sn->has_net && ((sn->lo.s_addr & sn->mask.s_addr) != sn->net.s_addr ||
				    (sn->hi.s_addr & sn->mask.s_addr) != sn->net.s_addr))
			return bad(err, errlen, sec, key, v, "a range inside the section's network");
		return 0;
	}
	if (strcmp(key, "router") == 0) {
		if (parse_addrs(v, sn->routers, CONF_MAX_ADDRS, &sn->nrouters) < 0)
			return bad(err, errlen, sec, key, v, "at most 8 IPv4 addresses, comma-separated");
		return 0;
	}
	if (strcmp(key, "dns") == 0) {
		if (parse_addrs(v, sn->dns, CONF_MAX_ADDRS, &sn->ndns) < 0)
			return bad(err, errlen, sec, key, v, "at most 8 IPv4 addresses, comma-separated");
		return 0;
	}
	if (strcmp(key, "tftp_servers") == 0) {
		if (parse_addrs(v, sn->tftp, CONF_MAX_ADDRS, &sn->ntftp) < 0)
			return bad(err, errlen, sec, key, v, "at most 8 IPv4 addresses (option 150 holds addresses, not names)");
		return 0;
	}
	if (strcmp(key, "tftp_server_name") == 0) {
		if (strlen(v) > 255)
			return bad(err, errlen, sec, key, v, "a host name or address of at most 255 characters");
		if (!*v) { /* empty: the default (the first of tftp_servers) */
			free(sn->tftp_name);
			sn->tftp_name = NULL;
			return 0;
		}
		return set_str(&sn->tftp_name, v);
	}
	if (strcmp(key, "lease_time") == 0) {
		uint64_t d;
		if (conf_parse_duration(v, &d) < 0 || d < 60 || d > 0xfffffffe)
			return bad(err, errlen, sec, key, v, "a duration of at least 60 s, such as 1d or 12h");
		sn->lease_s = (uint32_t)d;
		return 0;
	}
	return 1; /* not a subnet key */
}

static int dhcp_key(struct parse_ctx *x, const char *key, const char *v, char *err, size_t errlen)
{
	struct conf *c = x->c;
	int r = subnet_key(&c->dhcp, key, v, err, errlen);
	if (r <= 0)
		return r;
	if (strcmp(key, "enabled") == 0 || strcmp(key, "phones_only") == 0) {
		int *dst = key[0] == 'e' ? &c->dhcp_enabled : &c->dhcp_phones_only;
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			*dst = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			*dst = 0;
		else
			return bad(err, errlen, "dhcp", key, v, "yes or no");
		return 0;
	}
	if (strcmp(key, "interface") == 0) {
		if (!*v || strlen(v) > 15 || strchr(v, '/'))
			return bad(err, errlen, "dhcp", key, v, "a network interface name such as eth0");
		return set_str(&c->dhcp_interface, v);
	}
	if (strcmp(key, "domain") == 0) {
		if (!*v) { /* empty: no option 15 */
			free(c->dhcp_domain);
			c->dhcp_domain = NULL;
			return 0;
		}
		return set_str(&c->dhcp_domain, v);
	}
	if (strcmp(key, "ntp") == 0) {
		if (parse_addrs(v, c->dhcp_ntp, CONF_MAX_ADDRS, &c->dhcp_nntp) < 0)
			return bad(err, errlen, "dhcp", key, v, "at most 8 IPv4 addresses, comma-separated");
		return 0;
	}
	if (strcmp(key, "reserve") == 0) {
		/* "MAC IP"; a value of several lines gives one pair a line (inih joins them) */
		char buf[4096], *save = NULL;
		snprintf(buf, sizeof(buf), "%s", v);
		for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char mac[64], ip[64];
			struct conf_reserve rv;
			if (sscanf(line, " %63s %63s", mac, ip) != 2 || conf_parse_mac(mac, rv.mac) < 0 ||
			    inet_pton(AF_INET, ip, &rv.ip) != 1)
				return bad(err, errlen, "dhcp", key, line, "MAC IP such as 00:11:22:33:44:55 192.168.0.50");
			if (c->nreserve == CONF_MAX_RESERVE)
				return bad(err, errlen, "dhcp", key, line, "at most 4096 reservations");
			for (int i = 0; i < c->nreserve; i++)
				if (!memcmp(c->reserve[i].mac, rv.mac, 6) || c->reserve[i].ip.s_addr == rv.ip.s_addr)
					return bad(err, errlen, "dhcp", key, line, "each MAC and each address once");
			struct conf_reserve *p = realloc(c->reserve, (size_t)(c->nreserve + 1) * sizeof(*p));
			if (!p)
				return -1;
			c->reserve = p;
			c->reserve[c->nreserve++] = rv;
		}
		return 0;
	}
	snprintf(err, errlen,
		 "[dhcp] unknown key '%s' (known: enabled, interface, range, router, dns, domain, ntp, lease_time,"
		 " tftp_servers, tftp_server_name, phones_only, reserve)", key);
	return -1;
}

/* An Asterisk context name: what FreePBX and the Asterisk samples use
 * (from-internal, default, phones_2), at most 79 bytes (AST_MAX_CONTEXT). */
static int context_ok(const char *v)
{
	size_t n = strlen(v);
	return n > 0 && n < 80 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") == n;
}

static int pbx_key(struct parse_ctx *x, const char *key, const char *v, char *err, size_t errlen)
{
	struct conf *c = x->c;
	if (strcmp(key, "transport") == 0) {
		if (strcmp(v, "tcp") == 0)
			c->pbx_transport = CONF_TRANSPORT_TCP;
		else if (strcmp(v, "udp") == 0)
			c->pbx_transport = CONF_TRANSPORT_UDP;
		else
			return bad(err, errlen, "pbx", key, v, "tcp or udp");
		return 0;
	}
	if (strcmp(key, "sip_port") == 0) {
		if (parse_uint_range(v, 1, 65535, &c->pbx_sip_port) < 0)
			return bad(err, errlen, "pbx", key, v, "a port 1..65535");
		return 0;
	}
	if (strcmp(key, "context") == 0) {
		if (!context_ok(v))
			return bad(err, errlen, "pbx", key, v,
				   "a dialplan context of 1..79 letters, digits, '_', '-' or '.', such as from-internal");
		return set_str(&c->pbx_context, v);
	}
	snprintf(err, errlen, "[pbx] unknown key '%s' (known: transport, sip_port, context)", key);
	return -1;
}

static int conf_key(void *ctx, const char *section, const char *key, const char *value, char *err,
		    size_t errlen)
{
	struct parse_ctx *x = ctx;
	if (strcmp(section, "server") == 0)
		return server_key(x, key, value, err, errlen);
	if (strcmp(section, "tftp") == 0)
		return tftp_key(x, key, value, err, errlen);
	if (strcmp(section, "dhcp") == 0)
		return dhcp_key(x, key, value, err, errlen);
	if (strcmp(section, "pbx") == 0)
		return pbx_key(x, key, value, err, errlen);
	if (strncmp(section, "dhcp.", 5) == 0) {
		struct conf_subnet *sn = NULL;
		for (int i = 0; i < x->c->nrelayed; i++)
			if (strcmp(x->c->relayed[i].name, section) == 0)
				sn = &x->c->relayed[i];
		int r = sn ? subnet_key(sn, key, value, err, errlen) : -1;
		if (r > 0)
			snprintf(err, errlen, "[%s] unknown key '%s' (known: range, router, dns, lease_time, tftp_servers,"
				 " tftp_server_name)", section, key);
		return r == 0 ? 0 : -1;
	}
	if (!*section)
		snprintf(err, errlen, "key '%s' outside any section (expected [server], [tftp] or [dhcp] first)", key);
	else
		snprintf(err, errlen, "unknown section [%s] (known: [server], [tftp])", section);
	return -1;
}

static int set_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->log = CONF_LOG_STDOUT;
	c->keep_events_s = 30 * 86400;
	c->max_blksize = 1468;
	c->max_windowsize = 64;
	c->max_transfers = 2000;
	c->max_per_client = 16;
	c->retries = 5;
	c->ntftp_listen = 1;
	conf_parse_addr("0.0.0.0:69", 69, &c->tftp_listen[0]);
	c->dhcp.lease_s = 86400;
	snprintf(c->dhcp.name, sizeof(c->dhcp.name), "dhcp");
	c->pbx_transport = CONF_TRANSPORT_TCP;
	c->pbx_sip_port = 5060;
	if (set_str(&c->state_dir, "/var/lib/phoneboot") < 0 || set_str(&c->user, "nobody") < 0 ||
	    set_str(&c->pbx_context, "from-internal") < 0)
		return -1;
	return 0;
}

int conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	if (set_defaults(c) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (path) {
		struct parse_ctx x = {.c = c};
		struct conf_ini ini = {.section = conf_section, .key = conf_key, .ctx = &x};
		FILE *f = fopen(path, "r");
		if (!f) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		int r = conf_ini_parse(f, path, &ini, err, errlen);
		fclose(f);
		if (r < 0)
			return -1;
		for (int i = 0; i < c->nrelayed; i++)
			if (!c->relayed[i].lease_s)
				c->relayed[i].lease_s = c->dhcp.lease_s;
		c->path = strdup(path);
	}
	if (!c->tftp_root && asprintf(&c->tftp_root, "%s/tftp", c->state_dir) < 0)
		c->tftp_root = NULL;
	if (!c->tftp_root || !c->state_dir) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void conf_free(struct conf *c)
{
	free(c->path);
	free(c->state_dir);
	free(c->user);
	free(c->tftp_root);
	free(c->allow_write);
	free(c->dhcp_interface);
	free(c->dhcp_domain);
	free(c->reserve);
	free(c->dhcp.tftp_name);
	free(c->pbx_context);
	for (int i = 0; i < c->nrelayed; i++)
		free(c->relayed[i].tftp_name);
	memset(c, 0, sizeof(*c));
}
