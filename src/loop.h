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

/* Run until loop_stop; returns 0, or -1 on an epoll error. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
