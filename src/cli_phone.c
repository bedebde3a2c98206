/* cli_phone: add, set, remove, list, show (import: phone_import.c). The MAC
 * is the key, in any notation mac_parse takes; every limit comes from the
 * model table; a secret is shown only by "show --secret". */
#include "cli_phone.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "inventory.h"
#include "mac.h"
#include "phone_import.h"

#define ME "phoneboot phone: "
#define USAGE                                                                                     \
	"usage: phoneboot phone add MAC --model M --ext N [--name S] [--label S] [--secret S]\n"  \
	"       phoneboot phone set MAC [--name S] [--label S] [--secret S] [--ext N]\n"          \
	"       phoneboot phone remove MAC\n"                                                     \
	"       phoneboot phone list [--json]\n"                                                  \
	"       phoneboot phone show MAC [--json] [--secret]\n"                                   \
	"       phoneboot phone import FILE.csv [--macs MACS.csv] [--update] [--fix-secrets]\n"   \
	"                              [--skip-bad] [--dry-run]\n"

/* A phone read back from the store, with its own copies of the fields. */
struct phone_copy {
	char mac[MAC_TEXT_LEN], model[64], extension[520], name[520], label[520], secret[INV_SECRET_MAX * 4 + 1];
	int64_t created_us, updated_us;
};

struct opts {
	const char *model, *ext, *name, *label, *secret;
	int json, show_secret;
};

static int64_t wall_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int usage(const char *msg, const char *arg)
{
	if (msg)
		fprintf(stderr, ME "%s%s%s%s\n", msg, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	fputs(USAGE, stderr);
	return 2;
}

/* --- the environment every command shares --- */

int phone_env_models(struct phone_env *e)
{
	char path[4096], dir[4096], err[1024];
	if (e->have_models)
		return 0;
	snprintf(dir, sizeof(dir), "%s", e->c->path ? e->c->path : CONF_DEFAULT_PATH);
	snprintf(path, sizeof(path), "%s/models.conf", dirname(dir));
	if (models_load(&e->ms, path, err, sizeof(err)) < 0) {
		fprintf(stderr, ME "%s\n", err);
		return -1;
	}
	e->have_models = 1;
	return 0;
}

static int mkdirs(const char *path)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int phone_env_store(struct phone_env *e)
{
	char err[1024];
	if (e->s)
		return 0;
	if (mkdirs(e->c->state_dir) < 0) {
		fprintf(stderr, ME "state_dir %s: %s\n", e->c->state_dir, strerror(errno));
		return -1;
	}
	if (!(e->s = store_open(e->c->state_dir, err, sizeof(err)))) {
		fprintf(stderr, ME "%s\n", err);
		return -1;
	}
	return 0;
}

const struct model *phone_env_model(struct phone_env *e, const char *name, char *why, size_t whylen)
{
	const struct model *m = models_find(&e->ms, name);
	if (m)
		return m;
	size_t n = (size_t)snprintf(why, whylen, "unknown model '%s' (known:", name);
	for (int i = 0; i < e->ms.n && n < whylen; i++)
		n += (size_t)snprintf(why + n, whylen - n, "%s %s", i ? "," : "", e->ms.m[i].id);
	if (n < whylen)
		snprintf(why + n, whylen - n, ")");
	return NULL;
}

/* --- arguments --- */

/* The option's place in o: a value ("model=") or a flag ("json"). */
static void *opt_slot(struct opts *o, const char *name, size_t len, int value)
{
	static const char *const values[] = {"model", "ext", "name", "label", "secret"};
	const char **vals[] = {&o->model, &o->ext, &o->name, &o->label, &o->secret};
	for (size_t i = 0; value && i < 5; i++)
		if (strlen(values[i]) == len && !strncmp(name, values[i], len))
			return vals[i];
	if (!value && len == 4 && !strncmp(name, "json", 4))
		return &o->json;
	if (!value && len == 6 && !strncmp(name, "secret", 6))
		return &o->show_secret;
	return NULL;
}

/* Is --NAME (len characters) among allowed ("model= ext= json"), and does it take a value? */
static int opt_allowed(const char *allowed, const char *name, size_t len, int *value)
{
	for (const char *p = allowed; *p;) {
		size_t n = strcspn(p, " ");
		size_t base = n && p[n - 1] == '=' ? n - 1 : n;
		if (base == len && !strncmp(p, name, len)) {
			*value = base != n;
			return 1;
		}
		p += n + (p[n] == ' ');
	}
	return 0;
}

/* "--name S" or "--name=S" for value options, "--json" for flags. */
static int parse_opts(int argc, char **argv, int first, const char *allowed, struct opts *o)
{
	for (int i = first; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t len = (eq ? (size_t)(eq - a) : strlen(a)) - 2;
		int value;
		if (strncmp(a, "--", 2) != 0)
			return usage("unexpected argument", a);
		if (!opt_allowed(allowed, a + 2, len, &value) || (eq && !value))
			return usage("unknown option here", a);
		void *slot = opt_slot(o, a + 2, len, value);
		if (!value)
			*(int *)slot = 1;
		else if (eq)
			*(const char **)slot = eq + 1;
		else if (i + 1 < argc)
			*(const char **)slot = argv[++i];
		else
			return usage("a value is missing after", a);
	}
	return 0;
}

static int parse_mac_arg(const char *s, char out[MAC_TEXT_LEN])
{
	uint8_t m[6];
	const char *why;
	if (mac_parse(s, m, &why) < 0) {
		char shown[64];
		size_t i = 0;
		for (; s[i] && i < sizeof(shown) - 1; i++) /* one line, whatever was typed */
			shown[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
		shown[i] = 0;
		fprintf(stderr, ME "MAC '%s': %s\n", shown, why);
		return -1;
	}
	mac_format(m, out);
	return 0;
}

/* --- reading phones back --- */

static int copy_phone(void *ctx, const struct store_phone *p)
{
	struct phone_copy *c = ctx;
	snprintf(c->mac, sizeof(c->mac), "%s", p->mac);
	snprintf(c->model, sizeof(c->model), "%s", p->model);
	snprintf(c->extension, sizeof(c->extension), "%s", p->extension);
	snprintf(c->name, sizeof(c->name), "%s", p->name);
	snprintf(c->label, sizeof(c->label), "%s", p->label);
	snprintf(c->secret, sizeof(c->secret), "%s", p->secret);
	c->created_us = p->created_us, c->updated_us = p->updated_us;
	return 0;
}

/* 1 found, 0 not (said), -1 error (said). */
static int get_phone(struct phone_env *e, const char *mac, struct phone_copy *out)
{
	int r = store_phone_get(e->s, mac, copy_phone, out);
	if (r < 0)
		fprintf(stderr, ME "reading the inventory: %s\n", store_errmsg(e->s));
	else if (r == 0)
		fprintf(stderr, ME "%s is not in the inventory\n", mac);
	return r;
}

/* 0 when no other phone has the extension, else -1 (said). */
static int extension_free(struct phone_env *e, const char *mac, const char *ext)
{
	struct phone_copy other;
	int r = store_phone_by_ext(e->s, ext, copy_phone, &other);
	if (r < 0) {
		fprintf(stderr, ME "reading the inventory: %s\n", store_errmsg(e->s));
		return -1;
	}
	if (r == 1 && strcmp(other.mac, mac) != 0) {
		fprintf(stderr, ME "%s: extension %s is already phone %s's (%s)\n", mac, ext, other.mac, other.model);
		return -1;
	}
	return 0;
}

/* --- add, set, remove --- */

/* The fields given, against the model's limits; -1 (said) on the first bad one. */
static int check_given(const struct model *m, const char *mac, const char *ext, const struct opts *o)
{
	const char *v[] = {o->ext, o->name, o->label, o->secret};
	const enum inv_field f[] = {INV_EXTENSION, INV_NAME, INV_LABEL, INV_SECRET};
	char why[512];
	for (int i = 0; i < 4; i++) {
		if (!v[i] || (f[i] == INV_SECRET && strcmp(v[i], INV_REGEN) == 0))
			continue;
		if (inv_check(m, f[i], v[i], why, sizeof(why)) < 0) {
			fprintf(stderr, ME "%s (extension %s): %s\n", mac, o->ext ? o->ext : ext, why);
			return -1;
		}
	}
	return 0;
}

/* A new secret into buf when none or REGEN was given; the secret to store. */
static const char *secret_for(const struct model *m, const char *given, const char *old, char *buf, int *generated)
{
	*generated = 0;
	if (given && strcmp(given, INV_REGEN) != 0)
		return given;
	if (!given && old)
		return old;
	if (inv_secret_new(m, buf, NULL, NULL) < 0) {
		fprintf(stderr, ME "generating a secret: getrandom: %s\n", strerror(errno));
		return NULL;
	}
	*generated = 1;
	return buf;
}

static int cmd_add(struct phone_env *e, int argc, char **argv)
{
	struct opts o = {0};
	char mac[MAC_TEXT_LEN], why[1024], gen[INV_SECRET_MAX + 1];
	if (argc < 2)
		return usage("add: which MAC?", NULL);
	if (parse_opts(argc, argv, 2, "model= ext= name= label= secret=", &o))
		return 2;
	if (!o.model || !o.ext)
		return usage(!o.model ? "add: --model is required" : "add: --ext is required", NULL);
	if (parse_mac_arg(argv[1], mac) < 0 || phone_env_models(e) < 0)
		return 1;
	const struct model *m = phone_env_model(e, o.model, why, sizeof(why));
	if (!m) {
		fprintf(stderr, ME "%s: %s\n", mac, why);
		return 1;
	}
	if (check_given(m, mac, o.ext, &o) < 0 || phone_env_store(e) < 0)
		return 1;
	struct phone_copy old;
	if (store_phone_get(e->s, mac, copy_phone, &old) == 1) {
		fprintf(stderr, ME "%s is already in the inventory (extension %s); phone set changes it\n", mac,
			old.extension);
		return 1;
	}
	int generated;
	const char *secret = secret_for(m, o.secret, NULL, gen, &generated);
	if (!secret || extension_free(e, mac, o.ext) < 0)
		return 1;
	int64_t now = wall_us();
	struct store_phone p = {.mac = mac, .model = m->id, .extension = o.ext, .name = o.name ? o.name : "",
				.label = o.label ? o.label : "", .secret = secret, .created_us = now, .updated_us = now};
	if (store_phone_add(e->s, &p) < 0) {
		fprintf(stderr, ME "%s: adding it: %s\n", mac, store_errmsg(e->s));
		return 1;
	}
	printf("added %s: %s, extension %s%s\n", mac, m->id, o.ext,
	       generated ? "; secret generated (phone show MAC --secret shows it)" : "");
	return 0;
}

static int cmd_set(struct phone_env *e, int argc, char **argv)
{
	struct opts o = {0};
	char mac[MAC_TEXT_LEN], why[1024], gen[INV_SECRET_MAX + 1];
	struct phone_copy old;
	if (argc < 2)
		return usage("set: which MAC?", NULL);
	if (parse_opts(argc, argv, 2, "ext= name= label= secret=", &o))
		return 2;
	if (!o.ext && !o.name && !o.label && !o.secret)
		return usage("set: nothing to change (give --name, --label, --secret or --ext)", NULL);
	if (parse_mac_arg(argv[1], mac) < 0 || phone_env_models(e) < 0 || phone_env_store(e) < 0)
		return 1;
	if (get_phone(e, mac, &old) != 1)
		return 1;
	const struct model *m = phone_env_model(e, old.model, why, sizeof(why));
	if (!m) {
		fprintf(stderr, ME "%s: %s\n", mac, why);
		return 1;
	}
	int generated;
	const char *secret = secret_for(m, o.secret, old.secret, gen, &generated);
	if (check_given(m, mac, old.extension, &o) < 0 || !secret || (o.ext && extension_free(e, mac, o.ext) < 0))
		return 1;
	struct store_phone p = {.mac = mac, .model = old.model, .extension = o.ext ? o.ext : old.extension,
				.name = o.name ? o.name : old.name, .label = o.label ? o.label : old.label,
				.secret = secret, .created_us = old.created_us, .updated_us = wall_us()};
	if (store_phone_update(e->s, &p) != 1) {
		fprintf(stderr, ME "%s: updating it: %s\n", mac, store_errmsg(e->s));
		return 1;
	}
	printf("updated %s (extension %s):%s%s%s%s%s\n", mac, p.extension, o.ext ? " extension" : "",
	       o.name ? " name" : "", o.label ? " label" : "", o.secret ? " secret" : "",
	       generated ? " (generated)" : "");
	return 0;
}

static int cmd_remove(struct phone_env *e, int argc, char **argv)
{
	char mac[MAC_TEXT_LEN];
	struct phone_copy old;
	if (argc != 2)
		return usage(argc < 2 ? "remove: which MAC?" : "remove: one MAC only, not", argc > 2 ? argv[2] : NULL);
	if (parse_mac_arg(argv[1], mac) < 0 || phone_env_store(e) < 0 || get_phone(e, mac, &old) != 1)
		return 1;
	if (store_phone_remove(e->s, mac) != 1) {
		fprintf(stderr, ME "%s: removing it: %s\n", mac, store_errmsg(e->s));
		return 1;
	}
	printf("removed %s (extension %s)\n", mac, old.extension);
	return 0;
}

/* --- list, show --- */

static json_t *phone_json(const struct store_phone *p, int with_secret)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "mac", p->mac, "model", p->model, "extension",
			      p->extension, "name", p->name, "label", p->label, "created_us", (json_int_t)p->created_us,
			      "updated_us", (json_int_t)p->updated_us);
	if (o && with_secret)
		json_object_set_new(o, "secret", json_string(p->secret));
	return o;
}

static int list_row(void *ctx, const struct store_phone *p)
{
	json_t *arr = ctx;
	if (arr)
		json_array_append_new(arr, phone_json(p, 0));
	else
		printf("%-17s  %-6s  %-9s  %-24s  %s\n", p->mac, p->model, p->extension, p->name, p->label);
	return 0;
}

static void print_json(json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(text ? text : "null");
	free(text);
	json_decref(j);
}

static int cmd_list(struct phone_env *e, int argc, char **argv)
{
	struct opts o = {0};
	if (parse_opts(argc, argv, 1, "json", &o))
		return 2;
	if (phone_env_store(e) < 0)
		return 1;
	json_t *arr = o.json ? json_array() : NULL;
	if (!o.json)
		printf("%-17s  %-6s  %-9s  %-24s  %s\n", "MAC", "MODEL", "EXTENSION", "NAME", "LABEL");
	int r = store_phones(e->s, list_row, arr);
	if (r < 0)
		fprintf(stderr, ME "reading the inventory: %s\n", store_errmsg(e->s));
	if (arr)
		print_json(arr);
	return r < 0 ? 1 : 0;
}

static int cmd_show(struct phone_env *e, int argc, char **argv)
{
	struct opts o = {0};
	char mac[MAC_TEXT_LEN];
	struct phone_copy c;
	if (argc < 2)
		return usage("show: which MAC?", NULL);
	if (parse_opts(argc, argv, 2, "json secret", &o))
		return 2;
	if (parse_mac_arg(argv[1], mac) < 0 || phone_env_store(e) < 0 || get_phone(e, mac, &c) != 1)
		return 1;
	struct store_phone p = {c.mac, c.model, c.extension, c.name, c.label, c.secret, c.created_us, c.updated_us};
	if (o.json) {
		print_json(phone_json(&p, o.show_secret));
		return 0;
	}
	printf("mac        %s\nmodel      %s\nextension  %s\nname       %s\nlabel      %s\n", p.mac, p.model,
	       p.extension, p.name, p.label[0] ? p.label : "(the extension)");
	if (o.show_secret)
		printf("secret     %s\n", p.secret);
	else
		printf("secret     (%zu characters; --secret shows it)\n", inv_chars(p.secret));
	return 0;
}

int cli_phone(const struct conf *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct phone_env *e, int argc, char **argv);
	} cmds[] = {{"add", cmd_add},   {"set", cmd_set},   {"remove", cmd_remove},
		    {"list", cmd_list}, {"show", cmd_show}, {"import", phone_import}};
	if (argc < 2)
		return usage(NULL, NULL);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		struct phone_env e = {.c = c};
		int rc = cmds[i].fn(&e, argc - 1, argv + 1);
		store_close(e.s);
		if (e.have_models)
			models_free(&e.ms);
		return rc;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(USAGE, stdout);
		return 0;
	}
	return usage("unknown command", argv[1]);
}
