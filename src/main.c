/* phoneboot: CLI dispatch. Protocol logic lives in the modules. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "loop.h"
#include "store.h"
#include "tftp.h"

#ifndef PHONEBOOT_VERSION
#define PHONEBOOT_VERSION "0.1"
#endif

#define SHUTDOWN_GRACE_US 3000000u
#define PRUNE_EVERY_US (3600ull * 1000000u)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: phoneboot [-c FILE] COMMAND [ARGS]\n"
		"\n"
		"  serve            run the daemon in the foreground (TFTP server)\n"
		"  log [-f]         the timeline of transfers from the state file; -f follows it\n"
		"  version          print the version\n"
		"\n"
		"  -c FILE          configuration (default " CONF_DEFAULT_PATH " if present,\n"
		"                   else the built-in defaults)\n"
		"  -h, --help       this text\n"
		"  -V, --version    print the version\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 usage or configuration error.\n"
		"See phoneboot(8) and phoneboot.conf(5).\n");
}

static int64_t wall_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* --- serve --- */

struct daemon {
	const struct conf *conf;
	struct loop *loop;
	struct tftp_server *tftp;
	struct store *store;
	struct loop_timer grace, prune;
	int stopping;
};

static void on_event(void *ctx, const struct tftp_event *ev)
{
	struct daemon *d = ctx;
	struct store_event se = {
		.time_us = wall_us(),
		.kind = ev->op == TFTP_WRQ ? "tftp-wrq" : "tftp-rrq",
		.ip = ev->peer_ip,
		.port = (int)ev->peer_port,
		.file = ev->name,
		.served = ev->served,
		.bytes = (int64_t)ev->bytes,
		.blocks = (int64_t)ev->blocks,
		.retransmits = (int64_t)ev->retransmits,
		.duration_us = (int64_t)ev->duration_us,
		.outcome = tftp_outcome_name(ev->outcome),
		.detail = ev->detail,
	};
	if (store_add_event(d->store, &se) < 0)
		log_msg(LOG_ERR, "state file: recording an event: %s", store_errmsg(d->store));
}

static void on_turn_end(void *arg)
{
	struct daemon *d = arg;
	if (store_pending(d->store) && store_flush(d->store) < 0)
		log_msg(LOG_ERR, "state file: commit: %s", store_errmsg(d->store));
	if (d->stopping && tftp_active(d->tftp) == 0)
		loop_stop(d->loop);
	log_flush();
}

static void on_grace(void *arg)
{
	struct daemon *d = arg;
	log_msg(LOG_INFO, "ending %u transfers still running", tftp_active(d->tftp));
	tftp_abort_all(d->tftp);
}

static void on_term(void *arg)
{
	struct daemon *d = arg;
	if (d->stopping) {
		on_grace(d);
		return;
	}
	d->stopping = 1;
	tftp_stop_accepting(d->tftp);
	log_msg(LOG_INFO, "stopping: no new requests; %u transfers running", tftp_active(d->tftp));
	loop_timer_set(d->loop, &d->grace, SHUTDOWN_GRACE_US);
}

static void on_prune(void *arg)
{
	struct daemon *d = arg;
	int64_t n = store_prune_events(d->store, wall_us() - (int64_t)d->conf->keep_events_s * 1000000);
	if (n < 0)
		log_msg(LOG_ERR, "state file: pruning events: %s", store_errmsg(d->store));
	else if (n > 0)
		log_msg(LOG_INFO, "pruned %lld events older than keep_events", (long long)n);
	loop_timer_set(d->loop, &d->prune, PRUNE_EVERY_US);
}

static int mkdirs(const char *path, mode_t mode)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* The state directory and its files belong to the user we run as. */
static int own_state(const char *dir, uid_t uid, gid_t gid)
{
	static const char *files[] = {STORE_FILE, STORE_FILE "-wal", STORE_FILE "-shm"};
	if (chown(dir, uid, gid) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		if (chown(p, uid, gid) < 0 && errno != ENOENT)
			return -1;
	}
	return 0;
}

/* OpenBSD tftpd: bind, then give up root before the first packet is read. */
static int drop_root(const struct conf *c)
{
	if (geteuid() != 0)
		return 0;
	if (strcmp(c->user, "root") == 0) {
		log_msg(LOG_WARNING, "[server] user = root: running as root");
		return 0;
	}
	struct passwd *pw = getpwnam(c->user);
	if (!pw) {
		fprintf(stderr, "phoneboot: [server] user = %s: no such user\n", c->user);
		return -2;
	}
	if (own_state(c->state_dir, pw->pw_uid, pw->pw_gid) < 0) {
		fprintf(stderr, "phoneboot: giving %s to %s: %s\n", c->state_dir, c->user, strerror(errno));
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		fprintf(stderr, "phoneboot: dropping root to %s: %s\n", c->user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		fprintf(stderr, "phoneboot: could regain root after dropping it; stopping\n");
		return -1;
	}
	return 0;
}

/* Each transfer holds a socket and a file: make room for max_transfers. */
static void raise_nofile(const struct conf *c)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)c->max_transfers * 2 + 256;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want && geteuid() == 0)
		rl.rlim_max = want;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		log_msg(LOG_WARNING, "open files limited to %llu: fewer than max_transfers = %u can run",
			(unsigned long long)rl.rlim_cur, c->max_transfers);
}

static int serve(const struct conf *c)
{
	char err[512];
	struct daemon d = {.conf = c};
	int rc = 1;
	struct tftp_dir *dir = NULL;

	signal(SIGPIPE, SIG_IGN);
	log_open(c->log);
	raise_nofile(c);
	if (mkdirs(c->state_dir, 0755) < 0) {
		fprintf(stderr, "phoneboot: state_dir %s: %s\n", c->state_dir, strerror(errno));
		return 1;
	}
	if (mkdirs(c->tftp_root, 0755) < 0) {
		fprintf(stderr, "phoneboot: tftp root %s: %s\n", c->tftp_root, strerror(errno));
		return 1;
	}
	d.loop = loop_new();
	d.tftp = d.loop ? tftp_new(d.loop, c) : NULL;
	if (!d.tftp) {
		fprintf(stderr, "phoneboot: out of memory\n");
		goto out;
	}
	if (tftp_bind(d.tftp, err, sizeof(err)) < 0 || !(dir = tftp_dir_open(c->tftp_root, err, sizeof(err)))) {
		fprintf(stderr, "phoneboot: %s\n", err);
		goto out;
	}
	int dr = drop_root(c);
	if (dr < 0) {
		rc = dr == -2 ? 2 : 1;
		goto out;
	}
	if (c->allow_write && access(c->allow_write, W_OK | X_OK) < 0) {
		fprintf(stderr, "phoneboot: [tftp] allow_write = %s: not writable by user %s: %s\n",
			c->allow_write, c->user, strerror(errno));
		rc = 2;
		goto out;
	}
	d.store = store_open(c->state_dir, err, sizeof(err));
	if (!d.store) {
		fprintf(stderr, "phoneboot: state file: %s\n", err);
		goto out;
	}
	tftp_add_resolver(d.tftp, tftp_dir_resolve, dir);
	tftp_set_event_fn(d.tftp, on_event, &d);
	loop_timer_init(&d.grace, on_grace, &d);
	loop_timer_init(&d.prune, on_prune, &d);
	if (loop_on_signal(d.loop, SIGTERM, on_term, &d) < 0 || loop_on_signal(d.loop, SIGINT, on_term, &d) < 0 ||
	    loop_on_turn_end(d.loop, on_turn_end, &d) < 0 || tftp_start(d.tftp) < 0) {
		log_msg(LOG_ERR, "starting the loop: %s", strerror(errno));
		goto out;
	}
	on_prune(&d);
	for (int i = 0; i < c->ntftp_listen; i++)
		log_msg(LOG_INFO, "phoneboot %s: TFTP on %s, root %s, state %s%s%s", PHONEBOOT_VERSION,
			c->tftp_listen[i].text, c->tftp_root, c->state_dir,
			c->allow_write ? ", uploads to " : ", no uploads",
			c->allow_write ? c->allow_write : "");
	log_flush();
	if (loop_run(d.loop) < 0) {
		log_msg(LOG_ERR, "event loop: %s", strerror(errno));
		goto out;
	}
	log_msg(LOG_INFO, "stopped");
	rc = 0;
out:
	tftp_free(d.tftp);
	tftp_dir_close(dir);
	if (d.store && store_flush(d.store) < 0)
		log_msg(LOG_ERR, "state file: commit: %s", store_errmsg(d.store));
	store_close(d.store);
	loop_free(d.loop);
	log_close();
	return rc;
}

/* --- log --- */

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
	printf("%s.%03d %s %s %s %s %lld bytes %lld blocks %.3f s %lld retransmits%s%s\n", ts,
	       (int)(ev->time_us / 1000 % 1000), ev->ip ? ev->ip : "-",
	       strcmp(ev->kind, "tftp-wrq") == 0 ? "WRQ" : "RRQ", ev->file ? ev->file : "-",
	       ev->outcome ? ev->outcome : "-", (long long)ev->bytes, (long long)ev->blocks,
	       ev->duration_us / 1e6, (long long)ev->retransmits, ev->detail && *ev->detail ? ": " : "",
	       ev->detail ? ev->detail : "");
	lc->last_id = ev->id;
	return 0;
}

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int cmd_log(const struct conf *c, int argc, char **argv)
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

int main(int argc, char **argv)
{
	const char *cpath = NULL;
	int opt;
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	while ((opt = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': cpath = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("phoneboot %s\n", PHONEBOOT_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind];
	if (strcmp(cmd, "version") == 0) {
		printf("phoneboot %s\n", PHONEBOOT_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (!cpath && access(CONF_DEFAULT_PATH, F_OK) == 0)
		cpath = CONF_DEFAULT_PATH;
	struct conf c;
	char err[1024];
	if (conf_load(&c, cpath, err, sizeof(err)) < 0) {
		fprintf(stderr, "phoneboot: %s\n", err);
		conf_free(&c);
		return 2;
	}
	int rc;
	if (strcmp(cmd, "serve") == 0) {
		if (argc - optind > 1) {
			fprintf(stderr, "phoneboot serve: unexpected argument '%s'\n", argv[optind + 1]);
			rc = 2;
		} else {
			rc = serve(&c);
		}
	} else if (strcmp(cmd, "log") == 0) {
		rc = cmd_log(&c, argc - optind, argv + optind);
	} else {
		fprintf(stderr, "phoneboot: unknown command '%s'\n", cmd);
		usage(stderr);
		rc = 2;
	}
	conf_free(&c);
	return rc;
}
