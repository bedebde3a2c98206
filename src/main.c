/* phoneboot: CLI dispatch. Protocol logic lives in the modules. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
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

#include "cli_phone.h"
#include "conf.h"
#include "cli_pbx.h"
#include "probe.h"
#include "dhcp.h"
#include "dhcp_wire.h"
#include "firmware.h"
#include "sim.h"
#include "models.h"
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
		"  models [--json]  the phone models phoneboot knows, and their limits\n"
		"  firmware import [--force] FILE...   add Cisco packages (.cop.sgn, .zip, .tar.gz,\n"
		"                   loose .loads/.sbn files or a directory of them) to the library\n"
		"  firmware list [--json] | show LOADID | verify | remove LOADID\n"
		"  dhcp leases [--json]  the DHCP server's leases, from the state file\n"
		"  dhcp-option 150 IP[,IP...] | 66 NAME [--for isc|kea|dnsmasq|pfsense|mikrotik|ios|windows]\n"
		"                   options 150 and 66 encoded, and the lines for your DHCP server\n"
		"  probe --iface IF [--request]  what the network's DHCP server hands a phone, judged\n"
		"  sim --tftp ADDR[:PORT] | --dhcp IFACE  --model M --load LOADID [--phones N] [--hard-reset]\n"
		"      [--target sip|LOADID] [--mac-base MAC] [--bind-base IP] [--timeout S]\n"
		"      [--max-reboots N] [--realistic] [--json] [-v]\n"
		"                   simulated phones against a TFTP server\n"
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
	struct dhcp_server *dhcp;
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

static void admin_models_path(const char *conf_path, char *buf, size_t len);

static int serve(const struct conf *c)
{
	char err[512];
	struct daemon d = {.conf = c};
	int rc = 1;
	struct tftp_dir *dir = NULL;
	struct models ms;
	int have_models = 0;
	struct fw_lib *lib = NULL;
	char mpath[4096];

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
	int config_error = 0;
	if (c->dhcp_enabled && !(d.dhcp = dhcp_new(d.loop, (struct conf *)c, &config_error, err, sizeof(err)))) {
		fprintf(stderr, "phoneboot: %s\n", err);
		rc = config_error ? 2 : 1;
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
	admin_models_path(c->path, mpath, sizeof(mpath));
	if (models_load(&ms, mpath, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, "%s", err);
		rc = 2;
		goto out;
	}
	have_models = 1;
	lib = fw_open(c->state_dir, d.store, &ms, NULL, err, sizeof(err));
	if (!lib) {
		log_msg(LOG_ERR, "firmware library: %s", err);
		goto out;
	}
	tftp_add_resolver(d.tftp, fw_resolve, lib);
	tftp_set_event_fn(d.tftp, on_event, &d);
	if (d.dhcp && dhcp_start(d.dhcp, d.store, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, "%s", err);
		goto out;
	}
	loop_timer_init(&d.grace, on_grace, &d);
	loop_timer_init(&d.prune, on_prune, &d);
	if (loop_on_signal(d.loop, SIGTERM, on_term, &d) < 0 || loop_on_signal(d.loop, SIGINT, on_term, &d) < 0 ||
	    loop_on_turn_end(d.loop, on_turn_end, &d) < 0 || tftp_start(d.tftp) < 0) {
		log_msg(LOG_ERR, "starting the loop: %s", strerror(errno));
		goto out;
	}
	on_prune(&d);
	for (int i = 0; i < c->ntftp_listen; i++)
		log_msg(LOG_INFO, "phoneboot %s: TFTP on %s, root %s, state %s%s%s, %s", PHONEBOOT_VERSION,
			c->tftp_listen[i].text, c->tftp_root, c->state_dir,
			c->allow_write ? ", uploads to " : ", no uploads",
			c->allow_write ? c->allow_write : "", tftp_io_name(d.tftp));
	log_flush();
	if (loop_run(d.loop) < 0) {
		log_msg(LOG_ERR, "event loop: %s", strerror(errno));
		goto out;
	}
	log_msg(LOG_INFO, "stopped");
	rc = 0;
out:
	tftp_free(d.tftp);
	dhcp_free(d.dhcp);
	tftp_dir_close(dir);
	fw_close(lib);
	if (have_models)
		models_free(&ms);
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

/* --- models --- */

/* The admin's model table: models.conf beside the configuration file. */
static void admin_models_path(const char *conf_path, char *buf, size_t len)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", conf_path ? conf_path : CONF_DEFAULT_PATH);
	snprintf(buf, len, "%s/models.conf", dirname(dir));
}

static json_t *version_json(const struct model_version *v)
{
	char b[64];
	models_version_str(v, b, sizeof(b));
	return json_string(b);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *model_json(const struct model *m)
{
	json_t *names = json_array(), *vci = json_array();
	for (int i = 0; i < m->nnames; i++)
		json_array_append_new(names, json_string(m->names[i]));
	for (int i = 0; i < m->nvci; i++)
		json_array_append_new(vci, json_string(m->vci[i]));
	json_t *bridge = json_null();
	if (m->bridge_from.set)
		bridge = json_pack("{s:o, s:o, s:o}", "from", version_json(&m->bridge_from), "to",
				   version_json(&m->bridge_to), "before", version_json(&m->bridge_before));
	return json_pack("{s:s, s:o, s:o, s:s, s:o, s:{s:o, s:o}, s:s, s:o, s:o, s:o,"
			 " s:{s:i, s:i, s:i}, s:o, s:s}",
			 "id", m->id, "names", names, "vci", vci, "family", m->family,
			 "default_loads", str_or_null(m->default_loads), "load_prefixes",
			 "sccp", str_or_null(m->sccp_prefix), "sip", str_or_null(m->sip_prefix),
			 "config_family", m->config_family, "locale_jar", str_or_null(m->locale_jar),
			 "desktop", str_or_null(m->desktop),
			 "device_type", m->device_type >= 0 ? json_integer(m->device_type) : json_null(),
			 "limits", "sip_password_max", (int)m->sip_password_max, "label_max",
			 (int)m->label_max, "name_max", (int)m->name_max, "bridge", bridge, "source", m->source);
}

static void model_line(const struct model *m)
{
	char names[128] = "", pre[64], bridge[160] = "-", f[40], t[40], b[40];
	for (int i = 0; i < m->nnames; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? "," : "", m->names[i]);
	snprintf(pre, sizeof(pre), "%s/%s", m->sccp_prefix ? m->sccp_prefix : "-",
		 m->sip_prefix ? m->sip_prefix : "-");
	if (m->bridge_from.set) {
		models_version_str(&m->bridge_from, f, sizeof(f));
		models_version_str(&m->bridge_to, t, sizeof(t));
		models_version_str(&m->bridge_before, b, sizeof(b));
		snprintf(bridge, sizeof(bridge), "%s..%s before %s", f, t, b);
	}
	printf("%-7s %-32s %-6s %-21s %-12s %-14s %3u %3u %3u  %s%s%s\n", m->id, names, m->family,
	       m->default_loads ? m->default_loads : "-", pre, m->config_family, m->sip_password_max,
	       m->label_max, m->name_max, bridge, strcmp(m->source, "built-in") ? "  from " : "",
	       strcmp(m->source, "built-in") ? m->source : "");
}

static int cmd_models(const struct conf *c, int argc, char **argv)
{
	int as_json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			as_json = 1;
		} else {
			fprintf(stderr, "phoneboot models: unknown argument '%s' (expected --json)\n", argv[i]);
			return 2;
		}
	}
	char path[4096], err[1024];
	struct models ms;
	admin_models_path(c->path, path, sizeof(path));
	if (models_load(&ms, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "phoneboot models: %s\n", err);
		return 2;
	}
	if (as_json) {
		json_t *a = json_array();
		for (int i = 0; i < ms.n; i++)
			json_array_append_new(a, model_json(&ms.m[i]));
		char *text = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (text)
			puts(text);
		free(text);
		json_decref(a);
	} else {
		printf("%-7s %-32s %-6s %-21s %-12s %-14s %3s %3s %3s  %s\n", "MODEL", "NAMES", "FAMILY",
		       "DEFAULT LOADS", "SCCP/SIP", "CONFIG", "PW", "LBL", "NAM", "UPGRADE BRIDGE");
		for (int i = 0; i < ms.n; i++)
			model_line(&ms.m[i]);
		printf("%d models (built in%s%s)\n", ms.n, ms.admin_path ? ", and " : "; none in ",
		       ms.admin_path ? ms.admin_path : path);
	}
	models_free(&ms);
	return 0;
}

/* --- firmware --- */

struct fwcli {
	struct store *st;
	struct models ms;
	int have_models;
	struct fw_lib *lib;
};

static void fwcli_close(struct fwcli *f)
{
	fw_close(f->lib);
	store_close(f->st);
	if (f->have_models)
		models_free(&f->ms);
}

static int fwcli_open(const struct conf *c, struct fwcli *f, const char *cmd)
{
	char err[1024], path[4096], known[4096];
	memset(f, 0, sizeof(*f));
	admin_models_path(c->path, path, sizeof(path));
	if (models_load(&f->ms, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "phoneboot %s: %s\n", cmd, err);
		return 2;
	}
	f->have_models = 1;
	if (mkdirs(c->state_dir, 0755) < 0) {
		fprintf(stderr, "phoneboot %s: state_dir %s: %s\n", cmd, c->state_dir, strerror(errno));
		fwcli_close(f);
		return 1;
	}
	snprintf(known, sizeof(known), "%s", path);
	snprintf(strrchr(known, '/') + 1, sizeof(known) - (size_t)(strrchr(known, '/') + 1 - known),
		 "known-firmware.conf");
	struct fw_known *k = fw_known_open(known, err, sizeof(err));
	if (!k) { /* the admin's list is configuration: its errors exit 2 */
		fprintf(stderr, "phoneboot %s: %s\n", cmd, err);
		fwcli_close(f);
		return 2;
	}
	fw_known_close(k);
	f->st = store_open(c->state_dir, err, sizeof(err));
	if (!f->st || !(f->lib = fw_open(c->state_dir, f->st, &f->ms, known, err, sizeof(err)))) {
		fprintf(stderr, "phoneboot %s: %s\n", cmd, err);
		fwcli_close(f);
		return 1;
	}
	return 0;
}

static int fw_cmd_import(struct fwcli *f, int argc, char **argv)
{
	struct fw_import_opts o = {.progress = isatty(1), .report = stdout};
	int files = 0, failed = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			o.force = 1;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "phoneboot firmware import: unknown option '%s' (expected --force)\n", argv[i]);
			return 2;
		}
	}
	for (int i = 2; i < argc; i++) {
		char err[2048];
		if (strcmp(argv[i], "--force") == 0)
			continue;
		files++;
		int r = fw_import(f->lib, argv[i], &o, err, sizeof(err));
		if (r == 1)
			printf("%s: already imported, nothing to do\n", argv[i]);
		else if (r < 0) {
			fprintf(stderr, "phoneboot firmware import: %s\n", err);
			failed++;
		}
		fflush(stdout);
	}
	if (!files) {
		fprintf(stderr, "phoneboot firmware import: which FILE?\n");
		return 2;
	}
	return failed ? 1 : 0;
}

struct list_ctx {
	struct fwcli *f;
	json_t *arr;
	json_t *files;
	const char *worst;
	int as_json, n;
};

/* The worse of two verdicts, as one of the FW_ constants (b may be a
 * string the state file lends only for one row). */
static int verdict_rank(const char *v)
{
	return !v ? -1 : strcmp(v, FW_MISMATCH) == 0 ? 2 : strcmp(v, FW_UNKNOWN) == 0 ? 1 : 0;
}

static const char *worse(const char *a, const char *b)
{
	static const char *const names[] = {FW_KNOWN, FW_UNKNOWN, FW_MISMATCH};
	int ra = verdict_rank(a), rb = verdict_rank(b);
	return names[ra > rb ? ra : rb];
}

static int list_file(void *ctx, const struct store_fw_file *fl)
{
	struct list_ctx *l = ctx;
	/* a load's verdict is its .loads and images': CUCM's leftovers are never known */
	if (strcmp(fl->role, "extra") != 0)
		l->worst = worse(l->worst, fl->verdict);
	if (l->files)
		json_array_append_new(l->files, json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "name", fl->name,
							  "size", (json_int_t)fl->size, "sha256", fl->sha256,
							  "sha1", fl->sha1, "verdict", fl->verdict, "role", fl->role));
	return 0;
}

static int list_load(void *ctx, const struct store_fw_load *ld)
{
	struct list_ctx *l = ctx;
	char missing[2048];
	int nmiss = fw_missing(l->f->lib, ld->load_id, missing, sizeof(missing));
	l->worst = NULL;
	l->files = l->as_json ? json_array() : NULL;
	store_fw_files(l->f->st, ld->load_id, list_file, l);
	l->n++;
	if (!l->as_json) {
		printf("%-22s %-5s %-6s %-14s %-12s %-10s %s%s%s\n", ld->load_id, ld->protocol, ld->family,
		       ld->version, nmiss ? "INCOMPLETE" : "complete", l->worst ? l->worst : "-",
		       ld->package ? ld->package : "-", nmiss ? "\n    missing: " : "", nmiss ? missing : "");
		return 0;
	}
	json_t *miss = json_array();
	for (char *save = NULL, *t = strtok_r(missing, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		json_array_append_new(miss, json_string(t));
	json_array_append_new(l->arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:s, s:s?, s:o}",
						"load_id", ld->load_id, "family", ld->family, "protocol",
						ld->protocol, "version", ld->version, "release", ld->release,
						"complete", nmiss == 0, "missing", miss, "verdict",
						l->worst ? l->worst : FW_UNKNOWN, "package", ld->package,
						"files", l->files));
	return 0;
}

static int fw_cmd_list(struct fwcli *f, int argc, char **argv)
{
	struct list_ctx l = {.f = f};
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0) {
			fprintf(stderr, "phoneboot firmware list: unknown argument '%s' (expected --json)\n", argv[i]);
			return 2;
		}
		l.as_json = 1;
	}
	if (l.as_json)
		l.arr = json_array();
	else
		printf("%-22s %-5s %-6s %-14s %-12s %-10s %s\n", "LOAD", "PROTO", "FAMILY", "VERSION", "STATE",
		       "VERDICT", "PACKAGE");
	if (store_fw_loads(f->st, NULL, list_load, &l) < 0) {
		fprintf(stderr, "phoneboot firmware list: %s\n", store_errmsg(f->st));
		json_decref(l.arr);
		return 1;
	}
	if (l.as_json) {
		char *text = json_dumps(l.arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(text ? text : "[]");
		free(text);
		json_decref(l.arr);
	} else {
		printf("%d loads\n", l.n);
	}
	return 0;
}

static int show_file(void *ctx, const struct store_fw_file *fl)
{
	(void)ctx;
	printf("  %-30s %9lld  %-10s %-6s sha256 %s\n  %-30s %9s  %-10s %-6s sha1   %s\n", fl->name,
	       (long long)fl->size, fl->verdict, fl->role, fl->sha256, "", "", "", "", fl->sha1);
	return 0;
}

static int show_image(void *ctx, int position, const char *name)
{
	(void)ctx;
	printf("  %d. %s\n", position, name);
	return 0;
}

struct show_ctx {
	struct fwcli *f;
	int found;
};

static int show_load(void *ctx, const struct store_fw_load *ld)
{
	struct show_ctx *sc = ctx;
	struct fwcli *f = sc->f;
	sc->found = 1;
	char missing[2048];
	int nmiss = fw_missing(f->lib, ld->load_id, missing, sizeof(missing));
	printf("load %s: %s, family %s, version %s (release %s), %s\n", ld->load_id, ld->protocol, ld->family,
	       ld->version, ld->release[0] ? ld->release : "?", nmiss ? "INCOMPLETE" : "complete");
	if (nmiss)
		printf("missing: %s\n", missing);
	printf("package: %s\nmodels:", ld->package ? ld->package : "-");
	for (int i = 0; i < f->ms.n; i++) {
		const struct model *m = &f->ms.m[i];
		const char *pre = strcmp(ld->protocol, "SIP") == 0 ? m->sip_prefix : m->sccp_prefix;
		if (pre && strncmp(ld->load_id, pre, strlen(pre)) == 0)
			printf(" %s", m->id);
	}
	printf("\nimages, in the order a phone fetches them:\n");
	store_fw_images(f->st, ld->load_id, show_image, NULL);
	printf("files:\n");
	store_fw_files(f->st, ld->load_id, show_file, NULL);
	return 1;
}

static int fw_cmd_show(struct fwcli *f, int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "phoneboot firmware show: expected one LOADID\n");
		return 2;
	}
	struct show_ctx sc = {.f = f};
	if (store_fw_loads(f->st, argv[2], show_load, &sc) < 0) {
		fprintf(stderr, "phoneboot firmware show: %s\n", store_errmsg(f->st));
		return 1;
	}
	if (!sc.found) {
		fprintf(stderr, "phoneboot firmware show: no load %s in the library (see firmware list)\n", argv[2]);
		return 1;
	}
	return 0;
}

static int cmd_firmware(const struct conf *c, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "phoneboot firmware: expected import, list, show, verify or remove\n");
		return 2;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "import") && strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "verify") &&
	    strcmp(sub, "remove")) {
		fprintf(stderr, "phoneboot firmware: unknown command '%s' (expected import, list, show, verify"
				" or remove)\n", sub);
		return 2;
	}
	struct fwcli f;
	int rc = fwcli_open(c, &f, "firmware");
	if (rc)
		return rc;
	char err[1024];
	if (strcmp(sub, "import") == 0) {
		rc = fw_cmd_import(&f, argc, argv);
	} else if (strcmp(sub, "list") == 0) {
		rc = fw_cmd_list(&f, argc, argv);
	} else if (strcmp(sub, "show") == 0) {
		rc = fw_cmd_show(&f, argc, argv);
	} else if (strcmp(sub, "verify") == 0) {
		rc = argc == 2 ? fw_verify(f.lib, stdout, err, sizeof(err)) : 2;
		if (rc < 0)
			fprintf(stderr, "phoneboot firmware verify: %s\n", err);
		rc = rc < 0 ? 1 : rc;
	} else {
		if (argc != 3) {
			fprintf(stderr, "phoneboot firmware remove: expected one LOADID\n");
			rc = 2;
		} else {
			rc = fw_remove(f.lib, argv[2], err, sizeof(err));
			if (rc)
				fprintf(stderr, "phoneboot firmware remove: %s\n", err);
			else
				printf("removed %s\n", argv[2]);
			rc = rc ? 1 : 0;
		}
	}
	fwcli_close(&f);
	return rc;
}

/* --- sim --- */

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6 &&
	    sscanf(s, "%2x%2x%2x%2x%2x%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int sim_usage(const char *what, const char *val)
{
	fprintf(stderr, "phoneboot sim: %s%s%s (see phoneboot --help)\n", what, val ? ": " : "", val ? val : "");
	return 2;
}

static int cmd_sim(const struct conf *c, int argc, char **argv)
{
	struct sim_opts o;
	const char *model = NULL, *tftp = NULL;
	char err[1024], path[4096];
	int realistic = 0, timeout_given = 0;
	sim_defaults(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;
		if (strcmp(a, "--hard-reset") == 0) {
			o.hard_reset = 1, takes = 0;
		} else if (strcmp(a, "--json") == 0) {
			o.json = 1, takes = 0;
		} else if (strcmp(a, "-v") == 0) {
			o.verbose = 1, takes = 0;
		} else if (strcmp(a, "--realistic") == 0) {
			/* what phones do: about 1.5 s per MB written, a minute between rejected tries */
			o.flash_ms_per_mb = 1500, o.retry_ms = 60000, o.reboot_ms = 20000, takes = 0;
			realistic = 1;
		} else if (!v) {
			return sim_usage("a value is missing after", a);
		} else if (strcmp(a, "--tftp") == 0) {
			tftp = v;
		} else if (strcmp(a, "--dhcp") == 0) {
			o.dhcp_iface = v;
		} else if (strcmp(a, "--phones") == 0) {
			o.phones = atoi(v);
			if (o.phones < 1 || o.phones > 100000)
				return sim_usage("--phones expects 1..100000, not", v);
		} else if (strcmp(a, "--model") == 0) {
			model = v;
		} else if (strcmp(a, "--load") == 0) {
			o.load = v;
		} else if (strcmp(a, "--target") == 0) {
			o.target = v;
		} else if (strcmp(a, "--mac-base") == 0) {
			if (parse_mac(v, o.mac_base) < 0)
				return sim_usage("--mac-base expects 00:11:22:00:00:00, not", v);
		} else if (strcmp(a, "--bind-base") == 0) {
			if (inet_pton(AF_INET, v, &o.bind_base) != 1)
				return sim_usage("--bind-base expects an IPv4 address, not", v);
		} else if (strcmp(a, "--timeout") == 0) {
			timeout_given = 1;
			o.timeout_s = atof(v);
			if (!(o.timeout_s > 0 && o.timeout_s <= 86400))
				return sim_usage("--timeout expects seconds, 0 < S <= 86400, not", v);
		} else if (strcmp(a, "--max-reboots") == 0) {
			o.max_reboots = atoi(v);
			if (o.max_reboots < 1 || o.max_reboots > 1000)
				return sim_usage("--max-reboots expects 1..1000, not", v);
		} else {
			return sim_usage("unknown option", a);
		}
		i += takes;
	}
	if (realistic && !timeout_given)
		o.timeout_s = 1800; /* real phones take minutes; the admin's loop, 5 tries a minute apart */
	if ((!tftp && !o.dhcp_iface) || !model || !o.load)
		return sim_usage("--tftp or --dhcp, --model and --load are required", NULL);
	if (!tftp)
		tftp = "0.0.0.0"; /* each phone's comes from its DHCP ACK */
	uint32_t first = ntohl(o.bind_base.s_addr), last = first + (uint32_t)o.phones - 1;
	if (last < first || (first >> 24) != (last >> 24) || (last & 0xffffff) == 0xffffff || (first & 0xffffff) == 0)
		return sim_usage("--bind-base: the phones' addresses must stay inside one /8 without its network or"
				 " broadcast address (e.g. 127.1.0.1)", NULL);
	struct conf_addr ca;
	if (conf_parse_addr(tftp, 69, &ca) < 0 || ca.ss.ss_family != AF_INET)
		return sim_usage("--tftp expects an IPv4 ADDR[:PORT], not", tftp);
	memcpy(&o.server, &ca.ss, sizeof(o.server));
	struct models ms;
	admin_models_path(c->path, path, sizeof(path));
	if (models_load(&ms, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "phoneboot sim: %s\n", err);
		return 2;
	}
	o.model = models_find(&ms, model);
	if (!o.model) {
		models_free(&ms);
		return sim_usage("no such model (see phoneboot models)", model);
	}
	enum model_proto proto;
	struct model_version v;
	if (strcmp(o.target, "sip") != 0 && !models_parse_load_id(&ms, o.target, &proto, &v)) {
		models_free(&ms);
		return sim_usage("--target expects sip or a load ID such as SCCP11.8-5-2S, not", o.target);
	}
	snprintf(strrchr(path, '/') + 1, sizeof(path) - (size_t)(strrchr(path, '/') + 1 - path), "known-firmware.conf");
	struct fw_known *known = fw_known_open(path, err, sizeof(err));
	if (!known) {
		fprintf(stderr, "phoneboot sim: %s\n", err);
		models_free(&ms);
		return 2;
	}
	int rc = sim_run(&ms, known, &o, stdout);
	fw_known_close(known);
	models_free(&ms);
	return rc;
}

/* --- dhcp leases --- */

struct leases_ctx {
	json_t *arr;
	int n;
	int64_t now;
};

static int lease_out(void *ctx, const struct store_lease *l)
{
	struct leases_ctx *c = ctx;
	char exp[40];
	time_t t = (time_t)(l->expires_us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* an active or offered lease whose time is over has expired */
	const char *state = l->state;
	if ((strcmp(state, "active") == 0 || strcmp(state, "offered") == 0) && l->expires_us < c->now)
		state = "expired";
	if (strcmp(state, "free") == 0)
		return 0;
	c->n++;
	if (c->arr)
		json_array_append_new(c->arr, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?}", "mac", l->mac, "ip", l->ip,
							"state", state, "expires", exp, "hostname", l->hostname,
							"vendor_class", l->vendor_class));
	else
		printf("%-17s %-15s %-8s %s  %-20s %s\n", l->mac, l->ip, state, exp, l->hostname ? l->hostname : "-",
		       l->vendor_class ? l->vendor_class : "-");
	return 0;
}

static int cmd_dhcp(const struct conf *c, int argc, char **argv)
{
	int as_json = 0;
	if (argc < 2 || strcmp(argv[1], "leases") != 0) {
		fprintf(stderr, "phoneboot dhcp: expected leases [--json]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0) {
			fprintf(stderr, "phoneboot dhcp leases: unknown argument '%s' (expected --json)\n", argv[i]);
			return 2;
		}
		as_json = 1;
	}
	char err[512];
	struct store *s = store_open_readonly(c->state_dir, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "phoneboot dhcp leases: %s\n", err);
		return 1;
	}
	struct leases_ctx lc = {.arr = as_json ? json_array() : NULL, .now = wall_us()};
	if (!as_json)
		printf("%-17s %-15s %-8s %-20s  %-20s %s\n", "MAC", "IP", "STATE", "EXPIRES", "HOSTNAME", "VENDOR CLASS");
	int r = store_leases(s, lease_out, &lc);
	if (r < 0)
		fprintf(stderr, "phoneboot dhcp leases: %s\n", store_errmsg(s));
	if (as_json) {
		char *text = json_dumps(lc.arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(text ? text : "[]");
		free(text);
		json_decref(lc.arr);
	}
	store_close(s);
	return r < 0 ? 1 : 0;
}

/* --- probe --- */

static int cmd_probe(int argc, char **argv)
{
	const char *iface = NULL;
	int request = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--iface") == 0 && i + 1 < argc)
			iface = argv[++i];
		else if (strcmp(argv[i], "--request") == 0)
			request = 1;
		else {
			fprintf(stderr, "phoneboot probe: unexpected '%s' (expected --iface IF [--request])\n", argv[i]);
			return 2;
		}
	}
	if (!iface) {
		fprintf(stderr, "phoneboot probe: --iface IF is required\n");
		return 2;
	}
	char err[512];
	int rc = probe_run(iface, request, stdout, err, sizeof(err));
	if (rc == 2)
		fprintf(stderr, "phoneboot probe: %s\n", err);
	return rc;
}

/* --- dhcp-option --- */

static void hex_upper(const uint8_t *v, size_t n, char *out, const char *sep)
{
	out[0] = 0;
	for (size_t i = 0; i < n; i++)
		sprintf(out + strlen(out), "%s%02X", i ? sep : "", v[i]);
}

/* The lines for each server an admin may run instead (cisco-facts.md 8.3). */
/* For 150, the addresses come from the encoded bytes, so however they were
 * typed ("a,b", "a, b", "a b"), every server gets its own list syntax. */
static void option_recipes(int code, const char *value, const uint8_t *enc, int enclen, const char *hex,
			   const char *only)
{
	int is150 = code == DHO_CISCO_TFTP;
	char ips[1024] = "", spaced[1024] = "", mt[1024] = "";
	for (int i = 0; is150 && i + 4 <= enclen; i += 4) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, enc + i, a, sizeof(a));
		snprintf(ips + strlen(ips), sizeof(ips) - strlen(ips), "%s%s", i ? "," : "", a);
		snprintf(spaced + strlen(spaced), sizeof(spaced) - strlen(spaced), "%s%s", i ? " " : "", a);
		snprintf(mt + strlen(mt), sizeof(mt) - strlen(mt), "'%s'", a); /* MikroTik: quoted, run together */
	}
	struct in_addr a;
	int name_is_ip = !is150 && inet_pton(AF_INET, value, &a) == 1;
	const char *want[] = {"isc", "kea", "dnsmasq", "pfsense", "mikrotik", "ios", "windows"};
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		if (only && strcmp(only, want[w]) != 0)
			continue;
		switch (w) {
		case 0:
			printf("ISC dhcpd (dhcpd.conf):\n");
			if (is150)
				printf("  option cisco-tftp-servers code 150 = array of ip-address;\n"
				       "  option cisco-tftp-servers %s;\n", ips);
			else
				printf("  option tftp-server-name \"%s\";\n", value);
			break;
		case 1:
			printf("Kea (kea-dhcp4.conf, inside \"Dhcp4\"):\n");
			if (is150)
				printf("  \"option-def\": [ { \"name\": \"cisco-tftp-servers\", \"code\": 150, \"space\": \"dhcp4\","
				       " \"type\": \"ipv4-address\", \"array\": true } ],\n"
				       "  \"option-data\": [ { \"name\": \"cisco-tftp-servers\", \"data\": \"%s\" } ]\n", ips);
			else
				printf("  \"option-data\": [ { \"name\": \"tftp-server-name\", \"data\": \"%s\" } ]\n", value);
			break;
		case 2:
			printf("dnsmasq (-force: sent even when the phone does not ask for it):\n");
			if (is150)
				printf("  dhcp-option-force=150,%s\n", ips);
			else
				printf("  dhcp-option-force=66,\"%s\"\n", value);
			break;
		case 3:
			printf("pfSense / OPNsense (DHCP server, Additional BOOTP/DHCP Options):\n");
			if (is150)
				printf("  number 150, type: the IP address type (never Text or String), value %s\n"
				       "  (the exact type names are not known here; if only text exists, choose\n"
				       "  a hex or \"unsigned\" type and enter %s)\n", ips, hex);
			else
				printf("  the TFTP Server field, or number 66, type Text, value %s\n", value);
			break;
		case 4:
			printf("MikroTik RouterOS:\n");
			if (is150)
				printf("  /ip dhcp-server option add name=cisco-tftp code=150 value=\"%s\"\n"
				       "  (or value=0x%s)\n", mt, hex);
			else
				printf("  /ip dhcp-server option add name=tftp-name code=66 value=\"%s'%s'\"\n", name_is_ip ? "s" : "",
				       value);
			printf("  /ip dhcp-server network set [find] dhcp-option=%s\n", is150 ? "cisco-tftp" : "tftp-name");
			break;
		case 5:
			printf("Cisco IOS:\n  ip dhcp pool VOICE\n");
			if (is150) {
				printf("   option 150 ip %s\n", spaced);
			} else {
				printf("   option 66 ascii %s\n", value);
			}
			break;
		case 6:
			printf("Windows Server (PowerShell; SCOPE is the scope's network address):\n");
			if (is150)
				printf("  Add-DhcpServerv4OptionDefinition -OptionId 150 -Name \"Cisco TFTP\" -Type IPv4Address"
				       " -MultiValued\n  Set-DhcpServerv4OptionValue -ScopeId SCOPE -OptionId 150 -Value %s\n"
				       "Windows (netsh):\n  netsh dhcp server add optiondef 150 \"Cisco TFTP\" IPADDRESS 1\n"
				       "  netsh dhcp server scope SCOPE set optionvalue 150 IPADDRESS %s\n",
				       ips, spaced);
			else
				printf("  Set-DhcpServerv4OptionValue -ScopeId SCOPE -OptionId 66 -Value \"%s\"\n", value);
			break;
		}
	}
}

static int cmd_dhcp_option(int argc, char **argv)
{
	const char *only = NULL;
	const char *fors[] = {"isc", "kea", "dnsmasq", "pfsense", "mikrotik", "ios", "windows"};
	int nargs = 0;
	const char *arg[2] = {NULL, NULL};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--for") == 0 && i + 1 < argc) {
			only = argv[++i];
			int ok = 0;
			for (size_t k = 0; k < sizeof(fors) / sizeof(fors[0]); k++)
				ok |= strcmp(only, fors[k]) == 0;
			if (!ok) {
				fprintf(stderr, "phoneboot dhcp-option: --for %s: expected isc, kea, dnsmasq, pfsense,"
						" mikrotik, ios or windows\n", only);
				return 2;
			}
		} else if (nargs < 2) {
			arg[nargs++] = argv[i];
		} else {
			fprintf(stderr, "phoneboot dhcp-option: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (nargs != 2 || (strcmp(arg[0], "150") != 0 && strcmp(arg[0], "66") != 0)) {
		fprintf(stderr, "phoneboot dhcp-option: expected 150 IP[,IP...] or 66 NAME\n");
		return 2;
	}
	int code = atoi(arg[0]);
	uint8_t v[255], wire[257];
	const char *why;
	int n = dhcp_opt_encode((uint8_t)code, arg[1], v, sizeof(v), &why);
	if (n < 0) {
		fprintf(stderr, "phoneboot dhcp-option: %s %s: %s\n", arg[0], arg[1], why);
		return 2;
	}
	char hex[600], whex[800];
	wire[0] = (uint8_t)code;
	wire[1] = (uint8_t)n;
	memcpy(wire + 2, v, (size_t)n);
	hex_upper(v, (size_t)n, hex, "");
	hex_upper(wire, (size_t)n + 2, whex, " ");
	if (code == DHO_CISCO_TFTP)
		printf("option 150 (Cisco TFTP servers): a list of IPv4 addresses, 4 bytes each, no text\n");
	else
		printf("option 66 (tftp-server-name): text, a host name or a dotted address\n");
	printf("value (hex):  %s\non the wire:  %s\n\n", hex, whex);
	option_recipes(code, arg[1], v, n, hex, only);
	if (code == DHO_CISCO_TFTP) {
		char txt[600];
		hex_upper((const uint8_t *)arg[1], strlen(arg[1]) > 4 ? 4 : strlen(arg[1]), txt, " ");
		printf("\nThe usual mistake: the address typed into a text field goes out as %zu ASCII bytes (%s ...),\n"
		       "which phones read as the address %u.%u.%u.%u and go nowhere. Choose the IP-address type,\n"
		       "or enter the hex value %s. Option 66, a text, takes the address as typed.\n",
		       strlen(arg[1]), txt, (unsigned char)arg[1][0], (unsigned char)(arg[1][1] ? arg[1][1] : 0),
		       (unsigned char)(arg[1][1] && arg[1][2] ? arg[1][2] : 0),
		       (unsigned char)(arg[1][1] && arg[1][2] && arg[1][3] ? arg[1][3] : 0), hex);
	} else {
		printf("\nOption 66 is text, so typing the address is right here. Phones are reported to take 150\n"
		       "before 66: send both with the same address (phoneboot dhcp-option 150 ...).\n");
	}
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
	if (strcmp(cmd, "dhcp-option") == 0) /* needs no configuration */
		return cmd_dhcp_option(argc - optind, argv + optind);
	if (strcmp(cmd, "probe") == 0)
		return cmd_probe(argc - optind, argv + optind);
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
	} else if (strcmp(cmd, "models") == 0) {
		rc = cmd_models(&c, argc - optind, argv + optind);
	} else if (strcmp(cmd, "firmware") == 0) {
		rc = cmd_firmware(&c, argc - optind, argv + optind);
	} else if (strcmp(cmd, "dhcp") == 0) {
		rc = cmd_dhcp(&c, argc - optind, argv + optind);
	} else if (strcmp(cmd, "phone") == 0) {
		rc = cli_phone(&c, argc - optind, argv + optind);
	} else if (strcmp(cmd, "pbx") == 0) {
		rc = cli_pbx(&c, argc - optind, argv + optind);
	} else if (strcmp(cmd, "sim") == 0) {
		rc = cmd_sim(&c, argc - optind, argv + optind);
	} else {
		fprintf(stderr, "phoneboot: unknown command '%s'\n", cmd);
		usage(stderr);
		rc = 2;
	}
	conf_free(&c);
	return rc;
}
