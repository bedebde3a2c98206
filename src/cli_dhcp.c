/* cli_dhcp: the DHCP server's leases from the state file, and dhcp-option:
 * options 150 and 66 encoded, with the lines for the admin's own server. */
#include "cli_dhcp.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "dhcp_recipe.h"
#include "dhcp_wire.h"
#include "store.h"

static int64_t wall_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
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

int cli_dhcp(const struct conf *c, int argc, char **argv)
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

/* --- dhcp-option --- */

static void hex_upper(const uint8_t *v, size_t n, char *out, const char *sep)
{
	out[0] = 0;
	for (size_t i = 0; i < n; i++)
		sprintf(out + strlen(out), "%s%02X", i ? sep : "", v[i]);
}

/* What goes wrong with each option in practice, after the recipes. */
static void mistake_note(int code, const char *typed, const char *hex)
{
	if (code == DHO_CISCO_TFTP) {
		char txt[600];
		hex_upper((const uint8_t *)typed, strlen(typed) > 4 ? 4 : strlen(typed), txt, " ");
		printf("\nThe usual mistake: the address typed into a text field goes out as %zu ASCII bytes (%s ...),\n"
		       "which phones read as the address %u.%u.%u.%u and go nowhere. Choose the IP-address type,\n"
		       "or enter the hex value %s. Option 66, a text, takes the address as typed.\n",
		       strlen(typed), txt, (unsigned char)typed[0], (unsigned char)(typed[1] ? typed[1] : 0),
		       (unsigned char)(typed[1] && typed[2] ? typed[2] : 0),
		       (unsigned char)(typed[1] && typed[2] && typed[3] ? typed[3] : 0), hex);
	} else {
		printf("\nOption 66 is text, so typing the address is right here. Phones are reported to take 150\n"
		       "before 66: send both with the same address (phoneboot dhcp-option 150 ...).\n");
	}
}

int cli_dhcp_option(const struct conf *c, int argc, char **argv)
{
	(void)c;
	const char *only = NULL;
	int nargs = 0;
	const char *arg[2] = {NULL, NULL};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--for") == 0 && i + 1 < argc) {
			only = argv[++i];
			if (!dhcp_recipe_find(only)) {
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
	dhcp_recipe_print(stdout, code, arg[1], v, n, hex, only);
	mistake_note(code, arg[1], hex);
	return 0;
}
