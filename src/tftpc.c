/* tftpc: one TFTP read transfer, client side, in the loop. Lock-step: ACK
 * each DATA; the server's first answer fixes its TID; a duplicate DATA is
 * re-ACKed, never written twice; block numbers roll over past 65535. */
#include "tftpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tftp_wire.h"

struct tftpc {
	struct loop *loop;
	int fd;
	struct loop_timer timer;
	struct sockaddr_in server;   /* port 69 until the first answer, then its TID */
	int have_tid;
	struct tftpc_opts o;
	unsigned blksize;
	uint8_t last[600];           /* the last packet sent, for retransmission */
	size_t lastlen;
	unsigned tries;
	uint64_t block;              /* blocks received in order */
	struct digest dg;
	uint8_t *keep;
	size_t kept;
	struct tftpc_result r;
	tftpc_done_fn done;
	void *ctx;
};

static uint8_t pkt[TFTP_MAX_PACKET + 4];

static void finish(struct tftpc *t, enum tftpc_status st)
{
	t->r.status = st;
	if (st == TFTPC_OK && digest_final(&t->dg, (char[DIGEST_SHA1_HEX]){0}, t->r.sha256) < 0)
		t->r.status = TFTPC_LOCAL;
	t->r.data = t->keep;
	t->r.data_len = t->kept;
	t->done(t->ctx, &t->r);
	tftpc_cancel(t);
}

void tftpc_cancel(struct tftpc *t)
{
	loop_timer_cancel(t->loop, &t->timer);
	if (t->fd >= 0) {
		loop_del_fd(t->loop, t->fd);
		close(t->fd);
	}
	digest_abort(&t->dg);
	free(t->keep);
	free(t);
}

static void send_last(struct tftpc *t)
{
	sendto(t->fd, t->last, t->lastlen, 0, (struct sockaddr *)&t->server, sizeof(t->server));
	loop_timer_set(t->loop, &t->timer, (uint64_t)t->o.timeout_ms * 1000);
}

static void ack(struct tftpc *t, uint16_t block)
{
	t->lastlen = tftp_build_ack(t->last, sizeof(t->last), block);
	t->tries = 0;
	send_last(t);
}

static void on_timer(void *arg)
{
	struct tftpc *t = arg;
	if (t->tries >= t->o.retries) {
		snprintf(t->r.msg, sizeof(t->r.msg), "no answer after %u retries", t->tries);
		finish(t, TFTPC_TIMEOUT);
		return;
	}
	t->tries++;
	t->r.retransmits++;
	send_last(t);
}

static int take(struct tftpc *t, const uint8_t *d, size_t n)
{
	if (n && digest_update(&t->dg, d, n) < 0)
		return -1;
	if (t->kept < t->o.keep) {
		size_t k = n < t->o.keep - t->kept ? n : t->o.keep - t->kept;
		memcpy(t->keep + t->kept, d, k);
		t->kept += k;
	}
	t->r.bytes += n;
	return 0;
}

static void on_data(struct tftpc *t, const struct tftp_msg *m)
{
	uint16_t want = (uint16_t)(t->block + 1);
	if (m->block != want) {
		if (m->block == (uint16_t)t->block)
			ack(t, m->block); /* our ACK was lost: say it again */
		return;
	}
	if (m->data_len > t->blksize) {
		snprintf(t->r.msg, sizeof(t->r.msg), "DATA of %zu bytes, blksize %u", m->data_len, t->blksize);
		finish(t, TFTPC_PROTOCOL);
		return;
	}
	if (take(t, m->data, m->data_len) < 0) {
		finish(t, TFTPC_LOCAL);
		return;
	}
	t->block++;
	ack(t, m->block);
	if (m->data_len < t->blksize)
		finish(t, TFTPC_OK);
}

static void on_oack(struct tftpc *t, const struct tftp_msg *m)
{
	for (int i = 0; i < m->nopts; i++) {
		if (strcmp(m->opts[i].name, "blksize") == 0) {
			unsigned v = (unsigned)strtoul(m->opts[i].value, NULL, 10);
			if (v < TFTP_BLKSIZE_MIN || v > t->o.blksize) {
				snprintf(t->r.msg, sizeof(t->r.msg), "OACK blksize %s", m->opts[i].value);
				finish(t, TFTPC_PROTOCOL);
				return;
			}
			t->blksize = v;
		}
	}
	ack(t, 0);
}

static void on_readable(void *arg, uint32_t events)
{
	struct tftpc *t = arg;
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	struct tftp_msg m;
	(void)events;
	ssize_t n = recvfrom(t->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return;
	if (from.sin_addr.s_addr != t->server.sin_addr.s_addr)
		return;
	if (t->have_tid && from.sin_port != t->server.sin_port) {
		/* RFC 1350: a packet from another TID gets ERROR 5; the transfer goes on */
		uint8_t e[64];
		size_t el = tftp_build_error(e, sizeof(e), TFTP_EBADID, "Unknown transfer ID");
		sendto(t->fd, e, el, 0, (struct sockaddr *)&from, fl);
		return;
	}
	if (tftp_parse(pkt, (size_t)n, &m) != TFTP_PARSE_OK)
		return;
	if (!t->have_tid) {
		t->server.sin_port = from.sin_port;
		t->have_tid = 1;
	}
	switch (m.op) {
	case TFTP_DATA:
		on_data(t, &m);
		break;
	case TFTP_OACK:
		if (t->block == 0)
			on_oack(t, &m);
		break;
	case TFTP_ERROR:
		t->r.errcode = m.errcode;
		snprintf(t->r.msg, sizeof(t->r.msg), "%s", m.errmsg);
		finish(t, TFTPC_ERROR);
		break;
	default:
		break;
	}
}

struct tftpc *tftpc_get(struct loop *l, const struct sockaddr_in *local, const struct sockaddr_in *server,
			const char *name, const struct tftpc_opts *o, tftpc_done_fn done, void *ctx)
{
	struct tftpc *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->loop = l;
	t->o = *o;
	t->server = *server;
	t->done = done;
	t->ctx = ctx;
	t->blksize = TFTP_DEFAULT_BLKSIZE;
	loop_timer_init(&t->timer, on_timer, t);
	t->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (o->keep && !(t->keep = malloc(o->keep)))
		goto fail;
	if (t->fd < 0 || digest_init(&t->dg) < 0 ||
	    bind(t->fd, (const struct sockaddr *)local, sizeof(*local)) < 0 ||
	    loop_add_fd(l, t->fd, EPOLLIN, on_readable, t) < 0)
		goto fail;
	struct tftp_opt opt[1];
	char bs[16];
	int nopt = 0;
	if (o->blksize) {
		snprintf(bs, sizeof(bs), "%u", o->blksize);
		opt[nopt++] = (struct tftp_opt){"blksize", bs};
	}
	t->lastlen = tftp_build_request(t->last, sizeof(t->last), TFTP_RRQ, name, "octet", opt, nopt);
	if (!t->lastlen)
		goto fail;
	send_last(t);
	return t;
fail:
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	digest_abort(&t->dg);
	free(t->keep);
	free(t);
	return NULL;
}
