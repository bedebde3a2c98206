/* dhcp: DHCP server in the one loop. Leases live in memory (an array per
 * subnet, by address, and a hash by client) and in the state file; every
 * change is queued for the loop turn's transaction, and ACKs wait in a list
 * until the store has committed their leases (group commit: one commit per
 * turn, however many phones boot at once; a commit the state file's lock
 * postpones holds the ACKs across turns). */
#include "dhcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dhcp_wire.h"
#include "esc.h"
#include "log.h"

#define MAX_POOL 65536
#define OFFER_HOLD_S 60          /* an offer keeps its address this long */
#define DECLINE_HOLD_S 600       /* an address a client found in use rests this long */
#define CLIENT_KEY 64
#define HASH_SIZE 8192
#define RECV_BATCH 64
#define PENDING_MAX 4096
#define PROBE_US 5000000          /* dnsmasq may wait 3 s (its ping) before offering */

enum lstate { L_FREE = 0, L_OFFERED, L_ACTIVE, L_RELEASED, L_EXPIRED, L_DECLINED };
static const char *const lstate_names[] = {"free", "offered", "active", "released", "expired", "declined"};

struct lease {
	uint32_t ip;                 /* host order */
	enum lstate state;
	int64_t expires_us;
	uint8_t key[CLIENT_KEY];     /* client id (61), else 0x00 + htype + chaddr */
	uint8_t keylen;
	uint8_t mac[6];
	char hostname[64];
	char vci[128];
	struct lease *hnext;
};

struct subnet {
	const struct conf_subnet *c;
	uint32_t net, mask, lo, hi;  /* host order */
	struct lease *pool;          /* lo..hi */
	uint32_t cursor;
	struct lease *fixed;         /* reservations outside the range */
	int nfixed;
};

struct pending {
	uint8_t pkt[DHCP_MAX_LEN];
	size_t len;
	struct sockaddr_in to;
	uint64_t seq;                /* sent once the store has committed this */
};

struct dhcp_server {
	struct loop *loop;
	struct conf *conf;
	struct store *st;
	int fd, probe_fd;
	unsigned ifindex;
	struct in_addr our;          /* server identifier */
	struct subnet *sub;          /* [0] the interface's; then the relayed */
	int nsub;
	struct lease *hash[HASH_SIZE];
	struct pending *pend;
	int npend;
	struct loop_timer probe_timer;
	uint32_t probe_xid;
};

static int64_t wall_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static const char *ipstr(uint32_t ip, char *buf)
{
	struct in_addr a = {htonl(ip)};
	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
	return buf;
}

static void macstr(const uint8_t *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* --- leases --- */

static unsigned key_hash(const uint8_t *k, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h % HASH_SIZE;
}

static void hash_del(struct dhcp_server *s, struct lease *l)
{
	if (!l->keylen)
		return;
	for (struct lease **p = &s->hash[key_hash(l->key, l->keylen)]; *p; p = &(*p)->hnext)
		if (*p == l) {
			*p = l->hnext;
			break;
		}
	l->hnext = NULL;
}

static void hash_add(struct dhcp_server *s, struct lease *l)
{
	unsigned h = key_hash(l->key, l->keylen);
	l->hnext = s->hash[h];
	s->hash[h] = l;
}

static struct lease *by_key(struct dhcp_server *s, const uint8_t *k, size_t n, const struct subnet *sn)
{
	for (struct lease *l = s->hash[key_hash(k, n)]; l; l = l->hnext)
		if (l->keylen == n && memcmp(l->key, k, n) == 0 && (l->ip & sn->mask) == sn->net)
			return l;
	return NULL;
}

static struct lease *at(const struct subnet *sn, uint32_t ip)
{
	if (ip >= sn->lo && ip <= sn->hi)
		return &sn->pool[ip - sn->lo];
	for (int i = 0; i < sn->nfixed; i++) /* a fixed address outside the range */
		if (sn->fixed[i].ip == ip)
			return &sn->fixed[i];
	return NULL;
}

static const struct conf_reserve *reservation_of_mac(const struct conf *c, const uint8_t *mac)
{
	for (int i = 0; i < c->nreserve; i++)
		if (memcmp(c->reserve[i].mac, mac, 6) == 0)
			return &c->reserve[i];
	return NULL;
}

static int reserved_ip(const struct conf *c, uint32_t ip)
{
	for (int i = 0; i < c->nreserve; i++)
		if (ntohl(c->reserve[i].ip.s_addr) == ip)
			return 1;
	return 0;
}

/* not the network, the broadcast or our own address */
static int usable(const struct dhcp_server *s, const struct subnet *sn, uint32_t ip)
{
	return ip != sn->net && ip != (sn->net | ~sn->mask) && ip != ntohl(s->our.s_addr);
}

/* free to give: never used, or its time is over */
static int available(const struct lease *l, int64_t now)
{
	if (l->state == L_FREE)
		return 1;
	if (l->state == L_ACTIVE || l->state == L_OFFERED || l->state == L_DECLINED)
		return l->expires_us < now;
	return 1; /* released, expired */
}

static void record(struct dhcp_server *s, const struct subnet *sn, const struct lease *l)
{
	char ip[INET_ADDRSTRLEN], mac[20], cid[2 * CLIENT_KEY + 1] = "";
	for (int i = 0; i < l->keylen; i++)
		sprintf(cid + 2 * i, "%02x", l->key[i]);
	macstr(l->mac, mac);
	struct store_lease sl = {
		.ip = ipstr(l->ip, ip), .mac = mac, .client_id = cid, .state = lstate_names[l->state],
		.expires_us = l->expires_us, .hostname = l->hostname[0] ? l->hostname : NULL,
		.vendor_class = l->vci[0] ? l->vci : NULL, .subnet = sn->c->name, .updated_us = wall_us(),
	};
	if (store_lease_put(s->st, &sl) < 0)
		log_msg(LOG_ERR, "state file: recording the lease of %s: %s", ip, store_errmsg(s->st));
}

/* --- requests --- */

struct req {
	struct dhcp_msg m;
	int type;
	uint8_t key[CLIENT_KEY];
	size_t keylen;
	uint8_t mac[6];
	char vci[256];
	int vcilen;
	char hostname[64];
	uint8_t prl[256];
	int prllen;
	uint32_t requested, server_id;
	uint16_t max_size;
	uint8_t relay[255];
	int relaylen;
	int phone;
	struct subnet *sn;
};

static int wants(const struct req *r, uint8_t code)
{
	return r->prllen > 0 && memchr(r->prl, code, (size_t)r->prllen) != NULL;
}

static void add_ips(struct dhcp_builder *b, uint8_t code, const struct in_addr *a, int n)
{
	if (n > 0)
		dhcp_build_opt(b, code, a, (size_t)n * 4);
}

static size_t build_reply(struct dhcp_server *s, const struct req *r, int type, uint32_t yiaddr, uint32_t lease_s,
			  uint8_t *buf, size_t cap)
{
	struct dhcp_msg h = r->m;
	struct dhcp_builder b;
	const struct conf_subnet *cs = r->sn->c;
	h.op = 2;
	h.hops = 0;
	h.yiaddr.s_addr = htonl(yiaddr);
	h.siaddr = s->our;  /* next server: TFTP */
	h.ciaddr = type == DHCPNAK ? (struct in_addr){0} : r->m.ciaddr;
	dhcp_build_start(&b, buf, cap, &h);
	if (r->max_size >= 576)
		b.limit = r->max_size - 28; /* IP and UDP headers */
	dhcp_build_u8(&b, DHO_MSG_TYPE, (uint8_t)type);
	dhcp_build_opt(&b, DHO_SERVER_ID, &s->our, 4);
	if (type != DHCPNAK) {
		if (type != DHCPACK || r->type != DHCPINFORM) {
			dhcp_build_u32(&b, DHO_LEASE_TIME, lease_s);
			dhcp_build_u32(&b, DHO_RENEWAL, lease_s / 2);
			dhcp_build_u32(&b, DHO_REBINDING, (uint32_t)((uint64_t)lease_s * 7 / 8));
		}
		struct in_addr mask = {htonl(r->sn->mask)};
		dhcp_build_opt(&b, DHO_SUBNET_MASK, &mask, 4);
		add_ips(&b, DHO_ROUTER, cs->routers, cs->nrouters);
		add_ips(&b, DHO_DNS, cs->dns, cs->ndns);
		if (s->conf->dhcp_domain)
			dhcp_build_opt(&b, DHO_DOMAIN, s->conf->dhcp_domain, strlen(s->conf->dhcp_domain));
		add_ips(&b, DHO_NTP, s->conf->dhcp_ntp, s->conf->dhcp_nntp);
		/* phones get 150 and 66 even when they do not ask (cisco-facts.md 8) */
		if (r->phone || wants(r, DHO_CISCO_TFTP)) {
			if (cs->ntftp)
				add_ips(&b, DHO_CISCO_TFTP, cs->tftp, cs->ntftp);
			else
				dhcp_build_opt(&b, DHO_CISCO_TFTP, &s->our, 4);
		}
		if (r->phone || wants(r, DHO_TFTP_SERVER_NAME)) {
			char name[INET_ADDRSTRLEN];
			const char *n = cs->tftp_name;
			if (!n)
				n = inet_ntop(AF_INET, cs->ntftp ? &cs->tftp[0] : &s->our, name, sizeof(name));
			dhcp_build_opt(&b, DHO_TFTP_SERVER_NAME, n, strlen(n));
		}
	} else {
		static const char msg[] = "address not valid here";
		dhcp_build_opt(&b, DHO_MESSAGE, msg, sizeof(msg) - 1);
	}
	if (r->relaylen > 0)
		dhcp_build_opt(&b, DHO_RELAY_AGENT, r->relay, (size_t)r->relaylen);
	return dhcp_build_end(&b);
}

/* RFC 2131 4.1: to the relay, to the client's address, or broadcast. */
static struct sockaddr_in reply_to(const struct req *r, int type)
{
	struct sockaddr_in to = {.sin_family = AF_INET};
	if (r->m.giaddr.s_addr) {
		to.sin_addr = r->m.giaddr;
		to.sin_port = htons(67);
	} else if (type != DHCPNAK && r->m.ciaddr.s_addr) {
		to.sin_addr = r->m.ciaddr;
		to.sin_port = htons(68);
	} else {
		to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
		to.sin_port = htons(68);
	}
	return to;
}

static void send_now(struct dhcp_server *s, const uint8_t *pkt, size_t len, const struct sockaddr_in *to)
{
	if (sendto(s->fd, pkt, len, 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
		log_msg(LOG_WARNING, "dhcp: sending to %s: %s", inet_ntoa(to->sin_addr), strerror(errno));
}

/* An ACK that waits for its lease's commit: its lease was queued last. */
static void send_after_commit(struct dhcp_server *s, const uint8_t *pkt, size_t len, const struct sockaddr_in *to)
{
	if (s->npend == PENDING_MAX) {
		/* a turn this busy: commit now rather than drop */
		if (store_flush(s->st) < 0)
			log_msg(LOG_ERR, "state file: commit: %s", store_errmsg(s->st));
		dhcp_turn_end(s);
	}
	if (s->npend == PENDING_MAX) {
		/* the state file stays locked: the client asks again (its lease is queued) */
		log_msg(LOG_WARNING, "dhcp: %d ACKs wait for the state file's lock; not answering %s now",
			PENDING_MAX, inet_ntoa(to->sin_addr));
		return;
	}
	struct pending *p = &s->pend[s->npend++];
	memcpy(p->pkt, pkt, len);
	p->len = len;
	p->to = *to;
	p->seq = store_queued_seq(s->st);
}

void dhcp_turn_end(struct dhcp_server *s)
{
	if (!s || s->npend == 0)
		return;
	/* in queue order: those whose leases are committed (a commit the lock
	 * postponed holds the rest until a later turn's) */
	uint64_t done = store_committed_seq(s->st);
	int i = 0;
	for (; i < s->npend && s->pend[i].seq <= done; i++)
		send_now(s, s->pend[i].pkt, s->pend[i].len, &s->pend[i].to);
	if (i > 0 && i < s->npend)
		memmove(s->pend, s->pend + i, (size_t)(s->npend - i) * sizeof(*s->pend));
	s->npend -= i;
}

int dhcp_held(const struct dhcp_server *s)
{
	return s ? s->npend : 0;
}

static void reply(struct dhcp_server *s, const struct req *r, int type, uint32_t ip, uint32_t lease_s, int after_commit)
{
	uint8_t pkt[DHCP_MAX_LEN];
	size_t n = build_reply(s, r, type, ip, lease_s, pkt, sizeof(pkt));
	char ips[INET_ADDRSTRLEN], mac[20];
	macstr(r->mac, mac);
	if (!n) {
		log_msg(LOG_WARNING, "dhcp: the %s for %s does not fit the client's maximum size", dhcp_type_name(type), mac);
		return;
	}
	struct sockaddr_in to = reply_to(r, type);
	log_msg(LOG_INFO, "DHCP%s %s to %s%s%s", dhcp_type_name(type), type == DHCPNAK ? "-" : ipstr(ip, ips), mac,
		r->m.giaddr.s_addr ? " via relay " : "", r->m.giaddr.s_addr ? inet_ntoa(r->m.giaddr) : "");
	if (after_commit)
		send_after_commit(s, pkt, n, &to);
	else
		send_now(s, pkt, n, &to);
}

static void bind_lease(struct dhcp_server *s, struct req *r, struct lease *l, enum lstate st, int64_t until)
{
	hash_del(s, l);
	l->state = st;
	l->expires_us = until;
	memcpy(l->key, r->key, r->keylen);
	l->keylen = (uint8_t)r->keylen;
	memcpy(l->mac, r->mac, 6);
	snprintf(l->hostname, sizeof(l->hostname), "%s", r->hostname);
	snprintf(l->vci, sizeof(l->vci), "%.*s", r->vcilen, r->vci);
	hash_add(s, l);
	record(s, r->sn, l);
}

/* The address for a DISCOVER: reserved, held, asked for, then any free. */
static struct lease *choose(struct dhcp_server *s, struct req *r, int64_t now)
{
	struct subnet *sn = r->sn;
	const struct conf_reserve *rv = reservation_of_mac(s->conf, r->mac);
	if (rv) {
		struct lease *l = at(sn, ntohl(rv->ip.s_addr));
		if (l && (available(l, now) || (l->keylen == r->keylen && !memcmp(l->key, r->key, r->keylen))))
			return l;
	}
	struct lease *l = by_key(s, r->key, r->keylen, sn);
	if (l && l->state != L_DECLINED)
		return l;
	l = r->requested ? at(sn, r->requested) : NULL;
	if (l && available(l, now) && !reserved_ip(s->conf, l->ip) && usable(s, sn, l->ip))
		return l;
	uint32_t n = sn->hi - sn->lo + 1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = (sn->cursor + i) % n;
		l = &sn->pool[k];
		if (available(l, now) && !reserved_ip(s->conf, l->ip) && usable(s, sn, l->ip)) {
			sn->cursor = (k + 1) % n;
			return l;
		}
	}
	return NULL;
}

static void on_discover(struct dhcp_server *s, struct req *r, int64_t now)
{
	struct lease *l = choose(s, r, now);
	char mac[20];
	if (!l) {
		macstr(r->mac, mac);
		log_msg(LOG_WARNING, "dhcp: no free address in [%s] for %s", r->sn->c->name, mac);
		return;
	}
	if (l->state != L_ACTIVE || l->expires_us < now)
		bind_lease(s, r, l, L_OFFERED, now + (int64_t)OFFER_HOLD_S * 1000000);
	reply(s, r, DHCPOFFER, l->ip, r->sn->c->lease_s, 0);
}

static void on_request(struct dhcp_server *s, struct req *r, int64_t now)
{
	if (r->server_id && r->server_id != ntohl(s->our.s_addr)) {
		/* the client took another server's offer: ours is free again */
		struct lease *l = by_key(s, r->key, r->keylen, r->sn);
		if (l && l->state == L_OFFERED) {
			l->state = L_FREE;
			record(s, r->sn, l);
		}
		return;
	}
	uint32_t ip = r->requested ? r->requested : ntohl(r->m.ciaddr.s_addr);
	struct lease *l = ip ? at(r->sn, ip) : NULL;
	const struct conf_reserve *rv = reservation_of_mac(s->conf, r->mac);
	int mine = l && l->keylen == r->keylen && !memcmp(l->key, r->key, r->keylen);
	int ok = l && usable(s, r->sn, ip) &&
		 (mine || (available(l, now) && (!reserved_ip(s->conf, ip) || (rv && ntohl(rv->ip.s_addr) == ip))));
	/* a reservation binds both ways: its MAC gets only its address, and no one
	 * else keeps it (the holder from before the reservation renews into a NAK) */
	if (ok && rv && ntohl(rv->ip.s_addr) != ip && at(r->sn, ntohl(rv->ip.s_addr)))
		ok = 0;
	if (ok && !rv && reserved_ip(s->conf, ip))
		ok = 0;
	if (ok && l->state == L_DECLINED && l->expires_us >= now)
		ok = 0;
	if (!ok) {
		/* an address this subnet cannot give this client (taken, out of the range,
		 * another network's): NAK, so it starts over with a DISCOVER */
		if (ip)
			reply(s, r, DHCPNAK, 0, 0, 0);
		return;
	}
	bind_lease(s, r, l, L_ACTIVE, now + (int64_t)r->sn->c->lease_s * 1000000);
	reply(s, r, DHCPACK, l->ip, r->sn->c->lease_s, 1);
}

static void on_decline_release(struct dhcp_server *s, struct req *r, int64_t now)
{
	uint32_t ip = r->type == DHCPDECLINE ? r->requested : ntohl(r->m.ciaddr.s_addr);
	struct lease *l = ip ? at(r->sn, ip) : NULL;
	if (!l || l->keylen != r->keylen || memcmp(l->key, r->key, r->keylen) != 0)
		return;
	char ips[INET_ADDRSTRLEN], mac[20];
	macstr(r->mac, mac);
	if (r->type == DHCPDECLINE) {
		l->state = L_DECLINED;
		l->expires_us = now + (int64_t)DECLINE_HOLD_S * 1000000;
		log_msg(LOG_WARNING, "DHCPDECLINE %s from %s: the address is in use by someone else", ipstr(ip, ips), mac);
	} else {
		l->state = L_RELEASED;
		l->expires_us = now;
	}
	record(s, r->sn, l);
}

static struct subnet *subnet_for(struct dhcp_server *s, const struct dhcp_msg *m)
{
	if (!m->giaddr.s_addr)
		return &s->sub[0];
	uint32_t g = ntohl(m->giaddr.s_addr);
	for (int i = 0; i < s->nsub; i++)
		if ((g & s->sub[i].mask) == s->sub[i].net)
			return &s->sub[i];
	return NULL;
}

static int read_req(const uint8_t *pkt, size_t len, struct req *r)
{
	enum dhcp_parse_err e = dhcp_parse(pkt, len, &r->m);
	if (e != DHCP_OK || r->m.op != 1 || r->m.htype != 1 || r->m.hlen != 6)
		return -1;
	r->type = dhcp_msg_type(&r->m);
	if (!r->type)
		return -1;
	memcpy(r->mac, r->m.chaddr, 6);
	int n = dhcp_opt(&r->m, DHO_CLIENT_ID, r->key, sizeof(r->key));
	if (n > 0 && n <= CLIENT_KEY) {
		r->keylen = (size_t)n;
	} else { /* no client identifier: the hardware address stands for it */
		r->key[0] = 0, r->key[1] = r->m.htype;
		memcpy(r->key + 2, r->m.chaddr, 6);
		r->keylen = 8;
	}
	r->vcilen = dhcp_opt(&r->m, DHO_VENDOR_CLASS, (uint8_t *)r->vci, sizeof(r->vci));
	if (r->vcilen < 0)
		r->vcilen = 0;
	if (r->vcilen > (int)sizeof(r->vci))
		r->vcilen = sizeof(r->vci);
	while (r->vcilen > 0 && r->vci[r->vcilen - 1] == 0)
		r->vcilen--; /* phones end it with a NUL */
	esc_mask(r->vci, (size_t)r->vcilen);
	static const char cisco[] = "Cisco Systems, Inc.";
	r->phone = r->vcilen >= (int)sizeof(cisco) - 1 && memcmp(r->vci, cisco, sizeof(cisco) - 1) == 0;
	int hl = dhcp_opt(&r->m, DHO_HOSTNAME, (uint8_t *)r->hostname, sizeof(r->hostname) - 1);
	r->hostname[hl > 0 ? (hl < (int)sizeof(r->hostname) - 1 ? hl : (int)sizeof(r->hostname) - 1) : 0] = 0;
	esc_mask(r->hostname, strlen(r->hostname));
	r->prllen = dhcp_opt(&r->m, DHO_PARAM_LIST, r->prl, sizeof(r->prl));
	uint8_t v[4];
	if (dhcp_opt(&r->m, DHO_REQUESTED_IP, v, 4) == 4)
		r->requested = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
	if (dhcp_opt(&r->m, DHO_SERVER_ID, v, 4) == 4)
		r->server_id = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
	if (dhcp_opt(&r->m, DHO_MAX_SIZE, v, 2) == 2)
		r->max_size = (uint16_t)(v[0] << 8 | v[1]);
	r->relaylen = dhcp_opt(&r->m, DHO_RELAY_AGENT, r->relay, sizeof(r->relay));
	if (r->relaylen > (int)sizeof(r->relay))
		r->relaylen = -1;
	return 0;
}

static void handle(struct dhcp_server *s, const uint8_t *pkt, size_t len)
{
	struct req r;
	memset(&r, 0, sizeof(r));
	if (read_req(pkt, len, &r) < 0)
		return; /* not a DHCP request of ours: dropped */
	if (s->probe_fd >= 0 && r.m.xid == s->probe_xid)
		return; /* our own probe for another server */
	if (s->conf->dhcp_phones_only && !r.phone)
		return; /* phones_only: other clients are someone else's */
	r.sn = subnet_for(s, &r.m);
	if (!r.sn)
		return; /* relayed from a subnet we do not serve */
	int64_t now = wall_us();
	char mac[20];
	macstr(r.mac, mac);
	log_msg(LOG_INFO, "DHCP%s from %s%s%.*s%s", dhcp_type_name(r.type), mac, r.vcilen ? " (" : "", r.vcilen, r.vci,
		r.vcilen ? ")" : "");
	switch (r.type) {
	case DHCPDISCOVER: on_discover(s, &r, now); break;
	case DHCPREQUEST: on_request(s, &r, now); break;
	case DHCPDECLINE:
	case DHCPRELEASE: on_decline_release(s, &r, now); break;
	case DHCPINFORM:
		if (r.m.ciaddr.s_addr)
			reply(s, &r, DHCPACK, 0, 0, 0);
		break;
	default: break;
	}
}

static void on_readable(void *arg, uint32_t events)
{
	struct dhcp_server *s = arg;
	static uint8_t bufs[RECV_BATCH][DHCP_MAX_LEN];
	static struct iovec iov[RECV_BATCH];
	static struct mmsghdr msgs[RECV_BATCH];
	(void)events;
	for (int i = 0; i < RECV_BATCH; i++) {
		iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
		msgs[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
	}
	int n = recvmmsg(s->fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
	for (int i = 0; i < n; i++)
		if (!(msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
			handle(s, bufs[i], msgs[i].msg_len);
}

/* --- the other DHCP server on the segment --- */

static void on_probe_reply(void *arg, uint32_t events)
{
	struct dhcp_server *s = arg;
	uint8_t pkt[DHCP_MAX_LEN];
	struct dhcp_msg m;
	(void)events;
	ssize_t n = recv(s->probe_fd, pkt, sizeof(pkt), 0);
	if (n <= 0 || dhcp_parse(pkt, (size_t)n, &m) != DHCP_OK || m.op != 2 || m.xid != s->probe_xid ||
	    dhcp_msg_type(&m) != DHCPOFFER)
		return;
	uint8_t sid[4];
	char who[INET_ADDRSTRLEN] = "?";
	if (dhcp_opt(&m, DHO_SERVER_ID, sid, 4) == 4) {
		if (memcmp(sid, &s->our, 4) == 0)
			return;
		inet_ntop(AF_INET, sid, who, sizeof(who));
	}
	log_msg(LOG_WARNING, "ANOTHER DHCP SERVER answers on %s: %s offered %s. Two servers on one segment hand out"
		" clashing addresses: stop one, or set phones_only = yes here and exclude the phones there",
		s->conf->dhcp_interface, who, inet_ntoa(m.yiaddr));
}

static void end_probe(void *arg)
{
	struct dhcp_server *s = arg;
	if (s->probe_fd >= 0) {
		loop_del_fd(s->loop, s->probe_fd);
		close(s->probe_fd);
		s->probe_fd = -1;
	}
}

static int bound_socket(const char *ifname, int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* 16 MiB: a few seconds of a boot storm's requests while the state file
	 * checkpoints (fsync) on a slow disk */
	int size = 16 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

/* One DISCOVER from port 68, as a phone would send it; any OFFER within 2 s
 * is another server's. */
static void start_probe(struct dhcp_server *s)
{
	s->probe_fd = bound_socket(s->conf->dhcp_interface, 68);
	if (s->probe_fd < 0) {
		log_msg(LOG_WARNING, "dhcp: cannot probe %s for another server (port 68: %s)", s->conf->dhcp_interface,
			strerror(errno));
		return;
	}
	struct dhcp_msg h;
	memset(&h, 0, sizeof(h));
	h.op = 1, h.htype = 1, h.hlen = 6;
	h.xid = s->probe_xid = (uint32_t)wall_us() ^ 0x5048424fu;
	h.flags = 0x8000;
	const uint8_t mac[6] = {0x02, 0x50, 0x42, 0x00, 0x00, 0x01}; /* locally administered */
	memcpy(h.chaddr, mac, 6);
	uint8_t pkt[DHCP_MAX_LEN];
	struct dhcp_builder b;
	dhcp_build_start(&b, pkt, sizeof(pkt), &h);
	dhcp_build_u8(&b, DHO_MSG_TYPE, DHCPDISCOVER);
	static const char vci[] = "Cisco Systems, Inc. IP Phone CP-7906G";
	dhcp_build_opt(&b, DHO_VENDOR_CLASS, vci, sizeof(vci));
	static const uint8_t prl[] = {1, 66, 6, 3, 15, 150, 35};
	dhcp_build_opt(&b, DHO_PARAM_LIST, prl, sizeof(prl));
	size_t n = dhcp_build_end(&b);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(67), .sin_addr = {htonl(INADDR_BROADCAST)}};
	if (n == 0 || sendto(s->probe_fd, pkt, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    loop_add_fd(s->loop, s->probe_fd, EPOLLIN, on_probe_reply, s) < 0) {
		end_probe(s);
		return;
	}
	loop_timer_set(s->loop, &s->probe_timer, PROBE_US);
}

/* --- set-up --- */

static int iface_address(const char *ifname, struct in_addr *addr, struct in_addr *mask)
{
	struct ifaddrs *ifs, *i;
	int found = 0;
	if (getifaddrs(&ifs) < 0)
		return -1;
	for (i = ifs; i && !found; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && strcmp(i->ifa_name, ifname) == 0) {
			*addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			*mask = ((struct sockaddr_in *)i->ifa_netmask)->sin_addr;
			found = 1;
		}
	freeifaddrs(ifs);
	return found ? 0 : -1;
}

static int add_subnet(struct dhcp_server *s, const struct conf_subnet *c, char *err, size_t errlen)
{
	struct subnet *sn = &s->sub[s->nsub];
	sn->c = c;
	sn->net = ntohl(c->net.s_addr);
	sn->mask = ntohl(c->mask.s_addr);
	sn->lo = ntohl(c->lo.s_addr);
	sn->hi = ntohl(c->hi.s_addr);
	if (!c->lo.s_addr) {
		snprintf(err, errlen, "[%s] has no range: DHCP never starts without one", c->name);
		return -1;
	}
	if ((sn->lo & sn->mask) != sn->net || (sn->hi & sn->mask) != sn->net) {
		snprintf(err, errlen, "[%s] range is not inside %s", c->name,
			 s->nsub ? "the section's network" : "the interface's network");
		return -1;
	}
	if (sn->hi - sn->lo + 1 > MAX_POOL) {
		snprintf(err, errlen, "[%s] range holds more than %d addresses", c->name, MAX_POOL);
		return -1;
	}
	sn->pool = calloc(sn->hi - sn->lo + 1, sizeof(*sn->pool));
	if (!sn->pool) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (uint32_t ip = sn->lo; ip <= sn->hi; ip++)
		sn->pool[ip - sn->lo].ip = ip;
	s->nsub++;
	return 0;
}

/* Reservations: inside a served subnet (a range or not), each address once. */
static int add_reservations(struct dhcp_server *s, char *err, size_t errlen)
{
	for (int i = 0; i < s->conf->nreserve; i++) {
		uint32_t ip = ntohl(s->conf->reserve[i].ip.s_addr);
		struct subnet *sn = NULL;
		for (int k = 0; k < s->nsub && !sn; k++)
			if ((ip & s->sub[k].mask) == s->sub[k].net)
				sn = &s->sub[k];
		char a[INET_ADDRSTRLEN];
		if (!sn || ip == sn->net || ip == (sn->net | ~sn->mask) || ip == ntohl(s->our.s_addr)) {
			snprintf(err, errlen, "[dhcp] reserve: %s is not a host address of a subnet served here",
				 ipstr(ip, a));
			return -1;
		}
		if (ip >= sn->lo && ip <= sn->hi)
			continue;
		struct lease *f = realloc(sn->fixed, (size_t)(sn->nfixed + 1) * sizeof(*f));
		if (!f) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		sn->fixed = f;
		memset(&f[sn->nfixed], 0, sizeof(*f));
		f[sn->nfixed++].ip = ip;
	}
	return 0;
}

struct dhcp_server *dhcp_new(struct loop *l, struct conf *c, int *config_error, char *err, size_t errlen)
{
	*config_error = 1;
	if (!c->dhcp_interface || !c->dhcp.lo.s_addr) {
		snprintf(err, errlen, "[dhcp] enabled = yes needs interface and range: DHCP never starts without both");
		return NULL;
	}
	struct dhcp_server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->loop = l;
	s->conf = c;
	s->fd = s->probe_fd = -1;
	loop_timer_init(&s->probe_timer, end_probe, s);
	s->ifindex = if_nametoindex(c->dhcp_interface);
	struct in_addr mask;
	if (!s->ifindex) {
		snprintf(err, errlen, "[dhcp] interface = %s: no such interface", c->dhcp_interface);
		goto fail;
	}
	if (iface_address(c->dhcp_interface, &s->our, &mask) < 0) {
		/* it exists but has no address yet (early at boot): a failure, not a
		 * configuration error, so systemd tries again */
		*config_error = 0;
		snprintf(err, errlen, "[dhcp] interface = %s has no IPv4 address (yet?)", c->dhcp_interface);
		goto fail;
	}
	c->dhcp.net.s_addr = s->our.s_addr & mask.s_addr;
	c->dhcp.mask = mask;
	c->dhcp.has_net = 1;
	s->sub = calloc((size_t)c->nrelayed + 1, sizeof(*s->sub));
	s->pend = calloc(PENDING_MAX, sizeof(*s->pend));
	if (!s->sub || !s->pend || add_subnet(s, &c->dhcp, err, errlen) < 0)
		goto fail;
	for (int i = 0; i < c->nrelayed; i++)
		if (add_subnet(s, &c->relayed[i], err, errlen) < 0)
			goto fail;
	if (add_reservations(s, err, errlen) < 0)
		goto fail;
	s->fd = bound_socket(c->dhcp_interface, 67);
	if (s->fd < 0) {
		*config_error = 0;
		snprintf(err, errlen, "dhcp: port 67 on %s: %s", c->dhcp_interface, strerror(errno));
		goto fail;
	}
	start_probe(s);
	return s;
fail:
	dhcp_free(s);
	return NULL;
}

static int load_lease(void *ctx, const struct store_lease *sl)
{
	struct dhcp_server *s = ctx;
	struct in_addr a;
	if (!sl->ip || inet_pton(AF_INET, sl->ip, &a) != 1)
		return 0;
	uint32_t ip = ntohl(a.s_addr);
	for (int i = 0; i < s->nsub; i++) {
		struct lease *l = at(&s->sub[i], ip);
		if (!l)
			continue;
		l->state = L_FREE;
		for (int k = 0; k < 6; k++)
			if (!strcmp(sl->state, lstate_names[k]))
				l->state = (enum lstate)k;
		l->expires_us = sl->expires_us;
		conf_parse_mac(sl->mac, l->mac);
		const char *cid = sl->client_id ? sl->client_id : "";
		size_t n = strlen(cid) / 2;
		l->keylen = 0;
		for (size_t k = 0; k < n && k < CLIENT_KEY; k++) {
			unsigned v;
			sscanf(cid + 2 * k, "%2x", &v);
			l->key[k] = (uint8_t)v;
			l->keylen++;
		}
		snprintf(l->hostname, sizeof(l->hostname), "%s", sl->hostname ? sl->hostname : "");
		snprintf(l->vci, sizeof(l->vci), "%s", sl->vendor_class ? sl->vendor_class : "");
		if (l->keylen)
			hash_add(s, l);
		break;
	}
	return 0;
}

int dhcp_start(struct dhcp_server *s, struct store *st, char *err, size_t errlen)
{
	s->st = st;
	if (store_leases(st, load_lease, s) < 0) {
		snprintf(err, errlen, "dhcp: reading the leases: %s", store_errmsg(st));
		return -1;
	}
	if (loop_add_fd(s->loop, s->fd, EPOLLIN, on_readable, s) < 0) {
		snprintf(err, errlen, "dhcp: %s", strerror(errno));
		return -1;
	}
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
	for (int i = 0; i < s->nsub; i++)
		log_msg(LOG_INFO, "DHCP on %s for [%s]: %s-%s, lease %u s", s->conf->dhcp_interface, s->sub[i].c->name,
			ipstr(s->sub[i].lo, lo), ipstr(s->sub[i].hi, hi), s->sub[i].c->lease_s);
	return 0;
}

void dhcp_free(struct dhcp_server *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		loop_del_fd(s->loop, s->fd);
		close(s->fd);
	}
	if (s->probe_fd >= 0) {
		loop_timer_cancel(s->loop, &s->probe_timer);
		end_probe(s);
	}
	for (int i = 0; i < s->nsub; i++) {
		free(s->sub[i].pool);
		free(s->sub[i].fixed);
	}
	free(s->sub);
	free(s->pend);
	free(s);
}
