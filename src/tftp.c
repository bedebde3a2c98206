/* tftp: TFTP server sessions in the one loop.
 *
 * Each transfer has its own socket (TID), connected to the client, so the
 * kernel drops packets from any other TID. Data is read into a per-transfer
 * buffer that always starts at the first unacknowledged block, so a
 * retransmission needs no read. Where the loop has io_uring, a read
 * transfer's ACKs come in and its blocks go out through the ring: no system
 * call per block, and one per loop turn for all transfers together. Without
 * it, each ACK is a recv() and a window one send() or sendmmsg(). Uploads
 * always take the second way. */
#include "tftp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "esc.h"
#include "log.h"

#define MAX_RESOLVERS 8
#define RECV_BATCH 64
#define RECV_BUDGET 1024         /* requests read from port 69 per loop turn */
#define LISTEN_RCVBUF (8 << 20)  /* a boot storm of RRQs must fit while we work */
#define READAHEAD 4096
#define SEND_BATCH 64
#define RTO_FIRST_US 1000000u    /* without a negotiated timeout: 1 s, doubling */
#define RTO_MAX_US 8000000u
#define SHOW_NAME (4 * TFTP_NAME_MAX + 1)
#define REQ_MAX 1500             /* a request never needs more */
#define BUCKETS 4096             /* transfers by client TID, clients by address */
#define BATCH_MAX 64             /* ACKs the loop may wait for before it wakes */
#define BATCH_RTT_PART 2         /* waiting at most this part of a round trip */
#define BATCH_MAX_US 1000
#define BATCH_EVERY_US 10000     /* how often the batch is worked out again */
#define BATCH_LOAD_ON 500        /* per mille of a CPU: coalesce from here */
#define BATCH_LOAD_OFF 250       /* ... down to here */

struct listener {
	struct tftp_server *srv;
	int fd;
	int family;
};

struct client {
	struct client *next;
	struct sockaddr_storage addr;
	unsigned n;
};

struct xfer {
	struct tftp_server *srv;
	struct xfer *prev, *next;
	struct xfer *hnext;       /* same bucket of srv->by_tid */
	struct client *client;
	int fd;
	struct loop_recv *rx;     /* the ring's receive, or NULL: epoll */
	uint64_t id;              /* tags its sends on the ring */
	struct loop_timer timer;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	char peer_ip[INET6_ADDRSTRLEN];
	char name[SHOW_NAME];     /* escaped, as asked */
	enum tftp_opcode op;
	enum tftp_mode mode;
	struct tftp_params pp;
	uint64_t t_start, t_progress;
	unsigned retries;
	uint64_t retrans;
	int oack_pending;
	uint8_t oack[128];        /* kept for retransmission */
	size_t oack_len;
	/* RRQ */
	struct tftp_source src;
	uint64_t size;            /* bytes on the wire (netascii: converted) */
	uint64_t nblocks;         /* size / blksize + 1: the last one is short */
	uint64_t acked;           /* blocks acknowledged (internal count, no wrap) */
	uint64_t sent_hi;         /* highest block sent */
	uint8_t *buf;
	size_t bufcap, buf_len;
	uint64_t buf_off;         /* wire offset of buf[0] */
	uint64_t src_pos;         /* next source byte to read */
	int carry;                /* netascii byte owed */
	struct loop_op *rd;       /* a read ahead through the ring, into buf[buf_len..] */
	int want_send;            /* the window waits for that read */
	/* WRQ */
	int wfd, dirfd;
	char tmpname[64], final[TFTP_NAME_MAX + 1];
	uint64_t received;        /* blocks received in order */
	int pending_cr;
	unsigned since_ack;
};

struct tftp_server {
	struct loop *loop;
	const struct conf *conf;
	struct tftp_limits lim;
	struct listener ls[CONF_MAX_LISTEN];
	int nls;
	struct {
		tftp_resolve_fn fn;
		void *ctx;
	} res[MAX_RESOLVERS];
	int nres;
	tftp_event_fn on_event;
	void *event_ctx;
	struct xfer *xfers;
	unsigned nxfers;
	struct xfer *by_tid[BUCKETS];
	struct client *by_addr[BUCKETS];
	int upload_dirfd;
	int ring;                 /* the loop has io_uring for us */
	unsigned nring;           /* transfers on the ring */
	uint64_t rtt_us;          /* smoothed time from a block sent to its ACK */
	uint64_t acks, acks_t0;   /* ACKs since acks_t0 */
	uint64_t cpu_t0;          /* the thread's CPU time at acks_t0 */
	int coalesce;
	unsigned batch, batch_us;
	uint64_t next_id;
};

static uint8_t scratch[TFTP_MAX_PACKET + 4];
static uint8_t decoded[TFTP_MAX_PACKET + 1];

const char *tftp_outcome_name(enum tftp_outcome o)
{
	static const char *names[] = {"ok", "not found", "denied", "bad request", "busy",
				      "timeout", "aborted", "options refused", "exists",
				      "i/o error", "shutdown"};
	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

static void peer_text(const struct sockaddr_storage *ss, char *ip, size_t iplen, unsigned *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
			inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], ip, (socklen_t)iplen);
		else
			inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)iplen);
		*port = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)iplen);
		*port = ntohs(a->sin_port);
	}
}

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b, int port)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_addr.s_addr == y->sin_addr.s_addr && (!port || x->sin_port == y->sin_port);
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0 && (!port || x->sin6_port == y->sin6_port);
}

/* FNV-1a over the address, and the port when with_port */
static unsigned peer_hash(const struct sockaddr_storage *ss, int with_port)
{
	const uint8_t *p;
	size_t n;
	uint16_t port;
	if (ss->ss_family == AF_INET6) {
		p = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		n = 16;
		port = ((const struct sockaddr_in6 *)ss)->sin6_port;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
		n = 4;
		port = ((const struct sockaddr_in *)ss)->sin_port;
	}
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	if (with_port) {
		h = (h ^ (port & 0xff)) * 16777619u;
		h = (h ^ (port >> 8)) * 16777619u;
	}
	return h % BUCKETS;
}

static struct xfer *find_tid(struct tftp_server *s, const struct sockaddr_storage *peer)
{
	for (struct xfer *x = s->by_tid[peer_hash(peer, 1)]; x; x = x->hnext)
		if (same_addr(&x->peer, peer, 1))
			return x;
	return NULL;
}

/* Count the client's transfers; NULL when out of memory. */
static struct client *client_get(struct tftp_server *s, const struct sockaddr_storage *peer)
{
	struct client **b = &s->by_addr[peer_hash(peer, 0)];
	for (struct client *c = *b; c; c = c->next)
		if (same_addr(&c->addr, peer, 0))
			return c;
	struct client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->addr = *peer;
	c->next = *b;
	*b = c;
	return c;
}

static void index_del(struct tftp_server *s, struct xfer *x)
{
	for (struct xfer **p = &s->by_tid[peer_hash(&x->peer, 1)]; *p; p = &(*p)->hnext)
		if (*p == x) {
			*p = x->hnext;
			break;
		}
	struct client *c = x->client;
	if (c && --c->n == 0) {
		for (struct client **p = &s->by_addr[peer_hash(&c->addr, 0)]; *p; p = &(*p)->next)
			if (*p == c) {
				*p = c->next;
				free(c);
				break;
			}
	}
}

/* --- events and log lines --- */

static void emit(struct tftp_server *s, const struct xfer *x, enum tftp_outcome out,
		 const char *served, uint64_t bytes, uint64_t blocks, const char *detail)
{
	unsigned port;
	char ip[INET6_ADDRSTRLEN];
	peer_text(&x->peer, ip, sizeof(ip), &port);
	uint64_t dur = loop_now_us(s->loop) - x->t_start;
	const char *verb = x->op == TFTP_WRQ ? "received" : "sent";
	if (out == TFTP_OUT_OK)
		log_msg(LOG_INFO, "%s %s %s %s: %llu bytes in %.3f s (%llu blocks of %u, window %u, "
			"%llu retransmits)", verb, x->name, x->op == TFTP_WRQ ? "from" : "to", ip,
			(unsigned long long)bytes, dur / 1e6, (unsigned long long)blocks,
			x->pp.blksize, x->pp.windowsize, (unsigned long long)x->retrans);
	else if (out == TFTP_OUT_TIMEOUT)
		log_msg(LOG_INFO, "%s %s %s: timeout after %u retries (%llu bytes %s in %.3f s)",
			x->op == TFTP_WRQ ? "WRQ" : "RRQ", x->name, ip, x->retries,
			(unsigned long long)bytes, verb, dur / 1e6);
	else if (out == TFTP_OUT_ABORTED || out == TFTP_OUT_OPTREFUSED)
		log_msg(LOG_INFO, "%s %s %s: %s by client: %s", x->op == TFTP_WRQ ? "WRQ" : "RRQ",
			x->name, ip, out == TFTP_OUT_ABORTED ? "aborted" : "options refused",
			detail ? detail : "");
	else
		log_msg(LOG_INFO, "%s %s %s: %s%s%s", x->op == TFTP_WRQ ? "WRQ" : "RRQ", x->name, ip,
			tftp_outcome_name(out), detail && *detail ? ": " : "", detail ? detail : "");
	if (!s->on_event)
		return;
	struct tftp_event ev = {
		.op = x->op, .peer = (const struct sockaddr *)&x->peer, .peer_ip = ip,
		.peer_port = port, .name = x->name, .served = served ? served : "",
		.bytes = bytes, .blocks = blocks, .retransmits = x->retrans, .duration_us = dur,
		.blksize = x->pp.blksize, .windowsize = x->pp.windowsize, .outcome = out,
		.detail = detail ? detail : "",
	};
	s->on_event(s->event_ctx, &ev);
}

/* --- sockets --- */

/* A fresh socket on our address that the client wrote to, connected to it. */
static int tid_socket(const struct sockaddr_storage *local, const struct sockaddr_storage *peer,
		      socklen_t peerlen)
{
	int fd = socket(peer->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_storage b = *local;
	socklen_t blen = sizeof(struct sockaddr_in);
	if (b.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&b)->sin6_port = 0;
		blen = sizeof(struct sockaddr_in6);
	} else {
		((struct sockaddr_in *)&b)->sin_port = 0;
	}
	if (bind(fd, (struct sockaddr *)&b, blen) < 0 ||
	    connect(fd, (const struct sockaddr *)peer, peerlen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ERROR to a request that starts no transfer, from a new TID as RFC 1350 says. */
static void send_error_to(const struct sockaddr_storage *local, const struct sockaddr_storage *peer,
			  socklen_t peerlen, uint16_t code, const char *msg)
{
	uint8_t pkt[512];
	size_t n = tftp_build_error(pkt, sizeof(pkt), code, msg);
	int fd = tid_socket(local, peer, peerlen);
	if (fd < 0)
		return;
	if (send(fd, pkt, n, 0) < 0 && errno != ECONNREFUSED)
		log_msg(LOG_WARNING, "sending ERROR %u: %s", code, strerror(errno));
	close(fd);
}

static void send_error(struct xfer *x, uint16_t code, const char *msg)
{
	uint8_t pkt[512];
	size_t n = tftp_build_error(pkt, sizeof(pkt), code, msg);
	if (send(x->fd, pkt, n, 0) < 0 && errno != ECONNREFUSED)
		log_msg(LOG_WARNING, "sending ERROR %u: %s", code, strerror(errno));
}

/* Coalescing ACKs, as a network card coalesces interrupts: when the loop is
 * busy (more than half a CPU over the last 10 ms), it lets a few ACKs gather
 * before it wakes, so that each wake-up, and each wake-up of the client that
 * it answers, serves several transfers. It waits at most half a round trip
 * (and 1 ms), for about as many ACKs as come in that time, measured as it
 * goes. When the loop is not busy (under a quarter of a CPU), as with a few
 * dozen phones that take milliseconds a block, every ACK wakes it at once. */
static uint64_t cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void batch_set(struct tftp_server *s, unsigned n, unsigned us)
{
	if (n > s->nring)
		n = s->nring;
	if (n > BATCH_MAX)
		n = BATCH_MAX;
	s->batch = n ? n : 1;
	s->batch_us = us;
	loop_ring_batch(s->loop, s->batch, us);
}

static void batch_on_ack(struct tftp_server *s, const struct xfer *x)
{
	uint64_t now = loop_now_us(s->loop);
	if (x->retries == 0) /* Karn: a retransmitted block's ACK times nothing */
		s->rtt_us = s->rtt_us ? (7 * s->rtt_us + (now - x->t_progress)) / 8 : now - x->t_progress;
	s->acks++;
	if (now - s->acks_t0 < BATCH_EVERY_US)
		return;
	uint64_t cpu = cpu_us(), dt = now - s->acks_t0;
	struct tftp_batch b = tftp_batch_period(s->coalesce, (cpu - s->cpu_t0) * 1000 / dt, s->acks,
						dt, s->rtt_us);
	s->coalesce = b.on;
	s->acks = 0;
	s->acks_t0 = now;
	s->cpu_t0 = cpu;
	batch_set(s, b.n, b.us);
}

struct tftp_batch tftp_batch_period(int on, uint64_t load, uint64_t acks, uint64_t dt_us,
				    uint64_t rtt_us)
{
	struct tftp_batch b;
	b.on = load >= BATCH_LOAD_ON ? 1 : load < BATCH_LOAD_OFF ? 0 : on;
	uint64_t us = rtt_us / BATCH_RTT_PART;
	b.us = us > BATCH_MAX_US ? BATCH_MAX_US : (unsigned)us;
	uint64_t n = b.on && dt_us ? acks * b.us / dt_us : 1;
	b.n = n < 1 ? 1 : n > BATCH_MAX ? BATCH_MAX : (unsigned)n;
	return b;
}

static void ring_count(struct tftp_server *s, int d)
{
	s->nring += (unsigned)d;
	if (s->batch > s->nring)
		batch_set(s, s->nring, s->batch_us);
}

static void xfer_free(struct xfer *x)
{
	struct tftp_server *s = x->srv;
	loop_timer_cancel(s->loop, &x->timer);
	if (x->rx) {
		loop_recv_stop(s->loop, x->rx);
		ring_count(s, -1);
	} else if (x->fd >= 0)
		loop_del_fd(s->loop, x->fd);
	/* SQEs of this turn may name x->fd or the source's fd (a read ahead):
	 * they are closed once those are with the kernel */
	loop_close(s->loop, x->fd);
	if (x->src.release)
		x->src.release(&x->src);
	else
		loop_close(s->loop, x->src.fd);
	if (x->wfd >= 0) {
		close(x->wfd);
		unlinkat(x->dirfd, x->tmpname, 0);
	}
	if (x->dirfd >= 0)
		close(x->dirfd);
	index_del(s, x);
	if (x->prev)
		x->prev->next = x->next;
	else
		s->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	s->nxfers--;
	if (x->rd)
		loop_op_forget(s->loop, x->rd, x->buf); /* the kernel may still write into buf */
	else
		free(x->buf);
	free(x);
}

static void xfer_end(struct xfer *x, enum tftp_outcome out, const char *detail)
{
	uint64_t bytes, blocks;
	if (x->op == TFTP_RRQ) {
		blocks = x->acked;
		bytes = x->acked >= x->nblocks ? x->size : x->acked * x->pp.blksize;
	} else {
		blocks = x->received;
		bytes = x->size;
	}
	emit(x->srv, x, out, x->src.path, bytes, blocks, detail);
	xfer_free(x);
}

static uint64_t rto_us(const struct xfer *x)
{
	if (x->pp.timeout)
		return (uint64_t)x->pp.timeout * 1000000u;
	uint64_t t = (uint64_t)RTO_FIRST_US << (x->retries < 4 ? x->retries : 4);
	return t > RTO_MAX_US ? RTO_MAX_US : t;
}

/* --- reading the source into the window buffer --- */

static ssize_t src_read(struct xfer *x, uint8_t *dst, size_t len, uint64_t off)
{
	if (x->src.mem) {
		if (off >= x->src.size)
			return 0;
		if (len > x->src.size - off)
			len = (size_t)(x->src.size - off);
		memcpy(dst, x->src.mem + off, len);
		return (ssize_t)len;
	}
	ssize_t n;
	do
		n = pread(x->src.fd, dst, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Keep the buffer from the first unacknowledged byte on. */
static void compact(struct xfer *x)
{
	uint64_t keep = x->acked * x->pp.blksize;
	if (keep > x->buf_off) {
		uint64_t drop = keep - x->buf_off;
		if (drop >= x->buf_len) {
			if (x->mode == TFTP_MODE_OCTET)
				x->src_pos = keep; /* octet: wire offset == file offset */
			x->buf_len = 0;
		} else {
			memmove(x->buf, x->buf + drop, x->buf_len - (size_t)drop);
			x->buf_len -= (size_t)drop;
		}
		x->buf_off = keep;
	}
}

/* Keep the buffer from the first unacknowledged byte on, then fill it. */
static int refill(struct xfer *x)
{
	compact(x);
	while (x->buf_len < x->bufcap) {
		size_t room = x->bufcap - x->buf_len;
		if (x->mode == TFTP_MODE_OCTET) {
			ssize_t n = src_read(x, x->buf + x->buf_len, room, x->src_pos);
			if (n < 0)
				return -1;
			if (n == 0)
				break;
			x->buf_len += (size_t)n;
			x->src_pos += (uint64_t)n;
			continue;
		}
		/* netascii: encoded bytes never outnumber twice the source */
		size_t want = room / 2 ? room / 2 : 1;
		if (want > sizeof(scratch))
			want = sizeof(scratch);
		ssize_t n = src_read(x, scratch, want, x->src_pos);
		if (n < 0)
			return -1;
		size_t used = 0;
		size_t w = tftp_netascii_encode(scratch, (size_t)n, &used, x->buf + x->buf_len, room,
						&x->carry);
		x->buf_len += w;
		x->src_pos += used;
		if (w == 0)
			break;
	}
	return 0;
}

/* Lock-step on the ring reads ahead through it as well: when less than half
 * the buffer is left to send, the rest of it is filled by a read that the
 * loop hands to the kernel with the turn's sends, so no block waits for a
 * pread() system call. Windows and netascii read with pread() in refill(). */
static int send_window(struct xfer *x);
static void arm(struct xfer *x);
static void xfer_end(struct xfer *x, enum tftp_outcome out, const char *detail);

static void on_read_ahead(void *arg, int err, size_t len)
{
	struct xfer *x = arg;
	x->rd = NULL;
	if (!err) {
		x->buf_len += len;
		x->src_pos += len;
	} /* an error: refill() tries again with pread() and says what it is */
	if (x->want_send) {
		x->want_send = 0;
		if (send_window(x) < 0) {
			xfer_end(x, TFTP_OUT_IOERR, strerror(errno));
			return;
		}
		arm(x);
	}
}

static void read_ahead(struct xfer *x)
{
	if (!x->rx || x->rd || x->src.mem || x->src.fd < 0 || x->mode != TFTP_MODE_OCTET ||
	    x->pp.windowsize != 1 || x->src_pos >= x->size)
		return;
	uint64_t sent_end = x->sent_hi * x->pp.blksize;
	if (x->buf_off + x->buf_len > sent_end + x->bufcap / 2)
		return;
	compact(x);
	if (x->buf_len < x->bufcap)
		x->rd = loop_read(x->srv->loop, x->src.fd, x->buf + x->buf_len, x->bufcap - x->buf_len,
				  x->src_pos, on_read_ahead, x);
}

/* --- sending --- */

/* Block b's bytes in the buffer: its length, and where they start. */
static size_t block_at(const struct xfer *x, uint64_t b, const uint8_t **data)
{
	uint64_t off = (b - 1) * x->pp.blksize;
	uint64_t len = x->size - off < x->pp.blksize ? x->size - off : x->pp.blksize;
	uint64_t have_end = x->buf_off + x->buf_len;
	if (off < x->buf_off || off >= have_end)
		len = 0; /* the file shrank under us: the client gets a short file */
	else if (off + len > have_end)
		len = have_end - off;
	*data = len ? x->buf + (off - x->buf_off) : x->buf;
	return (size_t)len;
}

static int send_ok(ssize_t r)
{
	/* what did not go out now goes out with the retransmission */
	return r >= 0 || errno == EAGAIN || errno == ENOBUFS || errno == ECONNREFUSED;
}

static int send_blocks(struct xfer *x, uint64_t first, uint64_t last);

static int send_window(struct xfer *x)
{
	uint64_t first = x->acked + 1;
	uint64_t last = x->acked + x->pp.windowsize;
	if (last > x->nblocks)
		last = x->nblocks;
	uint64_t end = last == x->nblocks ? x->size : last * x->pp.blksize;
	if (x->buf_off + x->buf_len < end) {
		if (x->rd) {
			x->want_send = 1; /* the read ahead brings it */
			return 0;
		}
		if (refill(x) < 0)
			return -1;
	}
	if (last > x->sent_hi)
		x->sent_hi = last;
	const uint8_t *data;
	if (x->rx) {
		/* through the ring: the loop sends them all when it next waits */
		for (uint64_t b = first; b <= last; b++) {
			size_t len = block_at(x, b, &data);
			uint8_t *p = loop_send_buf(x->srv->loop, x->fd, len + 4, x->id);
			if (!p) {
				loop_flush(x->srv->loop); /* the window's first blocks go first */
				return send_blocks(x, b, last);
			}
			tftp_build_data_header(p, 4, (uint16_t)b);
			memcpy(p + 4, data, len);
		}
		read_ahead(x);
		return 0;
	}
	return send_blocks(x, first, last);
}

/* Blocks first..last with send() (one) or sendmmsg() (more). */
static int send_blocks(struct xfer *x, uint64_t first, uint64_t last)
{
	static uint8_t hdr[SEND_BATCH][4];
	static struct iovec iov[SEND_BATCH][2];
	static struct mmsghdr msgs[SEND_BATCH];
	const uint8_t *data;
	if (first == last) {
		/* lock-step: one plain send() is the cheapest way into the kernel */
		size_t len = block_at(x, first, &data);
		tftp_build_data_header(scratch, 4, (uint16_t)first);
		memcpy(scratch + 4, data, len);
		return send_ok(send(x->fd, scratch, len + 4, 0)) ? 0 : -1;
	}
	for (uint64_t b = first; b <= last;) {
		unsigned n = 0;
		for (; b <= last && n < SEND_BATCH; b++, n++) {
			size_t len = block_at(x, b, &data);
			tftp_build_data_header(hdr[n], 4, (uint16_t)b);
			iov[n][0] = (struct iovec){hdr[n], 4};
			iov[n][1] = (struct iovec){(void *)data, len};
			msgs[n].msg_hdr = (struct msghdr){.msg_iov = iov[n], .msg_iovlen = 2};
		}
		if (!send_ok(sendmmsg(x->fd, msgs, n, 0)))
			return -1;
	}
	return 0;
}

static void arm(struct xfer *x)
{
	x->t_progress = loop_now_us(x->srv->loop);
	if (!loop_timer_armed(&x->timer))
		loop_timer_set(x->srv->loop, &x->timer, rto_us(x));
}

static void send_oack(struct xfer *x)
{
	if (send(x->fd, x->oack, x->oack_len, 0) < 0 && errno != ECONNREFUSED && errno != EAGAIN)
		log_msg(LOG_WARNING, "sending OACK to %s: %s", x->peer_ip, strerror(errno));
}

static void send_ack(struct xfer *x, uint16_t block)
{
	uint8_t pkt[4];
	tftp_build_ack(pkt, sizeof(pkt), block);
	if (send(x->fd, pkt, 4, 0) < 0 && errno != ECONNREFUSED && errno != EAGAIN)
		log_msg(LOG_WARNING, "sending ACK to %s: %s", x->peer_ip, strerror(errno));
}

static void on_timer(void *arg)
{
	struct xfer *x = arg;
	uint64_t now = loop_now_us(x->srv->loop), rto = rto_us(x);
	if (now < x->t_progress + rto) { /* progress since it was armed */
		loop_timer_set(x->srv->loop, &x->timer, x->t_progress + rto - now);
		return;
	}
	if (x->retries >= x->srv->conf->retries) {
		xfer_end(x, TFTP_OUT_TIMEOUT, NULL);
		return;
	}
	x->retries++;
	x->t_progress = now;
	if (x->oack_pending) {
		send_oack(x);
		x->retrans++;
	} else if (x->op == TFTP_RRQ) {
		uint64_t last = x->acked + x->pp.windowsize;
		x->retrans += (last > x->nblocks ? x->nblocks : last) - x->acked;
		if (send_window(x) < 0) {
			xfer_end(x, TFTP_OUT_IOERR, strerror(errno));
			return;
		}
	} else {
		send_ack(x, (uint16_t)x->received);
		x->retrans++;
	}
	loop_timer_set(x->srv->loop, &x->timer, rto_us(x));
}

/* --- RRQ: ACKs in --- */

static void rrq_ack(struct xfer *x, uint16_t block)
{
	if (x->oack_pending) {
		if (block != 0)
			return;
		x->oack_pending = 0;
	} else {
		/* the one block count in [acked, sent_hi] this wire number stands for */
		uint64_t n = x->acked + (uint16_t)(block - (uint16_t)x->acked);
		if (n > x->sent_hi || n == x->acked)
			return; /* stale, or a duplicate: never a second window (Sorcerer's Apprentice) */
		x->acked = n;
	}
	if (x->rx)
		batch_on_ack(x->srv, x);
	x->retries = 0;
	if (x->acked == x->nblocks) {
		xfer_end(x, TFTP_OUT_OK, NULL);
		return;
	}
	if (send_window(x) < 0) {
		xfer_end(x, TFTP_OUT_IOERR, strerror(errno));
		return;
	}
	arm(x);
}

/* --- WRQ: DATA in --- */

static int wrq_finish(struct xfer *x)
{
	if (x->pending_cr && write(x->wfd, "\r", 1) != 1)
		return -1;
	if (fsync(x->wfd) < 0)
		return -1;
	if (renameat2(x->dirfd, x->tmpname, x->dirfd, x->final, RENAME_NOREPLACE) < 0)
		return -1;
	close(x->wfd);
	x->wfd = -1;
	return 0;
}

static void wrq_data(struct xfer *x, const struct tftp_msg *m)
{
	if (m->data_len > x->pp.blksize)
		return; /* not ours to trust */
	if (x->oack_pending)
		x->oack_pending = 0; /* DATA 1 is the answer to our OACK */
	uint16_t want = (uint16_t)(x->received + 1);
	if (m->block != want) {
		/* a duplicate or a gap: acknowledge the last in-order block (RFC 7440) */
		x->since_ack = 0;
		send_ack(x, (uint16_t)x->received);
		return;
	}
	const uint8_t *d = m->data;
	size_t len = m->data_len;
	if (x->mode == TFTP_MODE_NETASCII) {
		len = tftp_netascii_decode(m->data, m->data_len, decoded, sizeof(decoded), &x->pending_cr);
		d = decoded;
	}
	if (len && write(x->wfd, d, len) != (ssize_t)len) {
		int e = errno;
		send_error(x, e == ENOSPC || e == EDQUOT ? TFTP_ENOSPACE : TFTP_EUNDEF, strerror(e));
		xfer_end(x, TFTP_OUT_IOERR, strerror(e));
		return;
	}
	x->received++;
	x->size += m->data_len;
	x->retries = 0;
	int last = m->data_len < x->pp.blksize;
	if (last) {
		if (wrq_finish(x) < 0) {
			int e = errno;
			send_error(x, e == EEXIST ? TFTP_EEXISTS : TFTP_EUNDEF, strerror(e));
			xfer_end(x, e == EEXIST ? TFTP_OUT_EXISTS : TFTP_OUT_IOERR, strerror(e));
			return;
		}
		send_ack(x, m->block);
		xfer_end(x, TFTP_OUT_OK, NULL);
		return;
	}
	if (++x->since_ack >= x->pp.windowsize) {
		x->since_ack = 0;
		send_ack(x, m->block);
	}
	arm(x);
}

/* A datagram from the client's TID. */
static void xfer_input(struct xfer *x, const uint8_t *pkt, size_t n)
{
	struct tftp_msg m;
	if (tftp_parse(pkt, n, &m) != TFTP_PARSE_OK)
		return; /* malformed: dropped; the timer retransmits */
	if (m.op == TFTP_ERROR) {
		char msg[4 * 128 + 1];
		esc_log(msg, sizeof(msg), m.errmsg, strnlen(m.errmsg, 128));
		xfer_end(x, x->oack_pending && m.errcode == TFTP_EOPTNEG ? TFTP_OUT_OPTREFUSED
									: TFTP_OUT_ABORTED, msg);
	} else if (x->op == TFTP_RRQ && m.op == TFTP_ACK) {
		rrq_ack(x, m.block);
	} else if (x->op == TFTP_WRQ && m.op == TFTP_DATA) {
		wrq_data(x, &m);
	}
	/* any other opcode from the client's TID is ignored */
}

static void on_xfer_readable(void *arg, uint32_t events)
{
	struct xfer *x = arg;
	(void)events;
	ssize_t n = recv(x->fd, scratch, sizeof(scratch), 0);
	if (n < 0) {
		/* ICMP port unreachable: the client is gone */
		if (errno == ECONNREFUSED)
			xfer_end(x, TFTP_OUT_ABORTED, "client port unreachable");
		return;
	}
	xfer_input(x, scratch, (size_t)n);
}

/* The same through the ring. */
static void on_xfer_datagram(void *arg, int err, const uint8_t *data, size_t len)
{
	struct xfer *x = arg;
	if (err) {
		if (err == ECONNREFUSED)
			xfer_end(x, TFTP_OUT_ABORTED, "client port unreachable");
		return;
	}
	if (len == loop_recv_max(x->srv->loop) && len >= 4 && data[0] == 0 && data[1] == TFTP_ERROR) {
		/* an ERROR longer than the ring's buffers: keep what came, cut */
		memcpy(scratch, data, len);
		scratch[len - 1] = 0;
		data = scratch;
	}
	xfer_input(x, data, len);
}

/* A send through the ring failed: as send_ok() judges a send() */
static void on_send_error(void *ctx, uint64_t tag, int err)
{
	struct tftp_server *s = ctx;
	if (err == EAGAIN || err == ENOBUFS || err == ECONNREFUSED)
		return;
	for (struct xfer *x = s->xfers; x; x = x->next)
		if (x->id == tag) {
			xfer_end(x, TFTP_OUT_IOERR, strerror(err));
			return;
		}
}

/* --- requests on port 69 --- */

struct request {
	struct listener *ls;
	struct sockaddr_storage peer, local;
	socklen_t peerlen;
	const uint8_t *pkt;
	size_t len;
};

static struct xfer *xfer_new(struct tftp_server *s, const struct request *rq,
			     const struct tftp_msg *m)
{
	struct xfer *x = calloc(1, sizeof(*x));
	struct client *c = x ? client_get(s, &rq->peer) : NULL;
	if (!c) {
		free(x);
		return NULL;
	}
	c->n++;
	x->client = c;
	x->srv = s;
	x->id = ++s->next_id;
	x->fd = -1;
	x->wfd = -1;
	x->dirfd = -1;
	x->src.fd = -1;
	x->carry = -1;
	x->peer = rq->peer;
	x->peerlen = rq->peerlen;
	unsigned port;
	peer_text(&rq->peer, x->peer_ip, sizeof(x->peer_ip), &port);
	x->op = m->op;
	x->mode = m->mode;
	x->pp.blksize = TFTP_DEFAULT_BLKSIZE;
	x->pp.windowsize = 1;
	x->t_start = x->t_progress = loop_now_us(s->loop);
	esc_log(x->name, sizeof(x->name), m->file, m->file_len);
	loop_timer_init(&x->timer, on_timer, x);
	x->next = s->xfers;
	if (s->xfers)
		s->xfers->prev = x;
	s->xfers = x;
	s->nxfers++;
	unsigned h = peer_hash(&x->peer, 1);
	x->hnext = s->by_tid[h];
	s->by_tid[h] = x;
	return x;
}

/* A request that starts no transfer: ERROR to the client, one event. */
static void refuse(struct xfer *x, const struct request *rq, uint16_t code, const char *msg,
		   enum tftp_outcome out, const char *detail)
{
	send_error_to(&rq->local, &rq->peer, rq->peerlen, code, msg);
	if (!detail && out != TFTP_OUT_NOTFOUND && out != TFTP_OUT_BUSY)
		detail = msg;
	xfer_end(x, out, detail);
}

/* A request from the TID of a running transfer: the same request again (the
 * client resent it before our first answer came) is ignored; anything else
 * means the client gave up on the old transfer and reused its port. */
static void on_xfer_readable(void *arg, uint32_t events);

static int retransmitted(struct tftp_server *s, const struct request *rq, const struct tftp_msg *m)
{
	struct xfer *old = find_tid(s, &rq->peer);
	/* A client that got the one block of a small file ACKs it and closes its
	 * socket; another client may bind the same port and ask for the same
	 * file before we read that ACK (1,000 phones asking for RINGLIST.XML).
	 * Read what the old transfer has waiting first: the ACK ends it. */
	for (int i = 0; old && i < 4; i++) {
		on_xfer_readable(old, EPOLLIN);
		old = find_tid(s, &rq->peer);
	}
	if (!old)
		return 0;
	char name[SHOW_NAME];
	esc_log(name, sizeof(name), m->file, m->file_len);
	int fresh = old->op == TFTP_RRQ ? old->acked == 0 : old->received == 0;
	if (old->op == m->op && fresh && strcmp(old->name, name) == 0)
		return 1;
	xfer_end(old, TFTP_OUT_ABORTED, "the client sent a new request from the same port");
	return 0;
}

static int resolve(struct tftp_server *s, const struct request *rq, const char *name,
		   struct tftp_source *src, char *why, size_t whylen)
{
	int r = TFTP_ENOTFOUND;
	for (int i = 0; i < s->nres && r == TFTP_ENOTFOUND; i++) {
		memset(src, 0, sizeof(*src));
		src->fd = -1;
		why[0] = 0;
		r = s->res[i].fn(s->res[i].ctx, (const struct sockaddr *)&rq->peer, name, src, why, whylen);
	}
	return r;
}

static uint64_t netascii_size(struct xfer *x)
{
	uint64_t n = 0, off = 0;
	ssize_t r;
	while ((r = src_read(x, scratch, sizeof(scratch), off)) > 0) {
		n += tftp_netascii_encoded_size(scratch, (size_t)r);
		off += (uint64_t)r;
	}
	return n;
}

/* Datagrams from the client: through the ring for a read, else epoll. */
static int watch(struct xfer *x)
{
	struct tftp_server *s = x->srv;
	if (s->ring && x->op == TFTP_RRQ && (x->rx = loop_recv_start(s->loop, x->fd, on_xfer_datagram, x))) {
		ring_count(s, 1);
		return 0;
	}
	return loop_add_fd(s->loop, x->fd, EPOLLIN, on_xfer_readable, x);
}

static int start_rrq(struct xfer *x, const struct request *rq, const struct tftp_msg *m,
		     const char *name)
{
	struct tftp_server *s = x->srv;
	char why[256];
	int r = resolve(s, rq, name, &x->src, why, sizeof(why));
	if (r != 0) {
		const char *msg = r == TFTP_ENOTFOUND ? "File not found"
				  : r == TFTP_EUNDEF ? "busy" : "Access violation";
		enum tftp_outcome out = r == TFTP_ENOTFOUND ? TFTP_OUT_NOTFOUND
					: r == TFTP_EUNDEF ? TFTP_OUT_BUSY : TFTP_OUT_DENIED;
		refuse(x, rq, (uint16_t)r, msg, out, why[0] ? why : NULL);
		return -1;
	}
	x->size = x->mode == TFTP_MODE_NETASCII ? netascii_size(x) : x->src.size;
	x->nblocks = x->size / x->pp.blksize + 1;
	uint64_t want = (uint64_t)x->pp.blksize * x->pp.windowsize;
	if (want < READAHEAD)
		want = READAHEAD;
	if (want > x->size + 1)
		want = x->size + 1; /* small files: the whole file, read once */
	if (want < x->pp.blksize)
		want = x->pp.blksize;
	x->bufcap = (size_t)want;
	x->buf = malloc(x->bufcap);
	if (!x->buf) {
		refuse(x, rq, TFTP_EUNDEF, "out of memory", TFTP_OUT_IOERR, NULL);
		return -1;
	}
	if (watch(x) < 0) {
		refuse(x, rq, TFTP_EUNDEF, "busy", TFTP_OUT_BUSY, strerror(errno));
		return -1;
	}
	if (x->pp.oack) {
		x->oack_pending = 1;
		x->oack_len = tftp_build_oack(x->oack, sizeof(x->oack), m, &x->pp, x->size);
		send_oack(x);
	} else if (send_window(x) < 0) {
		xfer_end(x, TFTP_OUT_IOERR, strerror(errno));
		return -1;
	}
	arm(x);
	return 0;
}

static int start_wrq(struct xfer *x, const struct request *rq, const struct tftp_msg *m,
		     const char *name)
{
	struct tftp_server *s = x->srv;
	if (s->upload_dirfd < 0) {
		refuse(x, rq, TFTP_EACCESS, "Write requests are not allowed", TFTP_OUT_DENIED, NULL);
		return -1;
	}
	/* the name's directory, beneath the upload directory; no subdirectory is made */
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	if (slash) {
		char dir[TFTP_NAME_MAX + 1];
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - name), name);
		x->dirfd = tftp_open_beneath(s->upload_dirfd, dir, O_RDONLY | O_DIRECTORY);
	} else {
		x->dirfd = dup(s->upload_dirfd);
	}
	if (x->dirfd < 0) {
		refuse(x, rq, TFTP_EACCESS, "Access violation", TFTP_OUT_DENIED, "no such upload directory");
		return -1;
	}
	snprintf(x->final, sizeof(x->final), "%s", base);
	struct stat st;
	if (fstatat(x->dirfd, x->final, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		refuse(x, rq, TFTP_EEXISTS, "File already exists", TFTP_OUT_EXISTS, NULL);
		return -1;
	}
	static unsigned seq;
	for (int i = 0; i < 100 && x->wfd < 0; i++) {
		snprintf(x->tmpname, sizeof(x->tmpname), ".phoneboot-upload.%d.%u", (int)getpid(), seq++);
		x->wfd = openat(x->dirfd, x->tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	}
	if (x->wfd < 0) {
		refuse(x, rq, TFTP_EACCESS, "Access violation", TFTP_OUT_IOERR, strerror(errno));
		return -1;
	}
	if (x->pp.oack) {
		x->oack_pending = 1;
		x->oack_len = tftp_build_oack(x->oack, sizeof(x->oack), m, &x->pp, x->pp.tsize_value);
		send_oack(x);
	} else {
		send_ack(x, 0);
	}
	arm(x);
	return 0;
}

/* At the limit: transfers whose last block went out may have their final
 * ACK waiting unread (in a boot storm the next RRQs can come first); read
 * those before refusing anyone. */
static void reap(struct tftp_server *s, const struct xfer *keep)
{
	struct xfer *x = s->xfers, *next;
	for (; x; x = next) {
		next = x->next;
		if (x != keep && x->op == TFTP_RRQ && !x->oack_pending && x->sent_hi == x->nblocks)
			on_xfer_readable(x, EPOLLIN); /* may end x */
	}
}

static void handle_request(struct tftp_server *s, const struct request *rq)
{
	struct tftp_msg m;
	enum tftp_parse_err pe = tftp_parse(rq->pkt, rq->len, &m);
	if (pe == TFTP_PARSE_SHORT)
		return;
	if (pe == TFTP_PARSE_OK && m.op != TFTP_RRQ && m.op != TFTP_WRQ)
		return; /* DATA, ACK, ERROR, OACK have no business on port 69 */
	if (pe != TFTP_PARSE_OK && m.file == NULL) {
		if (pe != TFTP_PARSE_TOOLONG)
			send_error_to(&rq->local, &rq->peer, rq->peerlen, TFTP_EBADOP, tftp_parse_strerror(pe));
		return;
	}
	if (m.file && retransmitted(s, rq, &m))
		return;
	struct xfer *x = xfer_new(s, rq, &m);
	if (!x)
		return;
	log_msg(LOG_INFO, "%s from %s filename %s", m.op == TFTP_WRQ ? "WRQ" : "RRQ", x->peer_ip, x->name);
	if (pe != TFTP_PARSE_OK) {
		refuse(x, rq, pe == TFTP_PARSE_TOOMANY ? TFTP_EOPTNEG : TFTP_EBADOP,
		       tftp_parse_strerror(pe), TFTP_OUT_BADREQ, NULL);
		return;
	}
	if (m.mode == TFTP_MODE_MAIL) {
		refuse(x, rq, TFTP_EBADOP, "mail mode is not supported", TFTP_OUT_BADREQ, NULL);
		return;
	}
	if (s->nxfers > s->conf->max_transfers)
		reap(s, x);
	if (s->nxfers > s->conf->max_transfers ||
	    (s->conf->max_per_client && x->client->n > s->conf->max_per_client)) {
		refuse(x, rq, TFTP_EUNDEF, "busy", TFTP_OUT_BUSY, NULL);
		return;
	}
	char err[128];
	if (tftp_negotiate(&m, &s->lim, &x->pp, err, sizeof(err)) < 0) {
		refuse(x, rq, TFTP_EOPTNEG, err, TFTP_OUT_BADREQ, NULL);
		return;
	}
	char name[TFTP_NAME_MAX + 1];
	const char *why;
	if (tftp_name_clean(m.file, m.file_len, name, sizeof(name), &why) < 0) {
		refuse(x, rq, TFTP_EACCESS, "Access violation", TFTP_OUT_DENIED, why);
		return;
	}
	x->fd = tid_socket(&rq->local, &rq->peer, rq->peerlen);
	if (x->fd < 0 || (m.op == TFTP_WRQ && watch(x) < 0)) {
		refuse(x, rq, TFTP_EUNDEF, "busy", TFTP_OUT_BUSY, strerror(errno));
		return;
	}
	if (m.op == TFTP_RRQ)
		start_rrq(x, rq, &m, name); /* watches x->fd once the name resolves */
	else
		start_wrq(x, rq, &m, name);
}

/* The address the request was sent to (IP_PKTINFO), so the reply comes from it. */
static void local_addr(const struct listener *ls, struct msghdr *mh, struct sockaddr_storage *local)
{
	memset(local, 0, sizeof(*local));
	local->ss_family = (sa_family_t)ls->family;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr = pi.ipi6_addr;
		}
	}
}

static void on_listen_readable(void *arg, uint32_t events)
{
	static uint8_t bufs[RECV_BATCH][REQ_MAX];
	static struct sockaddr_storage peers[RECV_BATCH];
	static char cbufs[RECV_BATCH][128];
	static struct iovec iov[RECV_BATCH];
	static struct mmsghdr msgs[RECV_BATCH];
	struct listener *ls = arg;
	(void)events;
	for (int budget = RECV_BUDGET; budget > 0; budget -= RECV_BATCH) {
		for (int i = 0; i < RECV_BATCH; i++) {
			iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
			msgs[i].msg_hdr = (struct msghdr){
				.msg_name = &peers[i], .msg_namelen = sizeof(peers[i]),
				.msg_iov = &iov[i], .msg_iovlen = 1,
				.msg_control = cbufs[i], .msg_controllen = sizeof(cbufs[i]),
			};
		}
		int n = recvmmsg(ls->fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			struct request rq = {.ls = ls, .peerlen = msgs[i].msg_hdr.msg_namelen,
					     .pkt = bufs[i], .len = msgs[i].msg_len};
			rq.peer = peers[i];
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue; /* longer than any request: not one */
			local_addr(ls, &msgs[i].msg_hdr, &rq.local);
			handle_request(ls->srv, &rq);
		}
		if (n < RECV_BATCH)
			return;
	}
}

/* --- the server --- */

struct tftp_server *tftp_new(struct loop *l, const struct conf *c)
{
	struct tftp_server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->loop = l;
	s->conf = c;
	s->lim.max_blksize = c->max_blksize;
	s->lim.max_windowsize = c->max_windowsize;
	s->upload_dirfd = -1;
	for (int i = 0; i < CONF_MAX_LISTEN; i++)
		s->ls[i].fd = -1;
	return s;
}

static int bind_one(struct listener *ls, const struct conf_addr *a, char *err, size_t errlen)
{
	int one = 1, size = LISTEN_RCVBUF;
	ls->family = a->ss.ss_family;
	ls->fd = socket(ls->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ls->fd < 0)
		goto fail;
	/* as root, past net.core.rmem_max: the boot storm's RRQs must not be dropped */
	if (setsockopt(ls->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(ls->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (ls->family == AF_INET6) {
		setsockopt(ls->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		if (setsockopt(ls->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
			goto fail;
	} else if (setsockopt(ls->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0) {
		goto fail;
	}
	if (bind(ls->fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "tftp: listen on %s: %s", a->text, strerror(errno));
	if (ls->fd >= 0)
		close(ls->fd);
	ls->fd = -1;
	return -1;
}

int tftp_bind(struct tftp_server *s, char *err, size_t errlen)
{
	for (int i = 0; i < s->conf->ntftp_listen; i++) {
		s->ls[i].srv = s;
		if (bind_one(&s->ls[i], &s->conf->tftp_listen[i], err, errlen) < 0)
			return -1;
		s->nls = i + 1;
	}
	if (s->conf->tftp_io != CONF_IO_EPOLL) {
		char why[128];
		s->ring = loop_ring_init(s->loop, why, sizeof(why)) == 0;
		if (s->ring)
			loop_on_send_error(s->loop, on_send_error, s);
		else if (s->conf->tftp_io == CONF_IO_URING) {
			snprintf(err, errlen, "tftp: io = io_uring: %s", why);
			return -1;
		} else
			log_msg(LOG_INFO, "tftp: io_uring not used (%s): epoll", why);
	}
	if (s->conf->allow_write) {
		s->upload_dirfd = open(s->conf->allow_write, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->upload_dirfd < 0) {
			snprintf(err, errlen, "tftp: allow_write = %s: %s", s->conf->allow_write,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

int tftp_add_resolver(struct tftp_server *s, tftp_resolve_fn fn, void *ctx)
{
	if (s->nres == MAX_RESOLVERS)
		return -1;
	s->res[s->nres].fn = fn;
	s->res[s->nres].ctx = ctx;
	s->nres++;
	return 0;
}

void tftp_set_event_fn(struct tftp_server *s, tftp_event_fn fn, void *ctx)
{
	s->on_event = fn;
	s->event_ctx = ctx;
}

int tftp_start(struct tftp_server *s)
{
	for (int i = 0; i < s->nls; i++)
		if (loop_add_fd(s->loop, s->ls[i].fd, EPOLLIN, on_listen_readable, &s->ls[i]) < 0 ||
		    loop_set_fd_last(s->loop, s->ls[i].fd) < 0)
			return -1;
	return 0;
}

void tftp_stop_accepting(struct tftp_server *s)
{
	for (int i = 0; i < s->nls; i++) {
		if (s->ls[i].fd < 0)
			continue;
		loop_del_fd(s->loop, s->ls[i].fd);
		close(s->ls[i].fd);
		s->ls[i].fd = -1;
	}
}

const char *tftp_io_name(const struct tftp_server *s)
{
	return s->ring ? "io_uring" : "epoll";
}

unsigned tftp_active(const struct tftp_server *s)
{
	return s->nxfers;
}

void tftp_abort_all(struct tftp_server *s)
{
	while (s->xfers) {
		send_error(s->xfers, TFTP_EUNDEF, "server shutting down");
		xfer_end(s->xfers, TFTP_OUT_SHUTDOWN, NULL);
	}
}

void tftp_free(struct tftp_server *s)
{
	if (!s)
		return;
	loop_on_send_error(s->loop, NULL, NULL);
	tftp_abort_all(s);
	tftp_stop_accepting(s);
	if (s->upload_dirfd >= 0)
		close(s->upload_dirfd);
	free(s);
}
