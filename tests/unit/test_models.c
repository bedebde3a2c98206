/* Unit tests for models: the built-in table (data/models.conf, built in),
 * lookups by name and by DHCP vendor class, firmware versions and load IDs,
 * and the admin's models.conf adding models or overriding keys, with
 * "FILE:LINE: ..." errors. Admin files are written with mkstemp under /tmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "models.h"

/* Every model of data/models.conf, in file order. */
static const char *const builtin_ids[] = {"7906", "7911",  "7931", "7941", "7941GE", "7961",
					  "7961GE", "7942", "7962", "7945", "7965", "7970",
					  "7971", "7975", "7940", "7960"};
#define NBUILTIN ((int)(sizeof(builtin_ids) / sizeof(builtin_ids[0])))

struct fixture {
	char path[64];
	struct models ms;
	char err[1024];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	models_free(&f->ms);
	if (f->path[0])
		unlink(f->path);
	free(f);
	return 0;
}

/* The built-in table alone, loaded once for the lookup tests. */
static int setup_builtin(void **state)
{
	if (setup(state) < 0)
		return -1;
	struct fixture *f = *state;
	if (models_load(&f->ms, NULL, f->err, sizeof(f->err)) < 0) {
		fprintf(stderr, "models_load: %s\n", f->err);
		return -1;
	}
	return 0;
}

/* Write text as the admin's models.conf; its name goes in f->path. */
static void write_admin(struct fixture *f, const char *text)
{
	if (f->path[0])
		unlink(f->path);
	snprintf(f->path, sizeof(f->path), "/tmp/phoneboot-models.XXXXXX");
	int fd = mkstemp(f->path);
	if (fd < 0)
		fail_msg("mkstemp failed");
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n)
		fail_msg("writing %s failed", f->path);
	close(fd);
}

static int load_admin(struct fixture *f, const char *text)
{
	models_free(&f->ms);
	write_admin(f, text);
	f->err[0] = 0;
	return models_load(&f->ms, f->path, f->err, sizeof(f->err));
}

/* err must start with prefix and hold every one of the NULL-terminated words. */
static void assert_err_words(const char *err, const char *prefix, va_list ap)
{
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("error \"%s\" does not start with \"%s\"", err, prefix);
	for (const char *w; (w = va_arg(ap, const char *));)
		if (!strstr(err + strlen(prefix), w))
			fail_msg("error \"%s\" does not mention \"%s\"", err, w);
}

/* text must be refused with "PATH:LINE: " and the words; the table is left empty. */
static void assert_refused_at(struct fixture *f, const char *text, int line, ...)
{
	char prefix[96];
	va_list ap;
	if (load_admin(f, text) != -1)
		fail_msg("accepted, expected an error on line %d of:\n%s", line, text);
	assert_int_equal(f->ms.n, 0);
	assert_null(f->ms.m);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", f->path, line);
	va_start(ap, line);
	assert_err_words(f->err, prefix, ap);
	va_end(ap);
}

/* text must be refused with "PATH: " (a whole-model check, no line) and the words. */
static void assert_refused(struct fixture *f, const char *text, ...)
{
	char prefix[96];
	va_list ap;
	if (load_admin(f, text) != -1)
		fail_msg("accepted, expected an error for:\n%s", text);
	assert_int_equal(f->ms.n, 0);
	snprintf(prefix, sizeof(prefix), "%s: ", f->path);
	va_start(ap, text);
	assert_err_words(f->err, prefix, ap);
	va_end(ap);
}

static const struct model *find(const struct fixture *f, const char *name)
{
	return models_find(&f->ms, name);
}

static void assert_model(const struct model *m, const char *id)
{
	if (!m)
		fail_msg("no model, want %s", id);
	assert_string_equal(m->id, id);
}

static void assert_version(const struct model_version *v, unsigned a, unsigned b, unsigned c, unsigned d,
			   unsigned sr, unsigned sr_sub)
{
	assert_int_equal(v->set, 1);
	assert_int_equal(v->v[0], a);
	assert_int_equal(v->v[1], b);
	assert_int_equal(v->v[2], c);
	assert_int_equal(v->v[3], d);
	assert_int_equal(v->sr, sr);
	assert_int_equal(v->sr_sub, sr_sub);
}

static void assert_version_str(const struct model_version *v, const char *want)
{
	char buf[64];
	models_version_str(v, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

/* ---- the built-in table ---- */

static void builtin_table_has_the_16_models_of_data_models_conf(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(models_load(&f->ms, NULL, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->ms.n, NBUILTIN);
	assert_null(f->ms.admin_path);
	for (int i = 0; i < NBUILTIN; i++) {
		assert_string_equal(f->ms.m[i].id, builtin_ids[i]);
		assert_string_equal(f->ms.m[i].source, "built-in");
		assert_non_null(f->ms.m[i].family);
		assert_non_null(f->ms.m[i].config_family);
		assert_true(f->ms.m[i].nnames >= 3);
		assert_true(f->ms.m[i].nvci >= 1);
	}
}

static void admin_file_that_does_not_exist_leaves_the_builtin_table(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(models_load(&f->ms, "/tmp/phoneboot-no-such-dir.none/models.conf", f->err,
				     sizeof(f->err)),
			 0);
	assert_int_equal(f->ms.n, NBUILTIN);
	assert_null(f->ms.admin_path);
	assert_string_equal(f->ms.m[0].source, "built-in");
}

static void free_twice_is_harmless(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(models_load(&f->ms, NULL, f->err, sizeof(f->err)), 0);
	models_free(&f->ms);
	assert_int_equal(f->ms.n, 0);
	assert_null(f->ms.m);
	models_free(&f->ms);
}

static void model_7906_has_every_fact_of_cisco_facts(void **state)
{
	struct fixture *f = *state;
	const struct model *m = find(f, "7906");
	assert_model(m, "7906");
	assert_int_equal(m->nnames, 3);
	assert_string_equal(m->names[0], "7906");
	assert_string_equal(m->names[1], "7906G");
	assert_string_equal(m->names[2], "CP-7906G");
	assert_int_equal(m->nvci, 1);
	assert_string_equal(m->vci[0], "CP-7906G");
	assert_string_equal(m->family, "11");
	assert_string_equal(m->default_loads, "term06.default.loads");
	assert_string_equal(m->sccp_prefix, "SCCP11");
	assert_string_equal(m->sip_prefix, "SIP11");
	assert_string_equal(m->config_family, "sip-79xx-java");
	assert_string_equal(m->locale_jar, "tc-sip.jar");
	assert_string_equal(m->desktop, "95x34x1");
	assert_int_equal(m->device_type, 369);
	assert_int_equal(m->sip_password_max, 12);
	assert_int_equal(m->label_max, 12);
	assert_int_equal(m->name_max, 30);
	assert_version(&m->bridge_from, 8, 3, 3, 0, 0, 0);
	assert_version(&m->bridge_to, 8, 5, 2, 0, 0, 0);
	assert_version(&m->bridge_before, 9, 0, 0, 0, 0, 0);
	assert_string_equal(m->source, "built-in");
}

static void model_7911_differs_from_7906_in_term_file_and_device_type(void **state)
{
	struct fixture *f = *state;
	const struct model *m = find(f, "7911");
	assert_model(m, "7911");
	assert_string_equal(m->family, "11");
	assert_string_equal(m->default_loads, "term11.default.loads");
	assert_int_equal(m->device_type, 307);
	assert_version_str(&m->bridge_from, "8.3(3)");
	assert_version_str(&m->bridge_to, "8.5(2)");
	assert_version_str(&m->bridge_before, "9.0(0)");
}

static void models_7940_and_7931_have_no_loads_file_bridge_or_sip(void **state)
{
	struct fixture *f = *state;
	const struct model *m = find(f, "7940");
	assert_model(m, "7940");
	assert_string_equal(m->family, "7940");
	assert_null(m->default_loads);
	assert_string_equal(m->sccp_prefix, "P003");
	assert_string_equal(m->sip_prefix, "P0S3");
	assert_string_equal(m->config_family, "sip-7940");
	assert_null(m->locale_jar);
	assert_null(m->desktop);
	assert_int_equal(m->device_type, 8);
	assert_int_equal(m->bridge_from.set, 0);
	assert_int_equal(m->bridge_to.set, 0);
	assert_int_equal(m->bridge_before.set, 0);
	assert_int_equal(m->nvci, 2);
	m = find(f, "7931");
	assert_model(m, "7931");
	assert_null(m->sip_prefix);
	assert_string_equal(m->sccp_prefix, "SCCP31");
	assert_string_equal(m->config_family, "none");
	assert_null(m->locale_jar);
	assert_int_equal(m->device_type, 348);
}

/* ---- lookups ---- */

static void find_by_id_any_name_or_vci_ignoring_case(void **state)
{
	struct fixture *f = *state;
	assert_model(find(f, "7906"), "7906");
	assert_model(find(f, "7906G"), "7906");
	assert_model(find(f, "CP-7906G"), "7906");
	assert_model(find(f, "cp-7906g"), "7906");
	assert_model(find(f, "7941ge"), "7941GE");
	assert_model(find(f, "7941G-GE"), "7941GE");
	assert_model(find(f, "7941G"), "7941");
	assert_model(find(f, "7971GE"), "7971");
	assert_model(find(f, "cp-7940"), "7940");
	assert_model(find(f, "7960g"), "7960");
	assert_null(find(f, "7905"));
	assert_null(find(f, "CP-7906"));
	assert_null(find(f, ""));
	assert_null(find(f, "7906G "));
}

static const struct model *vci(const struct fixture *f, const char *s, size_t len)
{
	return models_find_vci(&f->ms, s, len);
}
#define VCI_LIT(f, s) vci((f), (s), sizeof(s) - 1)

static void find_vci_takes_the_model_token_at_the_end(void **state)
{
	struct fixture *f = *state;
	/* as the phone sends it (with its NUL) and without the NUL */
	assert_model(VCI_LIT(f, "Cisco Systems, Inc. IP Phone CP-7906G\0"), "7906");
	assert_model(VCI_LIT(f, "Cisco Systems, Inc. IP Phone CP-7906G"), "7906");
	assert_model(VCI_LIT(f, "Cisco Systems, Inc. IP Phone CP-7911G\0"), "7911");
	assert_model(VCI_LIT(f, "Cisco Systems, Inc. IP Phone cp-7965g\0"), "7965");
	assert_model(VCI_LIT(f, "CP-7906G"), "7906");
}

static void find_vci_prefers_the_longest_whole_token(void **state)
{
	struct fixture *f = *state;
	assert_model(VCI_LIT(f, "Cisco Systems, Inc. IP Phone CP-7941G-GE\0"), "7941GE");
	assert_model(VCI_LIT(f, "Cisco Systems, Inc. IP Phone CP-7941G\0"), "7941");
	assert_model(VCI_LIT(f, "Cisco Systems, Inc. IP Phone CP-7961G-GE\0"), "7961GE");
	assert_model(VCI_LIT(f, "Cisco Systems, Inc. IP Phone CP-7971G-GE\0"), "7971");
	assert_model(VCI_LIT(f, "Cisco Systems, Inc. IP Phone CP-7940\0"), "7940");
	assert_model(VCI_LIT(f, "Cisco Systems, Inc. IP Phone CP-7940G\0"), "7940");
	/* a token must be a whole word: XCP-7906G is no 7906 */
	assert_null(VCI_LIT(f, "Cisco Systems, Inc. IP Phone XCP-7906G\0"));
}

static void find_vci_without_a_model_token_is_null(void **state)
{
	struct fixture *f = *state;
	assert_null(VCI_LIT(f, "Cisco Systems, Inc. IP Phone\0"));
	assert_null(VCI_LIT(f, "Cisco Systems, Inc."));
	assert_null(VCI_LIT(f, "Cisco Systems, Inc. IP Phone CP-7906G-X\0"));
	assert_null(vci(f, "", 0));
	assert_null(VCI_LIT(f, "\0\0\0"));
	/* only len bytes count: the token past len is not seen */
	static const char s[] = "Cisco Systems, Inc. IP Phone CP-7906G";
	assert_null(vci(f, s, sizeof(s) - 1 - strlen(" CP-7906G")));
}

/* ---- versions ---- */

static void parse_version_reads_marketing_versions(void **state)
{
	(void)state;
	struct model_version v;
	assert_int_equal(models_parse_version("8.5(2)", &v), 0);
	assert_version(&v, 8, 5, 2, 0, 0, 0);
	assert_int_equal(models_parse_version("9.4(2)SR1", &v), 0);
	assert_version(&v, 9, 4, 2, 0, 1, 0);
	assert_int_equal(models_parse_version("9.4(2)SR3-1", &v), 0);
	assert_version(&v, 9, 4, 2, 0, 3, 1);
	assert_int_equal(models_parse_version("9", &v), 0);
	assert_version(&v, 9, 0, 0, 0, 0, 0);
	assert_int_equal(models_parse_version("9.0", &v), 0);
	assert_version(&v, 9, 0, 0, 0, 0, 0);
	assert_int_equal(models_parse_version("8.3(3)", &v), 0);
	assert_version(&v, 8, 3, 3, 0, 0, 0);
}

static void parse_version_refuses_malformed_versions(void **state)
{
	(void)state;
	static const char *const bad[] = {"",         "8.",      "8.5(2",  "x",         "8.5(2)junk",
					  "8.5()",    "8.5(x)",  ".5(2)",  "9.4(2)SR",  "9.4(2)SR1-",
					  "-1",       " 8.5(2)", "8.5(2) ", "8.5.2",    "8(2)"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct model_version v;
		memset(&v, 0x5a, sizeof(v));
		if (models_parse_version(bad[i], &v) != -1)
			fail_msg("\"%s\" accepted as a version", bad[i]);
		assert_int_equal(v.set, 0);
	}
}

static void versions_order_by_numbers_then_sr(void **state)
{
	(void)state;
	static const char *const order[] = {"8.3(3)", "8.5(2)", "9.0(0)", "9.4(2)", "9.4(2)SR1",
					    "9.4(2)SR3"};
	enum { N = sizeof(order) / sizeof(order[0]) };
	struct model_version v[N];
	for (int i = 0; i < N; i++)
		assert_int_equal(models_parse_version(order[i], &v[i]), 0);
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++) {
			int c = models_version_cmp(&v[i], &v[j]);
			int want = i < j ? -1 : i > j ? 1 : 0;
			if (c != want)
				fail_msg("cmp(%s, %s) = %d, want %d", order[i], order[j], c, want);
		}
	}
	struct model_version a, b;
	assert_int_equal(models_parse_version("9.4(2)SR1", &a), 0);
	assert_int_equal(models_parse_version("9.4(2)SR1-1", &b), 0);
	assert_int_equal(models_version_cmp(&a, &b), -1);
	assert_int_equal(models_parse_version("10.0(0)", &b), 0);
	assert_int_equal(models_version_cmp(&a, &b), -1);
}

static void version_text_is_the_marketing_form(void **state)
{
	(void)state;
	struct model_version v;
	assert_int_equal(models_parse_version("8.5(2)", &v), 0);
	assert_version_str(&v, "8.5(2)");
	assert_int_equal(models_parse_version("9.4(2)SR1", &v), 0);
	assert_version_str(&v, "9.4(2)SR1");
	assert_int_equal(models_parse_version("9.4(2)SR3-1", &v), 0);
	assert_version_str(&v, "9.4(2)SR3-1");
	assert_int_equal(models_parse_version("9", &v), 0);
	assert_version_str(&v, "9.0(0)");
	char small[4];
	models_version_str(&v, small, sizeof(small));
	assert_string_equal(small, "9.0");
}

/* ---- load IDs ---- */

struct load_case {
	const char *id;
	const char *family;
	enum model_proto proto;
	unsigned v[4], sr, sr_sub;
};

static void load_ids_give_family_protocol_and_version(void **state)
{
	struct fixture *f = *state;
	static const struct load_case cases[] = {
		{"SCCP11.8-5-2S", "11", MODEL_PROTO_SCCP, {8, 5, 2, 0}, 0, 0},
		{"SIP11.9-4-2SR1-1S", "11", MODEL_PROTO_SIP, {9, 4, 2, 0}, 1, 1},
		{"SCCP11.8-3-3SR2S", "11", MODEL_PROTO_SCCP, {8, 3, 3, 0}, 2, 0},
		{"SCCP42.9-3-1-1S", "42", MODEL_PROTO_SCCP, {9, 3, 1, 1}, 0, 0},
		{"SIP45.9-4-2SR3-1S", "45", MODEL_PROTO_SIP, {9, 4, 2, 0}, 3, 1},
		{"SIP45.9-3-1SR4-1S", "45", MODEL_PROTO_SIP, {9, 3, 1, 0}, 4, 1},
		{"SCCP41.9-4-2SR1-1S", "41", MODEL_PROTO_SCCP, {9, 4, 2, 0}, 1, 1},
		{"SIP70.9-2-1S", "70", MODEL_PROTO_SIP, {9, 2, 1, 0}, 0, 0},
		{"SCCP31.8-5-2S", "31", MODEL_PROTO_SCCP, {8, 5, 2, 0}, 0, 0},
		{"SCCP75.9-4-2SR3-1S", "75", MODEL_PROTO_SCCP, {9, 4, 2, 0}, 3, 1},
		{"P0030801SR02", "7940", MODEL_PROTO_SCCP, {8, 1, 0, 0}, 2, 0},
		{"P0S3-08-12-00", "7940", MODEL_PROTO_SIP, {8, 12, 0, 0}, 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct load_case *c = &cases[i];
		enum model_proto proto = MODEL_PROTO_UNKNOWN;
		struct model_version v;
		memset(&v, 0, sizeof(v));
		const struct model *m = models_parse_load_id(&f->ms, c->id, &proto, &v);
		if (!m)
			fail_msg("%s: no model", c->id);
		if (strcmp(m->family, c->family) != 0 || proto != c->proto)
			fail_msg("%s: family %s %s, want %s %s", c->id, m->family, models_proto_name(proto),
				 c->family, models_proto_name(c->proto));
		if (!v.set || memcmp(v.v, c->v, sizeof(v.v)) != 0 || v.sr != c->sr || v.sr_sub != c->sr_sub)
			fail_msg("%s: version %u.%u.%u.%u SR%u-%u, want %u.%u.%u.%u SR%u-%u", c->id, v.v[0],
				 v.v[1], v.v[2], v.v[3], v.sr, v.sr_sub, c->v[0], c->v[1], c->v[2], c->v[3],
				 c->sr, c->sr_sub);
	}
}

static void load_id_returns_the_first_model_of_the_family(void **state)
{
	struct fixture *f = *state;
	enum model_proto proto;
	struct model_version v;
	assert_model(models_parse_load_id(&f->ms, "SCCP11.8-5-2S", &proto, &v), "7906");
	assert_int_equal(proto, MODEL_PROTO_SCCP);
	assert_version_str(&v, "8.5(2)");
	assert_model(models_parse_load_id(&f->ms, "SIP11.9-4-2SR1-1S", &proto, &v), "7906");
	assert_int_equal(proto, MODEL_PROTO_SIP);
	assert_version_str(&v, "9.4(2)SR1-1");
	assert_model(models_parse_load_id(&f->ms, "P0030801SR02", &proto, &v), "7940");
	assert_version_str(&v, "8.1(0)SR2");
	assert_model(models_parse_load_id(&f->ms, "SCCP42.9-3-1-1S", &proto, &v), "7942");
	assert_version_str(&v, "9.3(1)-1");
}

static void unknown_prefix_or_garbage_version_is_null(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {"XYZ11.1-2-3S", "SIP11.banana", "SIP11.", "SIP11",
					  "SCCP11.8-5-2Sx", "SIP11.9-4-2SR", "SIP31.9-4-2S", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum model_proto proto;
		struct model_version v;
		const struct model *m = models_parse_load_id(&f->ms, bad[i], &proto, &v);
		if (m)
			fail_msg("\"%s\" parsed as model %s", bad[i], m->id);
	}
}

static void load_id_with_more_digit_pairs_than_a_version_holds_is_null(void **state)
{
	struct fixture *f = *state;
	enum model_proto proto;
	struct model_version v;
	/* 7940 SCCP IDs carry two digits per part; a version holds four parts,
	 * so "08010203040506" (seven pairs) cannot be read without losing some */
	const struct model *m = models_parse_load_id(&f->ms, "P00308010203040506", &proto, &v);
	if (m) {
		char b[64];
		models_version_str(&v, b, sizeof(b));
		fail_msg("P00308010203040506 parsed as %s %s: the last three pairs were dropped", m->id, b);
	}
	/* four pairs fit */
	assert_model(models_parse_load_id(&f->ms, "P00308010203", &proto, &v), "7940");
	assert_version(&v, 8, 1, 2, 3, 0, 0);
}

static void proto_names(void **state)
{
	(void)state;
	assert_string_equal(models_proto_name(MODEL_PROTO_SCCP), "SCCP");
	assert_string_equal(models_proto_name(MODEL_PROTO_SIP), "SIP");
	assert_string_equal(models_proto_name(MODEL_PROTO_UNKNOWN), "unknown");
}

/* ---- the admin's models.conf ---- */

static const char model_7999[] = "[7999]\n"
				 "names = 7999, 7999G, CP-7999G\n"
				 "vci = CP-7999G\n"
				 "family = 99\n"
				 "default_loads = term99.default.loads\n"
				 "sccp_prefix = SCCP99\n"
				 "sip_prefix = SIP99\n"
				 "config_family = sip-79xx-java\n"
				 "locale_jar = xx-sip.jar\n"
				 "desktop = 320x196x4\n"
				 "device_type = 999\n"
				 "sip_password_max = 16\n"
				 "label_max = 10\n"
				 "name_max = 20\n"
				 "bridge_from = 8.3(3)\n"
				 "bridge_to = 8.5(2)\n"
				 "bridge_before = 9.2(3)\n";

static void admin_path_that_is_a_directory_is_an_error(void **state)
{
	struct fixture *f = *state;
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/phoneboot-models-dir.XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* fopen() of a directory succeeds and the first read fails (EISDIR): that
	 * is not an empty models.conf, and the admin must hear about it */
	int r = models_load(&f->ms, dir, f->err, sizeof(f->err));
	rmdir(dir);
	if (r != -1)
		fail_msg("a directory as models.conf was accepted as an empty file (%d models, admin_path %s)",
			 f->ms.n, f->ms.admin_path ? f->ms.admin_path : "NULL");
	if (strncmp(f->err, dir, strlen(dir)) != 0)
		fail_msg("error \"%s\" does not name %s", f->err, dir);
}

static void admin_file_adds_a_new_model(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load_admin(f, model_7999), 0);
	assert_int_equal(f->ms.n, NBUILTIN + 1);
	assert_string_equal(f->ms.admin_path, f->path);
	const struct model *m = find(f, "cp-7999g");
	assert_model(m, "7999");
	assert_ptr_equal(m, &f->ms.m[NBUILTIN]);
	assert_string_equal(m->source, f->path);
	assert_int_equal(m->nnames, 3);
	assert_string_equal(m->family, "99");
	assert_string_equal(m->default_loads, "term99.default.loads");
	assert_string_equal(m->sip_prefix, "SIP99");
	assert_string_equal(m->locale_jar, "xx-sip.jar");
	assert_int_equal(m->device_type, 999);
	assert_int_equal(m->sip_password_max, 16);
	assert_int_equal(m->label_max, 10);
	assert_int_equal(m->name_max, 20);
	assert_version_str(&m->bridge_before, "9.2(3)");
	assert_ptr_equal(VCI_LIT(f, "Cisco Systems, Inc. IP Phone CP-7999G\0"), m);
	enum model_proto proto;
	struct model_version v;
	assert_ptr_equal(models_parse_load_id(&f->ms, "SIP99.9-4-2SR1-1S", &proto, &v), m);
	/* the built-in models are all still there, untouched */
	for (int i = 0; i < NBUILTIN; i++) {
		assert_string_equal(f->ms.m[i].id, builtin_ids[i]);
		assert_string_equal(f->ms.m[i].source, "built-in");
	}
}

static void admin_key_overrides_only_that_key(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load_admin(f, "; a longer password works on our 7906s\n[7906]\nsip_password_max = 20\n"), 0);
	assert_int_equal(f->ms.n, NBUILTIN);
	const struct model *m = find(f, "7906");
	assert_model(m, "7906");
	assert_int_equal(m->sip_password_max, 20);
	assert_string_equal(m->source, f->path);
	assert_string_equal(m->family, "11");
	assert_string_equal(m->default_loads, "term06.default.loads");
	assert_string_equal(m->sip_prefix, "SIP11");
	assert_int_equal(m->device_type, 369);
	assert_int_equal(m->label_max, 12);
	assert_int_equal(m->nnames, 3);
	assert_version_str(&m->bridge_to, "8.5(2)");
	/* the 7911 shares the family, not the override */
	m = find(f, "7911");
	assert_int_equal(m->sip_password_max, 12);
	assert_string_equal(m->source, "built-in");
}

static void admin_none_clears_an_optional_key(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load_admin(f, "[7906]\ndefault_loads = none\nsip_prefix = none\nlocale_jar = none\n"), 0);
	const struct model *m = find(f, "7906");
	assert_null(m->default_loads);
	assert_null(m->sip_prefix);
	assert_null(m->locale_jar);
	assert_string_equal(m->sccp_prefix, "SCCP11");
}

static void admin_names_replace_the_list(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load_admin(f, "[7906]\nnames = 7906, desk-phone\n"), 0);
	const struct model *m = find(f, "desk-phone");
	assert_model(m, "7906");
	assert_int_equal(m->nnames, 2);
	assert_null(find(f, "7906G"));
}

static void new_model_without_family_is_refused_naming_file_model_and_key(void **state)
{
	struct fixture *f = *state;
	assert_refused(f,
		       "[7999]\nnames = 7999\nconfig_family = none\nsip_password_max = 12\n"
		       "label_max = 12\nname_max = 30\n",
		       "[7999]", "family", NULL);
	assert_refused(f, "[7999]\nfamily = 99\n", "[7999]", "names", NULL);
	assert_refused(f, "[7999]\nnames = 7999\nfamily = 99\nconfig_family = none\nlabel_max = 12\nname_max = 30\n",
		       "[7999]", "sip_password_max", NULL);
}

static void unknown_key_is_refused_at_its_line_naming_it(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[7906]\nsip_password_max = 20\npassword_max = 20\n", 3, "[7906]",
			  "password_max", "unknown key", NULL);
}

static void bad_values_are_refused_at_their_line(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[7906]\nsip_password_max = 0\n", 2, "sip_password_max", "0", NULL);
	assert_refused_at(f, "[7906]\nsip_password_max = 129\n", 2, "sip_password_max", NULL);
	assert_refused_at(f, "[7906]\nsip_password_max = 12x\n", 2, "sip_password_max", NULL);
	assert_refused_at(f, "[7906]\nlabel_max = 20\n\nconfig_family = sccp\n", 4, "config_family", "sccp",
			  NULL);
	assert_refused_at(f, "[7906]\nbridge_from = banana\n", 2, "bridge_from", "banana", NULL);
	assert_refused_at(f, "[7906]\nbridge_before = 9.0(\n", 2, "bridge_before", NULL);
	assert_refused_at(f, "[7906]\ndevice_type = -1\n", 2, "device_type", NULL);
	assert_refused_at(f, "[7906]\nfamily = 1/1\n", 2, "family", NULL);
	assert_refused_at(f, "[7906]\ndefault_loads = ../term06.default.loads\n", 2, "default_loads", NULL);
	assert_refused_at(f, "[7906]\nnames =\n", 2, "names", NULL);
	assert_refused_at(f, "[7906]\nvci = CP-7906G/x\n", 2, "vci", NULL);
	assert_refused_at(f, "[7906]\nnames = a,b,c,d,e,f,g,h,i\n", 2, "names", NULL);
}

static void first_error_wins(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[7906]\nlabel_max = 0\nbogus = 1\n", 2, "label_max", NULL);
}

static void bridge_keys_given_only_in_part_are_refused(void **state)
{
	struct fixture *f = *state;
	char text[1024];
	/* 7999 without its bridge_to */
	const char *cut = strstr(model_7999, "bridge_to");
	snprintf(text, sizeof(text), "%.*s%s", (int)(cut - model_7999), model_7999,
		 "bridge_before = 9.2(3)\n");
	assert_refused(f, text, "[7999]", "bridge_from, bridge_to and bridge_before go together", NULL);
	/* only bridge_before */
	cut = strstr(model_7999, "bridge_from");
	snprintf(text, sizeof(text), "%.*s%s", (int)(cut - model_7999), model_7999,
		 "bridge_before = 9.2(3)\n");
	assert_refused(f, text, "[7999]", "go together", NULL);
	/* a bridge for the 7940, which has none, given in part */
	assert_refused(f, "[7940]\nbridge_from = 8.0(0)\n", "[7940]", "go together", NULL);
}

static void bridge_from_after_bridge_to_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused(f, "[7906]\nbridge_from = 8.6(0)\n", "[7906]", "bridge_from <= bridge_to", NULL);
	assert_refused(f, "[7906]\nbridge_to = 9.0(0)\n", "[7906]", "bridge_to < bridge_before", NULL);
	/* from == to is one load, and fine */
	assert_int_equal(load_admin(f, "[7906]\nbridge_from = 8.5(2)\n"), 0);
	assert_version_str(&find(f, "7906")->bridge_from, "8.5(2)");
}

static void key_outside_a_section_is_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "; models\nsip_password_max = 20\n[7906]\n", 2, "sip_password_max",
			  "outside", NULL);
}

static void bad_section_name_and_non_ini_line_are_refused(void **state)
{
	struct fixture *f = *state;
	assert_refused_at(f, "[7906]\nlabel_max = 12\n[79/06]\n", 3, "79/06", NULL);
	assert_refused_at(f, "[7906]\nlabel_max 12\n", 2, "not an INI line", NULL);
}

static void line_longer_than_the_limit_is_refused(void **state)
{
	struct fixture *f = *state;
	char text[600];
	int n = snprintf(text, sizeof(text), "[7906]\nnames = 7906");
	while (n < 400)
		n += snprintf(text + n, sizeof(text) - (size_t)n, ",n%d", n);
	snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	assert_refused_at(f, text, 2, "longer than", NULL);
}

/* Every test gets a fresh table: TB the built-in one, TE none yet. */
#define TB(fn) cmocka_unit_test_setup_teardown(fn, setup_builtin, teardown)
#define TE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TE(builtin_table_has_the_16_models_of_data_models_conf),
		TE(admin_file_that_does_not_exist_leaves_the_builtin_table),
		TE(free_twice_is_harmless),
		TB(model_7906_has_every_fact_of_cisco_facts),
		TB(model_7911_differs_from_7906_in_term_file_and_device_type),
		TB(models_7940_and_7931_have_no_loads_file_bridge_or_sip),
		TB(find_by_id_any_name_or_vci_ignoring_case),
		TB(find_vci_takes_the_model_token_at_the_end),
		TB(find_vci_prefers_the_longest_whole_token),
		TB(find_vci_without_a_model_token_is_null),
		TE(parse_version_reads_marketing_versions),
		TE(parse_version_refuses_malformed_versions),
		TE(versions_order_by_numbers_then_sr),
		TE(version_text_is_the_marketing_form),
		TB(load_ids_give_family_protocol_and_version),
		TB(load_id_returns_the_first_model_of_the_family),
		TB(unknown_prefix_or_garbage_version_is_null),
		TB(load_id_with_more_digit_pairs_than_a_version_holds_is_null),
		TE(proto_names),
		TE(admin_path_that_is_a_directory_is_an_error),
		TE(admin_file_adds_a_new_model),
		TE(admin_key_overrides_only_that_key),
		TE(admin_none_clears_an_optional_key),
		TE(admin_names_replace_the_list),
		TE(new_model_without_family_is_refused_naming_file_model_and_key),
		TE(unknown_key_is_refused_at_its_line_naming_it),
		TE(bad_values_are_refused_at_their_line),
		TE(first_error_wins),
		TE(bridge_keys_given_only_in_part_are_refused),
		TE(bridge_from_after_bridge_to_is_refused),
		TE(key_outside_a_section_is_refused),
		TE(bad_section_name_and_non_ini_line_are_refused),
		TE(line_longer_than_the_limit_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
