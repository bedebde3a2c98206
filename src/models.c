/* models: the model table, from the built-in data/models.conf and the
 * admin's models.conf, read through conf's INI reader. */
#include "models.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"

extern const char models_builtin[]; /* data/models.conf, built in (models_data.c) */

#define BUILTIN_NAME "data/models.conf (built in)"

struct load_ctx {
	struct models *ms;
	const char *source;
};

static void model_free(struct model *m)
{
	free(m->id);
	for (int i = 0; i < m->nnames; i++)
		free(m->names[i]);
	for (int i = 0; i < m->nvci; i++)
		free(m->vci[i]);
	free(m->family);
	free(m->default_loads);
	free(m->sccp_prefix);
	free(m->sip_prefix);
	free(m->config_family);
	free(m->locale_jar);
	free(m->desktop);
}

void models_free(struct models *ms)
{
	for (int i = 0; i < ms->n; i++)
		model_free(&ms->m[i]);
	free(ms->m);
	free(ms->admin_path);
	memset(ms, 0, sizeof(*ms));
}

static struct model *model_get(struct models *ms, const char *id)
{
	for (int i = 0; i < ms->n; i++)
		if (strcmp(ms->m[i].id, id) == 0)
			return &ms->m[i];
	struct model *m = realloc(ms->m, (size_t)(ms->n + 1) * sizeof(*m));
	if (!m)
		return NULL;
	ms->m = m;
	m = &ms->m[ms->n];
	memset(m, 0, sizeof(*m));
	m->device_type = -1;
	m->label_spaces = 1;
	if (!(m->id = strdup(id)))
		return NULL;
	ms->n++;
	return m;
}

/* --- versions --- */

static int number(const char **p, unsigned *out)
{
	char *end;
	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	unsigned long v = strtoul(*p, &end, 10);
	if (errno || v > 99999)
		return -1;
	*out = (unsigned)v;
	*p = end;
	return 0;
}

/* "SR<n>[-<m>]" */
static int sr_part(const char **p, struct model_version *v)
{
	if (strncmp(*p, "SR", 2) != 0)
		return 0;
	*p += 2;
	if (number(p, &v->sr) < 0)
		return -1;
	if (**p == '-') {
		(*p)++;
		if (number(p, &v->sr_sub) < 0)
			return -1;
	}
	return 0;
}

int models_parse_version(const char *s, struct model_version *v)
{
	memset(v, 0, sizeof(*v));
	if (number(&s, &v->v[0]) < 0)
		return -1;
	if (*s == '.') {
		s++;
		if (number(&s, &v->v[1]) < 0)
			return -1;
		if (*s == '(') {
			s++;
			if (number(&s, &v->v[2]) < 0 || *s++ != ')')
				return -1;
		}
	}
	if (sr_part(&s, v) < 0 || *s)
		return -1;
	v->set = 1;
	return 0;
}

int models_version_cmp(const struct model_version *a, const struct model_version *b)
{
	for (int i = 0; i < 4; i++)
		if (a->v[i] != b->v[i])
			return a->v[i] < b->v[i] ? -1 : 1;
	if (a->sr != b->sr)
		return a->sr < b->sr ? -1 : 1;
	if (a->sr_sub != b->sr_sub)
		return a->sr_sub < b->sr_sub ? -1 : 1;
	return 0;
}

void models_version_str(const struct model_version *v, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%u.%u(%u)", v->v[0], v->v[1], v->v[2]);
	if (v->v[3] && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "-%u", v->v[3]);
	if (v->sr && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, v->sr_sub ? "SR%u-%u" : "SR%u", v->sr, v->sr_sub);
}

/* The version part of a load ID: "9-4-2SR1-1S", "9-3-1-1S", "08-12-00" (7940
 * SIP), "0801SR02" (7940 SCCP: two digits each). */
static int load_version(const char *s, struct model_version *v)
{
	memset(v, 0, sizeof(*v));
	size_t digits = strspn(s, "0123456789");
	if (digits >= 4 && s[digits] != '-') {
		if (digits > 8)
			return -1; /* more pairs than a version holds */
		for (size_t i = 0; i + 1 < digits && i / 2 < 4; i += 2)
			v->v[i / 2] = (unsigned)((s[i] - '0') * 10 + (s[i + 1] - '0'));
		if (digits % 2)
			return -1;
		s += digits;
	} else {
		for (int i = 0; i < 4; i++) {
			if (number(&s, &v->v[i]) < 0)
				return -1;
			if (*s != '-' || s[1] < '0' || s[1] > '9')
				break;
			s++;
		}
	}
	if (sr_part(&s, v) < 0)
		return -1;
	if (*s == 'S')
		s++;
	if (*s)
		return -1;
	v->set = 1;
	return 0;
}

const char *models_proto_name(enum model_proto p)
{
	return p == MODEL_PROTO_SCCP ? "SCCP" : p == MODEL_PROTO_SIP ? "SIP" : "unknown";
}

const struct model *models_parse_load_id(const struct models *ms, const char *id,
					 enum model_proto *proto, struct model_version *v)
{
	const struct model *best = NULL;
	size_t best_len = 0;
	*proto = MODEL_PROTO_UNKNOWN;
	for (int i = 0; i < ms->n; i++) {
		const char *pre[2] = {ms->m[i].sccp_prefix, ms->m[i].sip_prefix};
		for (int k = 0; k < 2; k++) {
			size_t l = pre[k] ? strlen(pre[k]) : 0;
			if (l > best_len && strncmp(id, pre[k], l) == 0) {
				best = &ms->m[i];
				best_len = l;
				*proto = k ? MODEL_PROTO_SIP : MODEL_PROTO_SCCP;
			}
		}
	}
	if (!best)
		return NULL;
	const char *rest = id + best_len;
	if (*rest == '.' || *rest == '-')
		rest++;
	if (load_version(rest, v) < 0)
		return NULL;
	return best;
}

/* --- the table's INI keys --- */

static int set_str(char **dst, const char *v, int none_is_null)
{
	free(*dst);
	*dst = NULL;
	if (none_is_null && strcmp(v, "none") == 0)
		return 0;
	return (*dst = strdup(v)) ? 0 : -1;
}

static int token_ok(const char *v, const char *extra)
{
	if (!*v)
		return 0;
	for (; *v; v++)
		if (!((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9') ||
		      strchr(extra, *v)))
			return 0;
	return 1;
}

static int set_list(char **list, int *n, const char *v, char *err, size_t errlen, const char *key)
{
	char buf[512];
	for (int i = 0; i < *n; i++)
		free(list[i]);
	*n = 0;
	snprintf(buf, sizeof(buf), "%s", v);
	char *save = NULL;
	for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (*n == MODEL_MAX_NAMES || !token_ok(t, "-_.")) {
			snprintf(err, errlen, "%s = %s: expected up to %d names of letters, digits, '-', '_', '.'",
				 key, v, MODEL_MAX_NAMES);
			return -1;
		}
		if (!(list[(*n)++] = strdup(t)))
			return -1;
	}
	if (*n == 0) {
		snprintf(err, errlen, "%s is empty: expected at least one name", key);
		return -1;
	}
	return 0;
}

static int set_uint(unsigned *dst, const char *v, unsigned lo, unsigned hi, const char *key, char *err,
		    size_t errlen)
{
	const char *p = v;
	unsigned x;
	if (number(&p, &x) < 0 || *p || x < lo || x > hi) {
		snprintf(err, errlen, "%s = %s: expected a number %u..%u", key, v, lo, hi);
		return -1;
	}
	*dst = x;
	return 0;
}

static int set_version(struct model_version *dst, const char *v, const char *key, char *err, size_t errlen)
{
	if (models_parse_version(v, dst) < 0) {
		snprintf(err, errlen, "%s = %s: expected a version such as 8.5(2) or 9.0(0)", key, v);
		return -1;
	}
	return 0;
}

static int model_key(struct model *m, const char *key, const char *v, char *err, size_t errlen)
{
	if (strcmp(key, "names") == 0)
		return set_list(m->names, &m->nnames, v, err, errlen, key);
	if (strcmp(key, "vci") == 0)
		return set_list(m->vci, &m->nvci, v, err, errlen, key);
	if (strcmp(key, "family") == 0 || strcmp(key, "sccp_prefix") == 0 || strcmp(key, "sip_prefix") == 0) {
		char **dst = key[0] == 'f' ? &m->family : key[1] == 'c' ? &m->sccp_prefix : &m->sip_prefix;
		if (!token_ok(v, "")) {
			snprintf(err, errlen, "%s = %s: expected letters and digits%s", key, v,
				 key[0] == 'f' ? "" : ", or none");
			return -1;
		}
		return set_str(dst, v, key[0] != 'f');
	}
	if (strcmp(key, "default_loads") == 0) {
		if (!token_ok(v, "-_.") || v[0] == '.') {
			snprintf(err, errlen, "%s = %s: expected a file name such as term06.default.loads, or none",
				 key, v);
			return -1;
		}
		return set_str(&m->default_loads, v, 1);
	}
	if (strcmp(key, "config_family") == 0) {
		if (strcmp(v, "sip-79xx-java") && strcmp(v, "sip-7940") && strcmp(v, "none")) {
			snprintf(err, errlen, "%s = %s: expected sip-79xx-java, sip-7940 or none", key, v);
			return -1;
		}
		return set_str(&m->config_family, v, 0);
	}
	if (strcmp(key, "locale_jar") == 0 || strcmp(key, "desktop") == 0) {
		if (!token_ok(v, "-_.") || v[0] == '.') {
			snprintf(err, errlen, "%s = %s: expected a plain file or folder name", key, v);
			return -1;
		}
		return set_str(key[0] == 'l' ? &m->locale_jar : &m->desktop, v, 1);
	}
	if (strcmp(key, "device_type") == 0) {
		unsigned x;
		if (set_uint(&x, v, 0, 99999, key, err, errlen) < 0)
			return -1;
		m->device_type = (int)x;
		return 0;
	}
	if (strcmp(key, "sip_password_max") == 0)
		return set_uint(&m->sip_password_max, v, 1, 128, key, err, errlen);
	if (strcmp(key, "label_max") == 0)
		return set_uint(&m->label_max, v, 1, 128, key, err, errlen);
	if (strcmp(key, "name_max") == 0)
		return set_uint(&m->name_max, v, 1, 128, key, err, errlen);
	if (strcmp(key, "label_spaces") == 0) {
		if (strcmp(v, "yes") && strcmp(v, "no")) {
			snprintf(err, errlen, "%s = %s: expected yes or no", key, v);
			return -1;
		}
		m->label_spaces = v[0] == 'y';
		return 0;
	}
	if (strcmp(key, "bridge_from") == 0)
		return set_version(&m->bridge_from, v, key, err, errlen);
	if (strcmp(key, "bridge_to") == 0)
		return set_version(&m->bridge_to, v, key, err, errlen);
	if (strcmp(key, "bridge_before") == 0)
		return set_version(&m->bridge_before, v, key, err, errlen);
	snprintf(err, errlen,
		 "unknown key '%s' (known: names, vci, family, default_loads, sccp_prefix, sip_prefix, "
		 "config_family, locale_jar, desktop, device_type, sip_password_max, label_max, name_max, "
		 "label_spaces, bridge_from, bridge_to, bridge_before)", key);
	return -1;
}

static int on_section(void *ctx, const char *name, char *err, size_t errlen)
{
	(void)ctx;
	if (!token_ok(name, "-_")) {
		snprintf(err, errlen, "[%s]: a model's section is named by letters, digits, '-' and '_'", name);
		return -1;
	}
	return 0;
}

static int on_key(void *ctx, const char *section, const char *key, const char *value, char *err,
		  size_t errlen)
{
	struct load_ctx *x = ctx;
	if (!*section) {
		snprintf(err, errlen, "key '%s' outside a model's [section]", key);
		return -1;
	}
	struct model *m = model_get(x->ms, section);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->source = x->source;
	if (model_key(m, key, value, err, errlen) < 0) {
		char *what = strdup(err);
		snprintf(err, errlen, "[%s] %s", section, what ? what : "out of memory");
		free(what);
		return -1;
	}
	return 0;
}

static int parse(struct models *ms, FILE *f, const char *name, const char *source, char *err, size_t errlen)
{
	struct load_ctx x = {.ms = ms, .source = source};
	struct conf_ini ini = {.section = on_section, .key = on_key, .ctx = &x};
	return conf_ini_parse(f, name, &ini, err, errlen);
}

/* Each model must be whole once both files are read. */
static int check(const struct models *ms, char *err, size_t errlen)
{
	for (int i = 0; i < ms->n; i++) {
		const struct model *m = &ms->m[i];
		const char *missing = !m->nnames ? "names" : !m->family ? "family"
				      : !m->config_family ? "config_family"
				      : !m->sip_password_max ? "sip_password_max"
				      : !m->label_max ? "label_max" : !m->name_max ? "name_max" : NULL;
		if (missing) {
			snprintf(err, errlen, "%s: model [%s] has no %s", m->source, m->id, missing);
			return -1;
		}
		int b = m->bridge_from.set + m->bridge_to.set + m->bridge_before.set;
		if (b != 0 && b != 3) {
			snprintf(err, errlen, "%s: model [%s]: bridge_from, bridge_to and bridge_before go together",
				 m->source, m->id);
			return -1;
		}
		if (b == 3 && (models_version_cmp(&m->bridge_from, &m->bridge_to) > 0 ||
			       models_version_cmp(&m->bridge_to, &m->bridge_before) >= 0)) {
			snprintf(err, errlen, "%s: model [%s]: expected bridge_from <= bridge_to < bridge_before",
				 m->source, m->id);
			return -1;
		}
	}
	return 0;
}

int models_load(struct models *ms, const char *admin_path, char *err, size_t errlen)
{
	memset(ms, 0, sizeof(*ms));
	FILE *f = fmemopen((void *)models_builtin, strlen(models_builtin), "r");
	if (!f) {
		snprintf(err, errlen, "reading the built-in model table: %s", strerror(errno));
		return -1;
	}
	int r = parse(ms, f, BUILTIN_NAME, "built-in", err, errlen);
	fclose(f);
	if (r == 0 && admin_path) {
		f = fopen(admin_path, "r");
		if (f) {
			ms->admin_path = strdup(admin_path);
			r = parse(ms, f, admin_path, ms->admin_path ? ms->admin_path : "models.conf", err, errlen);
			fclose(f);
		} else if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", admin_path, strerror(errno));
			r = -1;
		}
	}
	if (r == 0)
		r = check(ms, err, errlen);
	if (r < 0)
		models_free(ms);
	return r;
}

const struct model *models_find(const struct models *ms, const char *name)
{
	for (int i = 0; i < ms->n; i++) {
		const struct model *m = &ms->m[i];
		if (strcasecmp(m->id, name) == 0)
			return m;
		for (int k = 0; k < m->nnames; k++)
			if (strcasecmp(m->names[k], name) == 0)
				return m;
		for (int k = 0; k < m->nvci; k++)
			if (strcasecmp(m->vci[k], name) == 0)
				return m;
	}
	return NULL;
}

/* The vendor class ends in the model token ("... IP Phone CP-7906G", NUL
 * padding aside); the longest token that ends it wins (CP-7941G-GE over
 * nothing, CP-7940G over CP-7940). */
const struct model *models_find_vci(const struct models *ms, const char *vci, size_t len)
{
	while (len && (vci[len - 1] == 0 || vci[len - 1] == ' '))
		len--;
	const struct model *best = NULL;
	size_t best_len = 0;
	for (int i = 0; i < ms->n; i++) {
		for (int k = 0; k < ms->m[i].nvci; k++) {
			const char *t = ms->m[i].vci[k];
			size_t tl = strlen(t);
			if (tl > len || tl <= best_len || strncasecmp(vci + len - tl, t, tl) != 0)
				continue;
			if (tl < len && vci[len - tl - 1] != ' ')
				continue; /* a whole word: "CP-7940G" does not end "CP-7940" */
			best = &ms->m[i];
			best_len = tl;
		}
	}
	return best;
}

int models_takes_load(const struct model *m, const char *protocol, const char *load_id)
{
	const char *pre = strcmp(protocol, "SIP") == 0 ? m->sip_prefix : m->sccp_prefix;
	return pre && strncmp(load_id, pre, strlen(pre)) == 0;
}
