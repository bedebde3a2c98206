/* probe: what this network's DHCP server really hands a phone. Sends one
 * DISCOVER as a 7906 would (its vendor class and request list), prints every
 * OFFER decoded with the option table, and judges options 150 and 66. */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "dhcp_wire.h"
#include "tftp_wire.h"

#define WAIT_MS 5000 /* dnsmasq pings an address for up to 3 s before offering it */
#define MAX_OFFERS 8

static const char vci[] = "Cisco Systems, Inc. IP Phone CP-7906G";
static const uint8_t prl[] = {1, 66, 6, 3, 15, 150, 35};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t build(uint8_t *pkt, size_t cap, int type, uint32_t xid, const uint8_t mac[6], struct in_addr req,
		    struct in_addr server, struct in_addr ciaddr)
{
	struct dhcp_msg h;
	struct dhcp_builder b;
	memset(&h, 0, sizeof(h));
	h.op = 1, h.htype = 1, h.hlen = 6, h.xid = xid;
	h.flags = type == DHCPRELEASE ? 0 : 0x8000; /* answer by broadcast: we have no address */
	h.ciaddr = ciaddr;
	memcpy(h.chaddr, mac, 6);
	dhcp_build_start(&b, pkt, cap, &h);
	dhcp_build_u8(&b, DHO_MSG_TYPE, (uint8_t)type);
	if (req.s_addr)
		dhcp_build_opt(&b, DHO_REQUESTED_IP, &req, 4);
	if (server.s_addr)
		dhcp_build_opt(&b, DHO_SERVER_ID, &server, 4);
	dhcp_build_opt(&b, DHO_VENDOR_CLASS, vci, sizeof(vci)); /* with its NUL, as phones send it */
	dhcp_build_opt(&b, DHO_PARAM_LIST, prl, sizeof(prl));
	return dhcp_build_end(&b);
}

/* Wait for replies of type `want` to xid; keeps up to max. */
static int collect(int fd, uint32_t xid, int want, uint8_t (*pkts)[DHCP_MAX_LEN], size_t *lens, int max, int wait_ms,
		   int first_only)
{
	int n = 0;
	int64_t end = now_ms() + wait_ms;
	while (n < max) {
		int left = (int)(end - now_ms());
		if (left <= 0)
			break;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, left) <= 0)
			continue;
		ssize_t r = recv(fd, pkts[n], DHCP_MAX_LEN, 0);
		struct dhcp_msg m;
		if (r <= 0 || dhcp_parse(pkts[n], (size_t)r, &m) != DHCP_OK || m.op != 2 || m.xid != xid)
			continue;
		int t = dhcp_msg_type(&m);
		if (t != want && !(want == DHCPACK && t == DHCPNAK))
			continue;
		lens[n++] = (size_t)r;
		if (first_only)
			break;
	}
	return n;
}

/* Any answer to an RRQ (a DATA, an OACK, even ERROR 1) proves a TFTP server. */
static int tftp_answers(struct in_addr server, char *what, size_t len)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	uint8_t pkt[600];
	size_t n = tftp_build_request(pkt, sizeof(pkt), TFTP_RRQ, "XMLDefault.cnf.xml", "octet", NULL, 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(69), .sin_addr = server};
	int ok = 0;
	for (int tries = 0; tries < 2 && !ok; tries++) {
		sendto(fd, pkt, n, 0, (struct sockaddr *)&to, sizeof(to));
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 1500) <= 0)
			continue;
		uint8_t buf[1600];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		struct tftp_msg m;
		if (r > 0 && from.sin_addr.s_addr == server.s_addr && tftp_parse(buf, (size_t)r, &m) == TFTP_PARSE_OK) {
			ok = 1;
			if (m.op == TFTP_ERROR)
				snprintf(what, len, "answers (ERROR %u: %.60s)", m.errcode, m.errmsg);
			else
				snprintf(what, len, "answers (%s)", m.op == TFTP_DATA ? "sends XMLDefault.cnf.xml" : "OACK");
			if (m.op == TFTP_DATA || m.op == TFTP_OACK) { /* end the transfer politely */
				uint8_t e[32];
				size_t el = tftp_build_error(e, sizeof(e), TFTP_EUNDEF, "probe done");
				sendto(fd, e, el, 0, (struct sockaddr *)&from, fl);
			}
		}
	}
	close(fd);
	if (!ok)
		snprintf(what, len, "no answer on port 69");
	return ok;
}

/* Print one offer and judge it for phones: 0 right, 1 a problem. */
static int judge(FILE *out, const struct dhcp_msg *m)
{
	uint8_t v[1024];
	char txt[2048];
	int problems = 0;
	fprintf(out, "OFFER of %s from", inet_ntoa(m->yiaddr));
	int sl = dhcp_opt(m, DHO_SERVER_ID, v, sizeof(v));
	fprintf(out, " %s\n", sl == 4 ? inet_ntoa(*(struct in_addr *)v) : "(no server identifier)");
	uint8_t seen[256] = {0};
	for (int i = 0; i < m->nfrag; i++) {
		uint8_t code = m->frag[i].code;
		if (seen[code]++)
			continue;
		int n = dhcp_opt(m, code, v, sizeof(v));
		dhcp_opt_format(code, v, (size_t)n, txt, sizeof(txt));
		const struct dhcp_opt_info *oi = dhcp_opt_info(code);
		fprintf(out, "  option %3u %-24s %s\n", code, oi->name, txt);
	}
	if (m->siaddr.s_addr)
		fprintf(out, "  next server (siaddr)            %s\n", inet_ntoa(m->siaddr));
	int n150 = dhcp_opt(m, DHO_CISCO_TFTP, v, sizeof(v));
	struct in_addr tftp = {0};
	if (n150 < 0) {
		fprintf(out, "  PROBLEM: no option 150. Phones then try option 66, then siaddr. Send 150 as a list\n"
			     "  of addresses: phoneboot dhcp-option 150 ADDRESS shows how for your server.\n");
		problems++;
	} else if (dhcp_opt_looks_like_text(v, (size_t)n150)) {
		fprintf(out, "  PROBLEM: option 150 holds the text \"%.*s\": the address was typed into a text\n"
			     "  field. Phones read it as the address %u.%u.%u.%u. Use the IP-address type, or the hex\n"
			     "  value: phoneboot dhcp-option 150 %.*s\n", n150, (char *)v, v[0], v[1], n150 > 2 ? v[2] : 0,
			n150 > 3 ? v[3] : 0, n150, (char *)v);
		problems++;
	} else if (n150 == 0 || n150 % 4 != 0) {
		fprintf(out, "  PROBLEM: option 150 is %d bytes long, not a multiple of 4: not a list of addresses\n", n150);
		problems++;
	} else {
		memcpy(&tftp, v, 4);
	}
	int n66 = dhcp_opt(m, DHO_TFTP_SERVER_NAME, v, sizeof(v) - 1);
	if (n66 > 0) {
		v[n66 < (int)sizeof(v) - 1 ? n66 : (int)sizeof(v) - 1] = 0;
		struct in_addr a66;
		char *s66 = (char *)v;
		while (*s66 == ' ')
			s66++;
		if (inet_pton(AF_INET, s66, &a66) == 1) {
			if (tftp.s_addr && a66.s_addr != tftp.s_addr) {
				fprintf(out, "  PROBLEM: option 66 (%s) and option 150 (%s) name different servers; phones"
					     " may use either\n", s66, inet_ntoa(tftp));
				problems++;
			}
			if (!tftp.s_addr)
				tftp = a66;
		}
	}
	if (!tftp.s_addr && m->siaddr.s_addr)
		tftp = m->siaddr;
	if (tftp.s_addr) {
		char what[128];
		if (tftp_answers(tftp, what, sizeof(what)))
			fprintf(out, "  TFTP server %s %s\n", inet_ntoa(tftp), what);
		else {
			fprintf(out, "  PROBLEM: the TFTP server %s gives %s\n", inet_ntoa(tftp), what);
			problems++;
		}
	} else {
		fprintf(out, "  PROBLEM: no TFTP server in options 150, 66 or siaddr\n");
		problems++;
	}
	if (!problems)
		fprintf(out, "  right for phones\n");
	return problems ? 1 : 0;
}

int probe_run(const char *iface, int request, FILE *out, char *err, size_t errlen)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(68)};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		snprintf(err, errlen, "--iface %s: port 68: %s%s", iface, strerror(errno),
			 errno == EPERM || errno == EACCES ? " (run as root)" : "");
		if (fd >= 0)
			close(fd);
		return 2;
	}
	struct timeval tv;
	gettimeofday(&tv, NULL);
	uint32_t xid = (uint32_t)(tv.tv_sec ^ tv.tv_usec ^ getpid());
	const uint8_t mac[6] = {0x02, 0x50, 0x42, (uint8_t)(xid >> 16), (uint8_t)(xid >> 8), (uint8_t)xid};
	uint8_t pkt[DHCP_MAX_LEN];
	struct in_addr none = {0};
	size_t n = build(pkt, sizeof(pkt), DHCPDISCOVER, xid, mac, none, none, none);
	struct sockaddr_in bc = {.sin_family = AF_INET, .sin_port = htons(67), .sin_addr = {htonl(INADDR_BROADCAST)}};
	fprintf(out, "DISCOVER on %s as a Cisco 7906 (vendor class \"%s\", requests 1,66,6,3,15,150,35)\n", iface, vci);
	if (sendto(fd, pkt, n, 0, (struct sockaddr *)&bc, sizeof(bc)) < 0) {
		snprintf(err, errlen, "sending on %s: %s", iface, strerror(errno));
		close(fd);
		return 2;
	}
	static uint8_t offers[MAX_OFFERS][DHCP_MAX_LEN];
	size_t lens[MAX_OFFERS];
	int noff = collect(fd, xid, DHCPOFFER, offers, lens, MAX_OFFERS, WAIT_MS, 0);
	if (noff == 0) {
		fprintf(out, "no OFFER within %d s: no DHCP server answers on %s (or it ignores this vendor class)\n",
			WAIT_MS / 1000, iface);
		close(fd);
		return 1;
	}
	int good = -1;
	for (int i = 0; i < noff; i++) {
		struct dhcp_msg m;
		dhcp_parse(offers[i], lens[i], &m);
		if (judge(out, &m) == 0 && good < 0)
			good = i;
	}
	if (noff > 1)
		fprintf(out, "%d servers answered: phones take the first OFFER that reaches them\n", noff);
	if (request && noff > 0) {
		struct dhcp_msg m;
		int pick = good >= 0 ? good : 0;
		dhcp_parse(offers[pick], lens[pick], &m);
		struct in_addr sid = {0};
		dhcp_opt(&m, DHO_SERVER_ID, (uint8_t *)&sid, 4);
		n = build(pkt, sizeof(pkt), DHCPREQUEST, xid, mac, m.yiaddr, sid, none);
		sendto(fd, pkt, n, 0, (struct sockaddr *)&bc, sizeof(bc));
		static uint8_t ack[1][DHCP_MAX_LEN];
		size_t al;
		struct dhcp_msg am;
		if (collect(fd, xid, DHCPACK, ack, &al, 1, WAIT_MS, 1) == 1 && dhcp_parse(ack[0], al, &am) == DHCP_OK &&
		    dhcp_msg_type(&am) == DHCPACK) {
			fprintf(out, "ACK of %s: the lease is complete; releasing it\n", inet_ntoa(am.yiaddr));
			n = build(pkt, sizeof(pkt), DHCPRELEASE, xid + 1, mac, none, sid, am.yiaddr);
			sendto(fd, pkt, n, 0, (struct sockaddr *)&bc, sizeof(bc));
		} else {
			fprintf(out, "PROBLEM: no ACK to the REQUEST for %s\n", inet_ntoa(m.yiaddr));
			good = -1;
		}
	}
	close(fd);
	return good >= 0 ? 0 : 1;
}
