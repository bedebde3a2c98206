/* log: the daemon's log lines, to stdout (buffered, flushed every loop turn)
 * or syslog; and the one function that makes client strings safe to show. */
#ifndef PHONEBOOT_LOG_H
#define PHONEBOOT_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

#include "conf.h"

void log_open(enum conf_log dest);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_flush(void);
void log_close(void);

/* Client-supplied bytes as printable text: '\\' and non-printing bytes become
 * \\ooo (strnvis style). Always NUL-terminates; returns the length written. */
size_t log_escape(char *dst, size_t cap, const char *src, size_t len);

#endif
