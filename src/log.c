/* log: daemon log lines. On stdout they are buffered and written once per
 * loop turn, so a boot storm costs one write per turn, not one per line. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum conf_log dest = CONF_LOG_STDOUT;
static int opened;
static char outbuf[1 << 16];

void log_open(enum conf_log d)
{
	dest = d;
	if (dest == CONF_LOG_SYSLOG) {
		openlog("phoneboot", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	} else {
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	}
	opened = 1;
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (opened && dest == CONF_LOG_SYSLOG) {
		vsyslog(prio, fmt, ap);
	} else {
		struct timeval tv;
		struct tm tm;
		char ts[32];
		gettimeofday(&tv, NULL);
		localtime_r(&tv.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
		FILE *f = opened ? stdout : stderr;
		fprintf(f, "%s.%03ld %s", ts, (long)(tv.tv_usec / 1000),
			prio <= LOG_ERR ? "error: " : prio == LOG_WARNING ? "warning: " : "");
		vfprintf(f, fmt, ap);
		fputc('\n', f);
	}
	va_end(ap);
}

void log_flush(void)
{
	if (dest == CONF_LOG_STDOUT)
		fflush(stdout);
}

void log_close(void)
{
	log_flush();
	if (opened && dest == CONF_LOG_SYSLOG)
		closelog();
	opened = 0;
}
