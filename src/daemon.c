/* daemon: serve. One struct daemon owns every part while it runs; each
 * setup step below wires one concern, and teardown frees in reverse. */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "commit.h"
#include "dhcp.h"
#include "firmware.h"
#include "log.h"
#include "loop.h"
#include "models.h"
#include "paths.h"
#include "phonecache.h"
#include "privdrop.h"
#include "statewatch.h"
#include "store.h"
#include "tftp.h"

#ifndef PHONEBOOT_VERSION
#define PHONEBOOT_VERSION "0.1"
#endif

#define SHUTDOWN_GRACE_US 3000000u
#define PRUNE_EVERY_US (3600ull * 1000000u)

struct daemon {
	const struct conf *conf;
	struct loop *loop;
	struct tftp_server *tftp;
	struct tftp_dir *dir;
	struct dhcp_server *dhcp;
	struct store *store;
	struct commit *commit;
	struct statewatch *watch;
	struct phonecache *phones;
	struct models ms;
	int have_models;
	struct fw_lib *lib;
	struct loop_timer grace, prune;
	int stopping;
};

static int64_t wall_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* --- while it runs --- */

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
	/* never waits for the lock: a postponed commit holds its ACKs */
	commit_turn_end(d->commit);
	/* ACKs go out only now that their leases are committed */
	dhcp_turn_end(d->dhcp);
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

/* --- setup, a step per concern; each returns 0 or the exit status --- */

static int setup_dirs(const struct conf *c)
{
	if (paths_mkdirs(c->state_dir, 0755) < 0) {
		fprintf(stderr, "phoneboot: state_dir %s: %s\n", c->state_dir, strerror(errno));
		return 1;
	}
	if (paths_mkdirs(c->tftp_root, 0755) < 0) {
		fprintf(stderr, "phoneboot: tftp root %s: %s\n", c->tftp_root, strerror(errno));
		return 1;
	}
	return 0;
}

/* The sockets are bound while we may still be root. */
static int setup_servers(struct daemon *d)
{
	const struct conf *c = d->conf;
	char err[512];
	d->loop = loop_new();
	d->tftp = d->loop ? tftp_new(d->loop, c) : NULL;
	if (!d->tftp) {
		fprintf(stderr, "phoneboot: out of memory\n");
		return 1;
	}
	if (tftp_bind(d->tftp, err, sizeof(err)) < 0 || !(d->dir = tftp_dir_open(c->tftp_root, err, sizeof(err)))) {
		fprintf(stderr, "phoneboot: %s\n", err);
		return 1;
	}
	int config_error = 0;
	if (c->dhcp_enabled && !(d->dhcp = dhcp_new(d->loop, (struct conf *)c, &config_error, err, sizeof(err)))) {
		fprintf(stderr, "phoneboot: %s\n", err);
		return config_error ? 2 : 1;
	}
	return 0;
}

static int setup_user(const struct daemon *d)
{
	const struct conf *c = d->conf;
	int dr = privdrop_user(c);
	if (dr < 0)
		return dr == -2 ? 2 : 1;
	if (c->allow_write && access(c->allow_write, W_OK | X_OK) < 0) {
		fprintf(stderr, "phoneboot: [tftp] allow_write = %s: not writable by user %s: %s\n",
			c->allow_write, c->user, strerror(errno));
		return 2;
	}
	return 0;
}

/* The resolver chain: the TFTP root first, then the firmware library. */
static int setup_state(struct daemon *d)
{
	const struct conf *c = d->conf;
	char err[512], mpath[4096];
	d->store = store_open(c->state_dir, err, sizeof(err));
	if (!d->store) {
		fprintf(stderr, "phoneboot: state file: %s\n", err);
		return 1;
	}
	tftp_add_resolver(d->tftp, tftp_dir_resolve, d->dir);
	paths_beside_conf(c->path, "models.conf", mpath, sizeof(mpath));
	if (models_load(&d->ms, mpath, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, "%s", err);
		return 2;
	}
	d->have_models = 1;
	d->lib = fw_open(c->state_dir, d->store, &d->ms, NULL, err, sizeof(err));
	if (!d->lib) {
		log_msg(LOG_ERR, "firmware library: %s", err);
		return 1;
	}
	tftp_add_resolver(d->tftp, fw_resolve, d->lib);
	tftp_set_event_fn(d->tftp, on_event, d);
	if (d->dhcp && dhcp_start(d->dhcp, d->store, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, "%s", err);
		return 1;
	}
	return 0;
}

/* The state file from here on: writes never wait for the lock, and the
 * inventory is read again when another process changes it. */
static int setup_watch(struct daemon *d)
{
	char err[512];
	int reloaded;
	if (!(d->commit = commit_new(d->loop, d->store)) || !(d->phones = phonecache_new(d->store))) {
		log_msg(LOG_ERR, "out of memory");
		return 1;
	}
	long n = phonecache_reload(d->phones, 1, &reloaded);
	if (n < 0) {
		log_msg(LOG_ERR, "inventory: reading the phones: %s", store_errmsg(d->store));
		return 1;
	}
	log_msg(LOG_INFO, "inventory: %ld phone%s", n, n == 1 ? "" : "s");
	d->watch = statewatch_new(d->loop, d->store, d->conf->state_dir, err, sizeof(err));
	if (!d->watch || statewatch_subscribe(d->watch, phonecache_on_change, d->phones) < 0) {
		log_msg(LOG_ERR, "state file: %s", d->watch ? "too many subscribers" : err);
		return 1;
	}
	return 0;
}

static int setup_loop(struct daemon *d)
{
	loop_timer_init(&d->grace, on_grace, d);
	loop_timer_init(&d->prune, on_prune, d);
	if (loop_on_signal(d->loop, SIGTERM, on_term, d) < 0 || loop_on_signal(d->loop, SIGINT, on_term, d) < 0 ||
	    loop_on_turn_end(d->loop, on_turn_end, d) < 0 || tftp_start(d->tftp) < 0) {
		log_msg(LOG_ERR, "starting the loop: %s", strerror(errno));
		return 1;
	}
	return 0;
}

static int run(struct daemon *d)
{
	const struct conf *c = d->conf;
	on_prune(d);
	for (int i = 0; i < c->ntftp_listen; i++)
		log_msg(LOG_INFO, "phoneboot %s: TFTP on %s, root %s, state %s%s%s, %s", PHONEBOOT_VERSION,
			c->tftp_listen[i].text, c->tftp_root, c->state_dir,
			c->allow_write ? ", uploads to " : ", no uploads",
			c->allow_write ? c->allow_write : "", tftp_io_name(d->tftp));
	log_flush();
	if (loop_run(d->loop) < 0) {
		log_msg(LOG_ERR, "event loop: %s", strerror(errno));
		return 1;
	}
	log_msg(LOG_INFO, "stopped");
	return 0;
}

static void teardown(struct daemon *d)
{
	tftp_free(d->tftp);
	dhcp_free(d->dhcp);
	tftp_dir_close(d->dir);
	fw_close(d->lib);
	if (d->have_models)
		models_free(&d->ms);
	statewatch_free(d->watch);
	phonecache_free(d->phones);
	commit_free(d->commit);
	/* the last commit may wait for the lock (STORE_BUSY_TIMEOUT_MS) */
	store_close(d->store);
	loop_free(d->loop);
	log_close();
}

static int serve(const struct conf *c)
{
	struct daemon d = {.conf = c};
	signal(SIGPIPE, SIG_IGN);
	log_open(c->log);
	privdrop_raise_nofile(c);
	int rc = setup_dirs(c);
	if (rc)
		return rc;
	if (!(rc = setup_servers(&d)) && !(rc = setup_user(&d)) && !(rc = setup_state(&d)) &&
	    !(rc = setup_watch(&d)) && !(rc = setup_loop(&d)))
		rc = run(&d);
	teardown(&d);
	return rc;
}

int daemon_main(const struct conf *c, int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "phoneboot serve: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	return serve(c);
}
