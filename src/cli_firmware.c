/* cli_firmware: the firmware library's commands. Each opens the model
 * table, the admin's known-firmware list (checked first: its errors are
 * configuration errors) and the state file, then calls the firmware module. */
#include "cli_firmware.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware.h"
#include "models.h"
#include "paths.h"
#include "store.h"

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
	paths_beside_conf(c->path, "models.conf", path, sizeof(path));
	if (models_load(&f->ms, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "phoneboot %s: %s\n", cmd, err);
		return 2;
	}
	f->have_models = 1;
	if (paths_mkdirs(c->state_dir, 0755) < 0) {
		fprintf(stderr, "phoneboot %s: state_dir %s: %s\n", cmd, c->state_dir, strerror(errno));
		fwcli_close(f);
		return 1;
	}
	paths_beside_conf(c->path, "known-firmware.conf", known, sizeof(known));
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

static int list_file(void *ctx, const struct store_fw_file *fl)
{
	struct list_ctx *l = ctx;
	/* a load's verdict is its .loads and images': CUCM's leftovers are never known */
	if (strcmp(fl->role, "extra") != 0)
		l->worst = fw_verdict_worse(l->worst, fl->verdict);
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
		if (models_takes_load(m, ld->protocol, ld->load_id))
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

int cli_firmware(const struct conf *c, int argc, char **argv)
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
