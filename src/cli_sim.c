/* cli_sim: `phoneboot sim`'s options, checked one by one from a table, then
 * the model table and the known-firmware list for sim_run. */
#include "cli_sim.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware.h"
#include "mac.h"
#include "models.h"
#include "paths.h"
#include "sim.h"

struct sim_cli {
	struct sim_opts o;
	const char *model, *tftp;
	int realistic, timeout_given;
};

static int sim_usage(const char *what, const char *val)
{
	fprintf(stderr, "phoneboot sim: %s%s%s (see phoneboot --help)\n", what, val ? ": " : "", val ? val : "");
	return 2;
}

/* --- one setter an option: 0, or sim_usage's 2 --- */

static int set_hard_reset(struct sim_cli *s, const char *v)
{
	(void)v;
	s->o.hard_reset = 1;
	return 0;
}

static int set_json(struct sim_cli *s, const char *v)
{
	(void)v;
	s->o.json = 1;
	return 0;
}

static int set_verbose(struct sim_cli *s, const char *v)
{
	(void)v;
	s->o.verbose = 1;
	return 0;
}

/* what phones do: about 1.5 s per MB written, a minute between rejected tries */
static int set_realistic(struct sim_cli *s, const char *v)
{
	(void)v;
	s->o.flash_ms_per_mb = 1500, s->o.retry_ms = 60000, s->o.reboot_ms = 20000;
	s->realistic = 1;
	return 0;
}

static int set_tftp(struct sim_cli *s, const char *v)
{
	s->tftp = v;
	return 0;
}

static int set_dhcp(struct sim_cli *s, const char *v)
{
	s->o.dhcp_iface = v;
	return 0;
}

static int set_phones(struct sim_cli *s, const char *v)
{
	s->o.phones = atoi(v);
	return s->o.phones < 1 || s->o.phones > 100000 ? sim_usage("--phones expects 1..100000, not", v) : 0;
}

static int set_model(struct sim_cli *s, const char *v)
{
	s->model = v;
	return 0;
}

static int set_load(struct sim_cli *s, const char *v)
{
	s->o.load = v;
	return 0;
}

static int set_target(struct sim_cli *s, const char *v)
{
	s->o.target = v;
	return 0;
}

static int set_mac_base(struct sim_cli *s, const char *v)
{
	const char *why = NULL;
	if (mac_parse(v, s->o.mac_base, &why) == 0)
		return 0;
	char what[160];
	snprintf(what, sizeof(what), "--mac-base is not a phone's MAC (%s)", why);
	return sim_usage(what, v);
}

static int set_bind_base(struct sim_cli *s, const char *v)
{
	return inet_pton(AF_INET, v, &s->o.bind_base) != 1 ? sim_usage("--bind-base expects an IPv4 address, not", v)
							    : 0;
}

static int set_timeout(struct sim_cli *s, const char *v)
{
	s->timeout_given = 1;
	s->o.timeout_s = atof(v);
	return !(s->o.timeout_s > 0 && s->o.timeout_s <= 86400)
		       ? sim_usage("--timeout expects seconds, 0 < S <= 86400, not", v)
		       : 0;
}

static int set_max_reboots(struct sim_cli *s, const char *v)
{
	s->o.max_reboots = atoi(v);
	return s->o.max_reboots < 1 || s->o.max_reboots > 1000 ? sim_usage("--max-reboots expects 1..1000, not", v)
								: 0;
}

static const struct sim_option {
	const char *name;
	int takes_value;
	int (*set)(struct sim_cli *s, const char *v);
} sim_options[] = {
	{"--hard-reset", 0, set_hard_reset},
	{"--json", 0, set_json},
	{"-v", 0, set_verbose},
	{"--realistic", 0, set_realistic},
	{"--tftp", 1, set_tftp},
	{"--dhcp", 1, set_dhcp},
	{"--phones", 1, set_phones},
	{"--model", 1, set_model},
	{"--load", 1, set_load},
	{"--target", 1, set_target},
	{"--mac-base", 1, set_mac_base},
	{"--bind-base", 1, set_bind_base},
	{"--timeout", 1, set_timeout},
	{"--max-reboots", 1, set_max_reboots},
};

static const struct sim_option *sim_option(const char *name)
{
	for (size_t i = 0; i < sizeof(sim_options) / sizeof(sim_options[0]); i++)
		if (strcmp(sim_options[i].name, name) == 0)
			return &sim_options[i];
	return NULL;
}

static int parse_args(struct sim_cli *s, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const struct sim_option *so = sim_option(a);
		int rc;
		if (so && !so->takes_value) {
			rc = so->set(s, NULL);
		} else if (!v) {
			return sim_usage("a value is missing after", a);
		} else if (so) {
			rc = so->set(s, v);
			i++;
		} else {
			return sim_usage("unknown option", a);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* What no single option can say: the required ones, the phones' addresses, the server. */
static int check_args(struct sim_cli *s)
{
	if (s->realistic && !s->timeout_given)
		s->o.timeout_s = 1800; /* real phones take minutes; the admin's loop, 5 tries a minute apart */
	if ((!s->tftp && !s->o.dhcp_iface) || !s->model || !s->o.load)
		return sim_usage("--tftp or --dhcp, --model and --load are required", NULL);
	if (!s->tftp)
		s->tftp = "0.0.0.0"; /* each phone's comes from its DHCP ACK */
	uint32_t first = ntohl(s->o.bind_base.s_addr), last = first + (uint32_t)s->o.phones - 1;
	if (last < first || (first >> 24) != (last >> 24) || (last & 0xffffff) == 0xffffff || (first & 0xffffff) == 0)
		return sim_usage("--bind-base: the phones' addresses must stay inside one /8 without its network or"
				 " broadcast address (e.g. 127.1.0.1)", NULL);
	struct conf_addr ca;
	if (conf_parse_addr(s->tftp, 69, &ca) < 0 || ca.ss.ss_family != AF_INET)
		return sim_usage("--tftp expects an IPv4 ADDR[:PORT], not", s->tftp);
	memcpy(&s->o.server, &ca.ss, sizeof(s->o.server));
	return 0;
}

/* The model and the target against the model table; then the run. */
static int run_with_models(const struct conf *c, struct sim_cli *s, struct models *ms)
{
	char err[1024], path[4096];
	s->o.model = models_find(ms, s->model);
	if (!s->o.model)
		return sim_usage("no such model (see phoneboot models)", s->model);
	enum model_proto proto;
	struct model_version v;
	if (strcmp(s->o.target, "sip") != 0 && !models_parse_load_id(ms, s->o.target, &proto, &v))
		return sim_usage("--target expects sip or a load ID such as SCCP11.8-5-2S, not", s->o.target);
	paths_beside_conf(c->path, "known-firmware.conf", path, sizeof(path));
	struct fw_known *known = fw_known_open(path, err, sizeof(err));
	if (!known) {
		fprintf(stderr, "phoneboot sim: %s\n", err);
		return 2;
	}
	int rc = sim_run(ms, known, &s->o, stdout);
	fw_known_close(known);
	return rc;
}

int cli_sim(const struct conf *c, int argc, char **argv)
{
	struct sim_cli s = {0};
	char err[1024], path[4096];
	sim_defaults(&s.o);
	int rc = parse_args(&s, argc, argv);
	if (rc || (rc = check_args(&s)))
		return rc;
	struct models ms;
	paths_beside_conf(c->path, "models.conf", path, sizeof(path));
	if (models_load(&ms, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "phoneboot sim: %s\n", err);
		return 2;
	}
	rc = run_with_models(c, &s, &ms);
	models_free(&ms);
	return rc;
}
