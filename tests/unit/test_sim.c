/* Unit tests for the simulated phone's rules (sim.h): the bootloader rule of
 * the built-in 7906 (a load older than 8.3(3), or an unknown one, refuses 9.x
 * and takes 8.5(2); 8.3(3) and later take 9.x; a model without a bridge, the
 * 7940, takes anything), and the load a .loads image list stands for: through
 * the built-in known-firmware list (fw_known_open(NULL, ...)), else from the
 * release line or the images' own version, the protocol from the jar/cvm
 * names; a list that names no version is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware.h"
#include "models.h"
#include "sim.h"

static const char *const sip942[] = {
	"jar11sip.9-4-2ES9.sbn", "cnu11.9-4-2ES9.sbn", "apps11.9-4-2ES9.sbn",
	"dsp11.9-4-2ES9.sbn",    "cvm11sip.9-4-2ES9.sbn",
};
static const char *const sccp852[] = {
	"jar11sccp.8-5-2TH1-9.sbn", "cnu11.8-5-2TH1-9.sbn", "apps11.8-5-2TH1-9.sbn",
	"dsp11.8-5-2TH1-9.sbn",     "cvm11sccp.8-5-2TH1-9.sbn",
};
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

struct fixture {
	struct models ms;
	struct fw_known *known;
	const struct model *m7906, *m7940;
	char err[1024];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	*state = f;
	if (models_load(&f->ms, NULL, f->err, sizeof(f->err)) < 0) {
		fprintf(stderr, "models_load: %s\n", f->err);
		return -1;
	}
	f->known = fw_known_open(NULL, f->err, sizeof(f->err));
	if (!f->known) {
		fprintf(stderr, "fw_known_open: %s\n", f->err);
		return -1;
	}
	f->m7906 = models_find(&f->ms, "7906");
	f->m7940 = models_find(&f->ms, "7940");
	if (!f->m7906 || !f->m7940) {
		fprintf(stderr, "no 7906 or 7940 in the built-in table\n");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->known)
		fw_known_close(f->known);
	models_free(&f->ms);
	free(f);
	return 0;
}

static struct model_version ver(const char *s)
{
	struct model_version v;
	if (models_parse_version(s, &v) < 0)
		fail_msg("models_parse_version(\"%s\") failed", s);
	return v;
}

static void assert_version_str(const struct model_version *v, const char *want)
{
	char buf[64];
	assert_int_equal(v->set, 1);
	models_version_str(v, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static int accepts(const struct fixture *f, const struct model *m, const char *current, const char *offered)
{
	struct model_version v = ver(offered);
	return sim_bootloader_accepts(m, &f->ms, current, &v);
}

/* ---- the bootloader rule ---- */

static void the_7906_has_the_8_3_3_bridge(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(f->m7906->bridge_from.set, 1);
	assert_version_str(&f->m7906->bridge_from, "8.3(3)");
	assert_version_str(&f->m7906->bridge_to, "8.5(2)");
	assert_int_equal(f->m7940->bridge_from.set, 0);
}

static void sccp_8_3_1_refuses_9_4_2_and_takes_8_5_2(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(accepts(f, f->m7906, "SCCP11.8-3-1S", "9.4(2)"), 0);
	assert_int_equal(accepts(f, f->m7906, "SCCP11.8-3-1S", "9.4(2)SR1"), 0);
	assert_int_equal(accepts(f, f->m7906, "SCCP11.8-3-1S", "9.0(0)"), 0);
	assert_int_equal(accepts(f, f->m7906, "SCCP11.8-3-1S", "8.5(2)"), 1);
	assert_int_equal(accepts(f, f->m7906, "SCCP11.8-3-1S", "8.3(3)"), 1);
}

static void sccp_8_5_2_and_8_3_3sr2_take_9_4_2(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(accepts(f, f->m7906, "SCCP11.8-5-2S", "9.4(2)"), 1);
	assert_int_equal(accepts(f, f->m7906, "SCCP11.8-5-2S", "9.4(2)SR1"), 1);
	assert_int_equal(accepts(f, f->m7906, "SCCP11.8-3-3SR2S", "9.4(2)"), 1);
	assert_int_equal(accepts(f, f->m7906, "SCCP11.8-5-2S", "8.5(2)"), 1);
}

static void unknown_load_refuses_9_x_and_takes_8_5_2(void **state)
{
	struct fixture *f = *state;
	const char *unknown[] = {NULL, "", "term06.default", "garbage", "SIP99.x"};
	for (int i = 0; i < N(unknown); i++) {
		if (accepts(f, f->m7906, unknown[i], "9.4(2)") != 0)
			fail_msg("current load \"%s\" takes 9.4(2)", unknown[i] ? unknown[i] : "(null)");
		if (accepts(f, f->m7906, unknown[i], "9.0(0)") != 0)
			fail_msg("current load \"%s\" takes 9.0(0)", unknown[i] ? unknown[i] : "(null)");
		if (accepts(f, f->m7906, unknown[i], "8.5(2)") != 1)
			fail_msg("current load \"%s\" refuses 8.5(2)", unknown[i] ? unknown[i] : "(null)");
	}
}

static void a_model_without_a_bridge_takes_anything(void **state)
{
	struct fixture *f = *state;
	const char *cur[] = {NULL, "", "P0030801SR02", "garbage", "SCCP11.8-3-1S"};
	for (int i = 0; i < N(cur); i++) {
		if (accepts(f, f->m7940, cur[i], "9.4(2)") != 1)
			fail_msg("7940 on \"%s\" refuses 9.4(2)", cur[i] ? cur[i] : "(null)");
		if (accepts(f, f->m7940, cur[i], "8.12(0)") != 1)
			fail_msg("7940 on \"%s\" refuses 8.12(0)", cur[i] ? cur[i] : "(null)");
	}
}

/* ---- the load a .loads list stands for ---- */

static void sip_9_4_2_images_are_sip11_9_4_2sr1_through_the_known_list(void **state)
{
	struct fixture *f = *state;
	char id[64] = "";
	struct model_version v;
	assert_int_equal(sim_offered_load(&f->ms, f->known, f->m7906, sip942, N(sip942), "9-4-2ES9", id, sizeof(id),
					  &v),
			 0);
	assert_string_equal(id, "SIP11.9-4-2SR1-1S");
	assert_int_equal(v.v[0], 9);
	assert_int_equal(v.v[1], 4);
	assert_int_equal(v.v[2], 2);
	assert_int_equal(v.sr, 1);
	/* without the release line the known list still names it */
	memset(id, 0, sizeof(id));
	assert_int_equal(sim_offered_load(&f->ms, f->known, f->m7906, sip942, N(sip942), NULL, id, sizeof(id), &v), 0);
	assert_string_equal(id, "SIP11.9-4-2SR1-1S");
	/* one known image is enough, wherever it is in the list */
	const char *one[] = {"unknown.1-2-3.sbn", "cvm11sip.9-4-2ES9.sbn"};
	memset(id, 0, sizeof(id));
	assert_int_equal(sim_offered_load(&f->ms, f->known, f->m7906, one, N(one), NULL, id, sizeof(id), &v), 0);
	assert_string_equal(id, "SIP11.9-4-2SR1-1S");
}

static void sccp_8_5_2_images_are_sccp11_8_5_2s(void **state)
{
	struct fixture *f = *state;
	char id[64] = "";
	struct model_version v;
	assert_int_equal(sim_offered_load(&f->ms, f->known, f->m7906, sccp852, N(sccp852), "8-5-2TH1-9", id,
					  sizeof(id), &v),
			 0);
	assert_string_equal(id, "SCCP11.8-5-2S");
	assert_int_equal(v.v[0], 8);
	assert_int_equal(v.v[1], 5);
	assert_int_equal(v.v[2], 2);
	/* and the bootloader of an 8.3(1) phone takes it */
	assert_int_equal(sim_bootloader_accepts(f->m7906, &f->ms, "SCCP11.8-3-1S", &v), 1);
}

static void without_the_known_list_the_release_names_the_load(void **state)
{
	struct fixture *f = *state;
	char id[64] = "";
	struct model_version v;
	assert_int_equal(sim_offered_load(&f->ms, NULL, f->m7906, sip942, N(sip942), "9-4-2ES9", id, sizeof(id), &v), 0);
	assert_string_equal(id, "SIP11.9-4-2ES9");
	assert_int_equal(v.set, 1);
	assert_int_equal(v.v[0], 9);
	assert_int_equal(v.v[1], 4);
	assert_int_equal(v.v[2], 2);
	/* an 8.3(1) phone refuses it: the admin's loop */
	assert_int_equal(sim_bootloader_accepts(f->m7906, &f->ms, "SCCP11.8-3-1S", &v), 0);
	/* the protocol comes from the jar/cvm names: SCCP images give an SCCP11 name */
	memset(id, 0, sizeof(id));
	assert_int_equal(sim_offered_load(&f->ms, NULL, f->m7906, sccp852, N(sccp852), "8-5-2TH1-9", id, sizeof(id), &v),
			 0);
	assert_string_equal(id, "SCCP11.8-5-2TH1-9");
	assert_int_equal(v.v[0], 8);
	assert_int_equal(v.v[1], 5);
	assert_int_equal(v.v[2], 2);
}

static void without_a_release_the_images_version_names_the_load(void **state)
{
	struct fixture *f = *state;
	char id[64] = "";
	struct model_version v;
	assert_int_equal(sim_offered_load(&f->ms, NULL, f->m7906, sip942, N(sip942), NULL, id, sizeof(id), &v), 0);
	assert_string_equal(id, "SIP11.9-4-2ES9");
	assert_int_equal(v.set, 1);
	assert_int_equal(v.v[0], 9);
	assert_int_equal(v.v[1], 4);
	assert_int_equal(v.v[2], 2);
	memset(id, 0, sizeof(id));
	assert_int_equal(sim_offered_load(&f->ms, NULL, f->m7906, sccp852, N(sccp852), NULL, id, sizeof(id), &v), 0);
	assert_string_equal(id, "SCCP11.8-5-2TH1-9");
	assert_int_equal(v.v[0], 8);
	assert_int_equal(v.v[1], 5);
	assert_int_equal(v.v[2], 2);
}

static void garbage_names_no_load(void **state)
{
	struct fixture *f = *state;
	char id[64];
	struct model_version v;
	const char *noext[] = {"garbage"};
	const char *words[] = {"foo.bar", "x.sbn"};
	assert_int_equal(sim_offered_load(&f->ms, f->known, f->m7906, noext, N(noext), NULL, id, sizeof(id), &v), -1);
	assert_int_equal(sim_offered_load(&f->ms, NULL, f->m7906, noext, N(noext), NULL, id, sizeof(id), &v), -1);
	assert_int_equal(sim_offered_load(&f->ms, NULL, f->m7906, words, N(words), NULL, id, sizeof(id), &v), -1);
	assert_int_equal(sim_offered_load(&f->ms, NULL, f->m7906, noext, N(noext), "not-a-version", id, sizeof(id), &v),
			 -1);
	assert_int_equal(sim_offered_load(&f->ms, NULL, f->m7906, NULL, 0, NULL, id, sizeof(id), &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_7906_has_the_8_3_3_bridge),
		cmocka_unit_test(sccp_8_3_1_refuses_9_4_2_and_takes_8_5_2),
		cmocka_unit_test(sccp_8_5_2_and_8_3_3sr2_take_9_4_2),
		cmocka_unit_test(unknown_load_refuses_9_x_and_takes_8_5_2),
		cmocka_unit_test(a_model_without_a_bridge_takes_anything),
		cmocka_unit_test(sip_9_4_2_images_are_sip11_9_4_2sr1_through_the_known_list),
		cmocka_unit_test(sccp_8_5_2_images_are_sccp11_8_5_2s),
		cmocka_unit_test(without_the_known_list_the_release_names_the_load),
		cmocka_unit_test(without_a_release_the_images_version_names_the_load),
		cmocka_unit_test(garbage_names_no_load),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
