/* Unit tests for the rules that left main.c for their subject's module:
 * models_takes_load (which models a load runs on, by the model table's
 * prefixes; `firmware show` lists them) and fw_verdict_worse (a load's
 * verdict is its worst file's; `firmware list` shows it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "firmware.h"
#include "models.h"

static void takes_load_by_the_prefix_of_the_loads_protocol(void **state)
{
	(void)state;
	struct models ms;
	char err[512];
	if (models_load(&ms, NULL, err, sizeof(err)) < 0)
		fail_msg("models_load: %s", err);
	const struct model *m7906 = models_find(&ms, "7906"), *m7931 = models_find(&ms, "7931");
	assert_non_null(m7906);
	assert_non_null(m7931);
	assert_true(models_takes_load(m7906, "SIP", "SIP11.9-4-2SR3-1S"));
	assert_true(models_takes_load(m7906, "SCCP", "SCCP11.8-5-4S"));
	/* the protocol picks the prefix: a SIP load ID filed as SCCP matches nothing */
	assert_false(models_takes_load(m7906, "SCCP", "SIP11.9-4-2SR3-1S"));
	assert_false(models_takes_load(m7906, "SIP", "SIP41.9-4-2SR3-1S"));
	/* the 7931 has no SIP firmware: no SIP load is its */
	assert_true(models_takes_load(m7931, "SCCP", "SCCP31.9-4-2SR3-1S"));
	assert_false(models_takes_load(m7931, "SIP", "SIP31.9-4-2SR3-1S"));
	models_free(&ms);
}

static void verdict_worse_ranks_mismatch_over_unknown_over_known(void **state)
{
	(void)state;
	assert_string_equal(fw_verdict_worse(FW_KNOWN, FW_KNOWN), FW_KNOWN);
	assert_string_equal(fw_verdict_worse(FW_KNOWN, FW_UNKNOWN), FW_UNKNOWN);
	assert_string_equal(fw_verdict_worse(FW_UNKNOWN, FW_KNOWN), FW_UNKNOWN);
	assert_string_equal(fw_verdict_worse(FW_UNKNOWN, FW_MISMATCH), FW_MISMATCH);
	assert_string_equal(fw_verdict_worse(FW_MISMATCH, FW_KNOWN), FW_MISMATCH);
}

static void verdict_worse_takes_a_borrowed_string_and_no_verdict(void **state)
{
	(void)state;
	char row[16];
	snprintf(row, sizeof(row), "%s", FW_MISMATCH); /* as the state file lends it */
	const char *w = fw_verdict_worse(NULL, row);
	assert_string_equal(w, FW_MISMATCH);
	assert_ptr_not_equal(w, row); /* one of the constants: it outlives the row */
	assert_string_equal(fw_verdict_worse(NULL, FW_UNKNOWN), FW_UNKNOWN);
	assert_string_equal(fw_verdict_worse(FW_UNKNOWN, NULL), FW_UNKNOWN);
	assert_string_equal(fw_verdict_worse(NULL, NULL), FW_KNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(takes_load_by_the_prefix_of_the_loads_protocol),
		cmocka_unit_test(verdict_worse_ranks_mismatch_over_unknown_over_known),
		cmocka_unit_test(verdict_worse_takes_a_borrowed_string_and_no_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
