/* log: the daemon's log lines, to stdout (buffered, flushed every loop turn)
 * or syslog. Client strings go through esc_log (esc.h) first. */
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

#endif
