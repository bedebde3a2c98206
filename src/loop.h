/* loop: one thread, one event loop: epoll for fds, a min-heap of timers,
 * signalfd for signals, and hooks run at the end of every turn (for group
 * commits and log flushes). Knows no protocol. */
#ifndef PHONEBOOT_LOOP_H
#define PHONEBOOT_LOOP_H

#include <stddef.h>
#include <stdint.h>

struct loop;

typedef void (*loop_fd_fn)(void *arg, uint32_t events);
typedef void (*loop_fn)(void *arg);

/* A timer lives inside its owner's struct; the loop allocates nothing for it. */
struct loop_timer {
	uint64_t when_us;
	size_t idx;        /* position in the heap; (size_t)-1 when not armed */
	loop_fn fn;
	void *arg;
};

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Watch fd (EPOLLIN and the like); one registration per fd. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg);
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
void loop_del_fd(struct loop *l, int fd);
/* Dispatch fd after every other ready fd of the same turn (a listening
 * socket: finish the transfers that are running before starting new ones). */
int loop_set_fd_last(struct loop *l, int fd);

void loop_timer_init(struct loop_timer *t, loop_fn fn, void *arg);
/* Arm (or re-arm) t to fire after us microseconds. */
int loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t us);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);
int loop_timer_armed(const struct loop_timer *t);

/* Deliver signo through the loop (it is blocked for the process). */
int loop_on_signal(struct loop *l, int signo, loop_fn fn, void *arg);
/* Run fn at the end of every loop turn, after all events of the turn. */
int loop_on_turn_end(struct loop *l, loop_fn fn, void *arg);

/* Monotonic clock, read once per turn (cheap to call per packet). */
uint64_t loop_now_us(const struct loop *l);
/* Read the clock again now. */
uint64_t loop_update_now(struct loop *l);

/* io_uring (Linux 6.1 and later), for datagram sockets that carry much
 * traffic: loop_ring_init sets it up (0), or says why it cannot (-1) and
 * the loop goes on with epoll alone; the calls below then do nothing. */
int loop_ring_init(struct loop *l, char *why, size_t whylen);
int loop_ring_on(const struct loop *l);

/* Receive every datagram arriving on fd without a system call each: fn gets
 * (arg, 0, bytes, len) per datagram, bytes valid during the call only, or
 * (arg, errno, NULL, 0) for a socket error (ECONNREFUSED: ICMP). A datagram
 * longer than loop_recv_max is cut to that length. After loop_recv_stop
 * (allowed from fn) fn is never called again and fd may be closed. */
typedef void (*loop_recv_fn)(void *arg, int err, const uint8_t *data, size_t len);
struct loop_recv;
struct loop_recv *loop_recv_start(struct loop *l, int fd, loop_recv_fn fn, void *arg);
void loop_recv_stop(struct loop *l, struct loop_recv *r);
size_t loop_recv_max(const struct loop *l);

/* A datagram of len bytes for connected socket fd: fill the returned buffer
 * before the loop waits again; it goes out then, with every other of the
 * turn. NULL: no room now (send it yourself). A send that fails is reported
 * with its tag to the function given to loop_on_send_error. */
uint8_t *loop_send_buf(struct loop *l, int fd, size_t len, uint64_t tag);
typedef void (*loop_send_err_fn)(void *ctx, uint64_t tag, int err);
void loop_on_send_error(struct loop *l, loop_send_err_fn fn, void *ctx);
/* Wake for n completions rather than the first, but never wait more than
 * max_wait_us for the rest once one is there (Linux 6.12; before it, and with
 * n = 1, the first wakes the loop). For a server whose many clients each
 * wait for it: fewer wake-ups, each for more work. */
void loop_ring_batch(struct loop *l, unsigned n, unsigned max_wait_us);
/* Read len bytes of fd at off into buf through the ring; fn gets (arg, 0,
 * bytes read) or (arg, errno, 0) when it is done (a read from the page cache
 * is done when the loop next waits). buf must stay as it is until then, or
 * until loop_op_forget: after it fn is never called, and free_buf (if not
 * NULL) is freed once the kernel is done with buf. NULL: no ring, or no room. */
typedef void (*loop_read_fn)(void *arg, int err, size_t len);
struct loop_op;
struct loop_op *loop_read(struct loop *l, int fd, void *buf, size_t len, uint64_t off,
			  loop_read_fn fn, void *arg);
void loop_op_forget(struct loop *l, struct loop_op *op, void *free_buf);
/* Close fd, or, while queued SQEs could still name its number, right after
 * they are handed to the kernel (so that no new socket or file takes the
 * number first). Without the ring: close(fd). */
void loop_close(struct loop *l, int fd);
/* Hand what is queued to the kernel now. */
void loop_flush(struct loop *l);

/* Run until loop_stop; returns 0, or -1 on an epoll (or io_uring) error. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
