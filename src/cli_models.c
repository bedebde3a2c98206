/* cli_models: the model table (built in, and the admin's models.conf beside
 * the configuration) as a table or as JSON. */
#include "cli_models.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "paths.h"

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
			 " s:{s:i, s:i, s:b, s:i}, s:o, s:s}",
			 "id", m->id, "names", names, "vci", vci, "family", m->family,
			 "default_loads", str_or_null(m->default_loads), "load_prefixes",
			 "sccp", str_or_null(m->sccp_prefix), "sip", str_or_null(m->sip_prefix),
			 "config_family", m->config_family, "locale_jar", str_or_null(m->locale_jar),
			 "desktop", str_or_null(m->desktop),
			 "device_type", m->device_type >= 0 ? json_integer(m->device_type) : json_null(),
			 "limits", "sip_password_max", (int)m->sip_password_max, "label_max",
			 (int)m->label_max, "label_spaces", m->label_spaces, "name_max", (int)m->name_max,
			 "bridge", bridge, "source", m->source);
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
	printf("%-7s %-32s %-6s %-21s %-12s %-14s %3u %3u %3u %-3s %s%s%s\n", m->id, names, m->family,
	       m->default_loads ? m->default_loads : "-", pre, m->config_family, m->sip_password_max,
	       m->label_max, m->name_max, m->label_spaces ? "yes" : "no", bridge, strcmp(m->source, "built-in") ? "  from " : "",
	       strcmp(m->source, "built-in") ? m->source : "");
}

int cli_models(const struct conf *c, int argc, char **argv)
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
	paths_beside_conf(c->path, "models.conf", path, sizeof(path));
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
		printf("%-7s %-32s %-6s %-21s %-12s %-14s %3s %3s %3s %-3s %s\n", "MODEL", "NAMES", "FAMILY",
		       "DEFAULT LOADS", "SCCP/SIP", "CONFIG", "PW", "LBL", "NAM", "SP", "UPGRADE BRIDGE");
		for (int i = 0; i < ms.n; i++)
			model_line(&ms.m[i]);
		printf("%d models (built in%s%s)\n", ms.n, ms.admin_path ? ", and " : "; none in ",
		       ms.admin_path ? ms.admin_path : path);
	}
	models_free(&ms);
	return 0;
}
