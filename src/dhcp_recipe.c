/* dhcp_recipe: the seven servers' recipes as data (see dhcp_recipe.h). */
#include "dhcp_recipe.h"

#include <arpa/inet.h>
#include <string.h>

#include "dhcp_wire.h"

static const struct dhcp_recipe recipes[] = {
	{"isc", "ISC dhcpd (dhcpd.conf):\n",
	 "  option cisco-tftp-servers code 150 = array of ip-address;\n"
	 "  option cisco-tftp-servers @ips@;\n",
	 "  option tftp-server-name \"@value@\";\n"},
	{"kea", "Kea (kea-dhcp4.conf, inside \"Dhcp4\"):\n",
	 "  \"option-def\": [ { \"name\": \"cisco-tftp-servers\", \"code\": 150, \"space\": \"dhcp4\","
	 " \"type\": \"ipv4-address\", \"array\": true } ],\n"
	 "  \"option-data\": [ { \"name\": \"cisco-tftp-servers\", \"data\": \"@ips@\" } ]\n",
	 "  \"option-data\": [ { \"name\": \"tftp-server-name\", \"data\": \"@value@\" } ]\n"},
	{"dnsmasq", "dnsmasq (-force: sent even when the phone does not ask for it):\n",
	 "  dhcp-option-force=150,@ips@\n",
	 "  dhcp-option-force=66,\"@value@\"\n"},
	{"pfsense", "pfSense / OPNsense (DHCP server, Additional BOOTP/DHCP Options):\n",
	 "  number 150, type: the IP address type (never Text or String), value @ips@\n"
	 "  (the exact type names are not known here; if only text exists, choose\n"
	 "  a hex or \"unsigned\" type and enter @hex@)\n",
	 "  the TFTP Server field, or number 66, type Text, value @value@\n"},
	/* RouterOS: addresses quoted and run together; s'...' keeps an address a string */
	{"mikrotik", "MikroTik RouterOS:\n",
	 "  /ip dhcp-server option add name=cisco-tftp code=150 value=\"@mt@\"\n"
	 "  (or value=0x@hex@)\n"
	 "  /ip dhcp-server network set [find] dhcp-option=cisco-tftp\n",
	 "  /ip dhcp-server option add name=tftp-name code=66 value=\"@s@'@value@'\"\n"
	 "  /ip dhcp-server network set [find] dhcp-option=tftp-name\n"},
	{"ios", "Cisco IOS:\n  ip dhcp pool VOICE\n",
	 "   option 150 ip @spaced@\n",
	 "   option 66 ascii @value@\n"},
	{"windows", "Windows Server (PowerShell; SCOPE is the scope's network address):\n",
	 "  Add-DhcpServerv4OptionDefinition -OptionId 150 -Name \"Cisco TFTP\" -Type IPv4Address -MultiValued\n"
	 "  Set-DhcpServerv4OptionValue -ScopeId SCOPE -OptionId 150 -Value @ips@\n"
	 "Windows (netsh):\n  netsh dhcp server add optiondef 150 \"Cisco TFTP\" IPADDRESS 1\n"
	 "  netsh dhcp server scope SCOPE set optionvalue 150 IPADDRESS @spaced@\n",
	 "  Set-DhcpServerv4OptionValue -ScopeId SCOPE -OptionId 66 -Value \"@value@\"\n"},
};

#define NRECIPES (sizeof(recipes) / sizeof(recipes[0]))

struct vars {
	char ips[1024], spaced[1024], mt[1024];
	const char *hex, *value, *s;
};

const struct dhcp_recipe *dhcp_recipe_find(const char *name)
{
	for (size_t i = 0; i < NRECIPES; i++)
		if (strcmp(recipes[i].name, name) == 0)
			return &recipes[i];
	return NULL;
}

static void append(char *buf, size_t len, const char *sep, const char *s)
{
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s", sep, s);
}

/* Option 150's addresses in each server's list syntax. */
static void address_lists(struct vars *v, const uint8_t *enc, int enclen)
{
	for (int i = 0; i + 4 <= enclen; i += 4) {
		char a[INET_ADDRSTRLEN], q[INET_ADDRSTRLEN + 2];
		inet_ntop(AF_INET, enc + i, a, sizeof(a));
		snprintf(q, sizeof(q), "'%s'", a);
		append(v->ips, sizeof(v->ips), i ? "," : "", a);
		append(v->spaced, sizeof(v->spaced), i ? " " : "", a);
		append(v->mt, sizeof(v->mt), "", q);
	}
}

static const char *var(const struct vars *v, const char *name, size_t len)
{
	static const char *const names[] = {"ips", "spaced", "mt", "hex", "value", "s"};
	const char *vals[] = {v->ips, v->spaced, v->mt, v->hex, v->value, v->s};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return vals[i];
	return NULL;
}

/* The template with each @name@ replaced; other text as it is. */
static void expand(FILE *out, const char *t, const struct vars *v)
{
	while (*t) {
		const char *at = strchr(t, '@'), *end = at ? strchr(at + 1, '@') : NULL;
		const char *val = end ? var(v, at + 1, (size_t)(end - at - 1)) : NULL;
		if (!val) {
			size_t n = at ? (size_t)(at - t) + 1 : strlen(t);
			fwrite(t, 1, n, out);
			t += n;
			continue;
		}
		fwrite(t, 1, (size_t)(at - t), out);
		fputs(val, out);
		t = end + 1;
	}
}

void dhcp_recipe_print(FILE *out, int code, const char *value, const uint8_t *enc, int enclen, const char *hex,
		       const char *only)
{
	int is150 = code == DHO_CISCO_TFTP;
	struct vars v = {.hex = hex, .value = value, .s = ""};
	struct in_addr a;
	if (is150)
		address_lists(&v, enc, enclen);
	else if (inet_pton(AF_INET, value, &a) == 1)
		v.s = "s";
	for (size_t i = 0; i < NRECIPES; i++) {
		if (only && strcmp(only, recipes[i].name) != 0)
			continue;
		fputs(recipes[i].title, out);
		expand(out, is150 ? recipes[i].opt150 : recipes[i].opt66, &v);
	}
}
