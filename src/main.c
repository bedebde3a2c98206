/* phoneboot: the CLI's entry: options, the configuration, and a table of
 * commands. Each command family lives in its own file (cli_*.c, daemon.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_dhcp.h"
#include "cli_firmware.h"
#include "cli_log.h"
#include "cli_models.h"
#include "cli_phone.h"
#include "cli_probe.h"
#include "cli_sim.h"
#include "conf.h"
#include "daemon.h"

#ifndef PHONEBOOT_VERSION
#define PHONEBOOT_VERSION "0.1"
#endif

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

static int cmd_version(const struct conf *c, int argc, char **argv)
{
	(void)c, (void)argc, (void)argv;
	printf("phoneboot %s\n", PHONEBOOT_VERSION);
	return 0;
}

static int cmd_help(const struct conf *c, int argc, char **argv)
{
	(void)c, (void)argc, (void)argv;
	usage(stdout);
	return 0;
}

/* A new command family is one row here (and its lines in usage()). Commands
 * that need no configuration run even when the configuration is broken. */
static const struct command {
	const char *name;
	int needs_conf;
	int (*run)(const struct conf *c, int argc, char **argv); /* c is NULL unless needs_conf */
	const char *summary;
} commands[] = {
	{"serve", 1, daemon_main, "run the daemon in the foreground"},
	{"log", 1, cli_log, "the timeline of transfers from the state file"},
	{"models", 1, cli_models, "the phone models phoneboot knows, and their limits"},
	{"firmware", 1, cli_firmware, "the firmware library: import, list, show, verify, remove"},
	{"dhcp", 1, cli_dhcp, "the DHCP server's leases, from the state file"},
	{"dhcp-option", 0, cli_dhcp_option, "options 150 and 66 encoded, and the lines for your DHCP server"},
	{"probe", 0, cli_probe, "what the network's DHCP server hands a phone, judged"},
	{"phone", 1, cli_phone, "the phone inventory: add, set, remove, list, show, import"},
	{"sim", 1, cli_sim, "simulated phones against a TFTP server"},
	{"version", 0, cmd_version, "print the version"},
	{"help", 0, cmd_help, "this text"},
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* The command with the configuration loaded; an unknown command is named
 * only once the configuration has been read, as before. */
static int run_with_conf(const struct command *cmd, const char *cpath, int argc, char **argv)
{
	if (!cpath && access(CONF_DEFAULT_PATH, F_OK) == 0)
		cpath = CONF_DEFAULT_PATH;
	struct conf c;
	char err[1024];
	if (conf_load(&c, cpath, err, sizeof(err)) < 0) {
		fprintf(stderr, "phoneboot: %s\n", err);
		conf_free(&c);
		return 2;
	}
	int rc = 2;
	if (cmd) {
		rc = cmd->run(&c, argc, argv);
	} else {
		fprintf(stderr, "phoneboot: unknown command '%s'\n", argv[0]);
		usage(stderr);
	}
	conf_free(&c);
	return rc;
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
		case 'V': return cmd_version(NULL, 0, NULL);
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const struct command *cmd = find_command(argv[optind]);
	if (cmd && !cmd->needs_conf)
		return cmd->run(NULL, argc - optind, argv + optind);
	return run_with_conf(cmd, cpath, argc - optind, argv + optind);
}
