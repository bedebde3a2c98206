/* Unit tests for tftp_batch_period: when the ring's loop waits for several
 * ACKs before it wakes, for how many and how long. The rules: only under load
 * (on above half a CPU, off below a quarter, kept in between), at most half a
 * round trip and 1 ms, as many ACKs as come in that time, at most 64, and
 * never 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tftp.h"

static void idle_loop_answers_every_ack_at_once(void **state)
{
	(void)state;
	/* 50 phones, 25,000 ACKs a second, 2 ms a block, loop at 10 % of a CPU */
	struct tftp_batch b = tftp_batch_period(0, 100, 250, 10000, 2000);
	assert_int_equal(b.on, 0);
	assert_int_equal(b.n, 1);
}

static void busy_loop_waits_for_what_half_a_round_trip_brings(void **state)
{
	(void)state;
	/* 100,000 ACKs a second, round trip 600 us: 300 us bring 30 ACKs */
	struct tftp_batch b = tftp_batch_period(0, 700, 1000, 10000, 600);
	assert_int_equal(b.on, 1);
	assert_int_equal(b.us, 300);
	assert_int_equal(b.n, 30);
}

static void wait_is_capped_at_1_ms_and_64_acks(void **state)
{
	(void)state;
	struct tftp_batch b = tftp_batch_period(1, 900, 5000, 10000, 40000);
	assert_int_equal(b.us, 1000);
	assert_int_equal(b.n, 64);
}

static void load_between_a_quarter_and_a_half_keeps_the_last_choice(void **state)
{
	(void)state;
	assert_int_equal(tftp_batch_period(1, 400, 1000, 10000, 2000).on, 1);
	assert_int_equal(tftp_batch_period(0, 400, 1000, 10000, 2000).on, 0);
	assert_int_equal(tftp_batch_period(1, 249, 1000, 10000, 2000).on, 0);
	assert_int_equal(tftp_batch_period(0, 500, 1000, 10000, 2000).on, 1);
}

static void few_acks_or_no_time_never_make_a_wait_for_none(void **state)
{
	(void)state;
	struct tftp_batch b = tftp_batch_period(1, 900, 1, 10000, 2000);
	assert_int_equal(b.n, 1);
	b = tftp_batch_period(1, 900, 1000, 0, 2000);
	assert_int_equal(b.n, 1);
	b = tftp_batch_period(1, 900, 1000, 10000, 0); /* no round trip measured yet */
	assert_int_equal(b.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(idle_loop_answers_every_ack_at_once),
		cmocka_unit_test(busy_loop_waits_for_what_half_a_round_trip_brings),
		cmocka_unit_test(wait_is_capped_at_1_ms_and_64_acks),
		cmocka_unit_test(load_between_a_quarter_and_a_half_keeps_the_last_choice),
		cmocka_unit_test(few_acks_or_no_time_never_make_a_wait_for_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
