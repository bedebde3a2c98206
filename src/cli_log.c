/* cli_log: the state file's events, one line each; -f polls for new ones. */
#include "cli_log.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

struct log_ctx {
	int64_t last_id;
};

static int print_event(void *ctx, const struct store_event *ev)
{
	struct log_ctx *lc = ctx;
	char ts[32];
	time_t t = (time_t)(ev->time_us / 1000000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	/* where the bytes came from, when that is not simply the name asked for */
	int from = ev->served && *ev->served && (!ev->file || strcmp(ev->served, ev->file) != 0);
	printf("%s.%03d %s %s %s %s %lld bytes %lld blocks %.3f s %lld retransmits%s%s%s%s\n", ts,
	       (int)(ev->time_us / 1000 % 1000), ev->ip ? ev->ip : "-",
	       strcmp(ev->kind, "tftp-wrq") == 0 ? "WRQ" : "RRQ", ev->file ? ev->file : "-",
	       ev->outcome ? ev->outcome : "-", (long long)ev->bytes, (long long)ev->blocks,
	       ev->duration_us / 1e6, (long long)ev->retransmits, from ? " from " : "", from ? ev->served : "",
	       ev->detail && *ev->detail ? ": " : "", ev->detail ? ev->detail : "");
	lc->last_id = ev->id;
	return 0;
}

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

int cli_log(const struct conf *c, int argc, char **argv)
{
	int follow = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0) {
			follow = 1;
		} else {
			fprintf(stderr, "phoneboot log: unknown argument '%s' (expected -f)\n", argv[i]);
			return 2;
		}
	}
	char err[512];
	struct store *s = store_open_readonly(c->state_dir, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "phoneboot log: %s (has 'phoneboot serve' run with this configuration?)\n", err);
		return 1;
	}
	struct log_ctx lc = {0};
	if (store_events_since(s, 0, 0, print_event, &lc) < 0) {
		fprintf(stderr, "phoneboot log: reading events: %s\n", store_errmsg(s));
		store_close(s);
		return 1;
	}
	fflush(stdout);
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	while (follow && !interrupted) {
		usleep(250000);
		if (store_events_since(s, lc.last_id, 0, print_event, &lc) < 0) {
			fprintf(stderr, "phoneboot log: reading events: %s\n", store_errmsg(s));
			break;
		}
		fflush(stdout);
	}
	store_close(s);
	return 0;
}
