/* test-health.c — the upstream health state machine, on a made-up clock
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pool/sy-health.h"

#define S(x) ((gint64) (x) * G_USEC_PER_SEC)

/* 3 failures in 10 s → DOWN; 2 successes to recover; checks every 60 s;
 * back-off 5 s doubling to at most 40 s. */
static const SyHealthParams params = {
  .fail_threshold = 3,
  .fail_window_us = S (10),
  .recover_threshold = 2,
  .interval_us = S (60),
  .backoff_initial_us = S (5),
  .backoff_max_us = S (40),
};

#define ACTIVE  TRUE
#define PASSIVE FALSE

static SyHealth *
new_up_at (gint64 t)
{
  SyHealth *health = sy_health_new (&params, TRUE, t);

  g_assert_true (sy_health_record_success (health, ACTIVE, t));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UP);
  return health;
}

static SyHealth *
new_down_at (gint64 t)
{
  SyHealth *health = new_up_at (t);

  sy_health_record_failure (health, PASSIVE, t);
  sy_health_record_failure (health, PASSIVE, t);
  g_assert_true (sy_health_record_failure (health, PASSIVE, t));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_DOWN);
  return health;
}

static void
test_health_unknown_to_up (void)
{
  g_autoptr(SyHealth) health = sy_health_new (&params, TRUE, S (100));

  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UNKNOWN);
  g_assert_true (sy_health_is_eligible (health));
  /* A new upstream is checked at once. */
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (100));
  g_assert_true (sy_health_is_check_due (health, S (100)));

  g_assert_true (sy_health_record_success (health, ACTIVE, S (101)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UP);
  g_assert_true (sy_health_is_eligible (health));
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (161));
  g_assert_false (sy_health_is_check_due (health, S (160)));
  g_assert_true (sy_health_is_check_due (health, S (161)));

  /* Further successes change nothing but the schedule (active only). */
  g_assert_false (sy_health_record_success (health, PASSIVE, S (130)));
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (161));
  g_assert_false (sy_health_record_success (health, ACTIVE, S (161)));
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (221));
}

/* A passive success (a dial went through) also proves an unknown upstream. */
static void
test_health_unknown_passive_success (void)
{
  g_autoptr(SyHealth) health = sy_health_new (&params, TRUE, 0);

  g_assert_true (sy_health_record_success (health, PASSIVE, S (1)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UP);
}

static void
test_health_unknown_fails_down (void)
{
  g_autoptr(SyHealth) health = sy_health_new (&params, TRUE, 0);

  g_assert_false (sy_health_record_failure (health, ACTIVE, S (0)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UNKNOWN);
  g_assert_true (sy_health_is_eligible (health));
  /* A failed check is repeated at the back-off pace, not after 60 s. */
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (5));

  g_assert_false (sy_health_record_failure (health, ACTIVE, S (5)));
  g_assert_true (sy_health_record_failure (health, ACTIVE, S (10) - 1));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_DOWN);
  g_assert_false (sy_health_is_eligible (health));
}

static void
test_health_threshold_in_window (void)
{
  g_autoptr(SyHealth) health = new_up_at (0);

  g_assert_false (sy_health_record_failure (health, PASSIVE, S (1)));
  g_assert_cmpuint (sy_health_get_failures (health, S (1)), ==, 1);
  g_assert_false (sy_health_record_failure (health, PASSIVE, S (2)));
  g_assert_cmpuint (sy_health_get_failures (health, S (2)), ==, 2);
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UP);

  /* Passive failures do not move the check schedule. */
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (60));

  g_assert_true (sy_health_record_failure (health, PASSIVE, S (3)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_DOWN);
  g_assert_cmpuint (sy_health_get_failures (health, S (3)), ==, 0);
}

static void
test_health_window_expiry (void)
{
  g_autoptr(SyHealth) health = new_up_at (0);

  sy_health_record_failure (health, PASSIVE, S (0));
  sy_health_record_failure (health, PASSIVE, S (6));
  /* t=0 leaves the 10 s window exactly at t=10. */
  g_assert_cmpuint (sy_health_get_failures (health, S (10) - 1), ==, 2);
  g_assert_cmpuint (sy_health_get_failures (health, S (10)), ==, 1);

  g_assert_false (sy_health_record_failure (health, PASSIVE, S (11)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UP);
  g_assert_cmpuint (sy_health_get_failures (health, S (11)), ==, 2);

  /* 6, 11, 12 are inside one window. */
  g_assert_true (sy_health_record_failure (health, PASSIVE, S (12)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_DOWN);
}

static void
test_health_sparse_failures_stay_up (void)
{
  g_autoptr(SyHealth) health = new_up_at (0);

  for (guint i = 1; i <= 20; i++)
    g_assert_false (sy_health_record_failure (health, PASSIVE, S (i * 6)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UP);
}

static void
test_health_success_resets_failures (void)
{
  g_autoptr(SyHealth) health = new_up_at (0);

  sy_health_record_failure (health, PASSIVE, S (1));
  sy_health_record_failure (health, PASSIVE, S (2));
  g_assert_false (sy_health_record_success (health, PASSIVE, S (3)));
  g_assert_cmpuint (sy_health_get_failures (health, S (3)), ==, 0);

  g_assert_false (sy_health_record_failure (health, PASSIVE, S (4)));
  g_assert_false (sy_health_record_failure (health, PASSIVE, S (5)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UP);
  g_assert_true (sy_health_record_failure (health, PASSIVE, S (6)));
}

static void
test_health_backoff_doubles_and_caps (void)
{
  g_autoptr(SyHealth) health = new_down_at (S (100));
  const gint64 waits[] = { 10, 20, 40, 40, 40 };
  gint64 t;

  /* First re-check backoff_initial after the fall. */
  t = sy_health_get_next_check_at (health);
  g_assert_cmpint (t, ==, S (105));
  g_assert_false (sy_health_is_check_due (health, S (105) - 1));
  g_assert_true (sy_health_is_check_due (health, S (105)));

  for (guint i = 0; i < G_N_ELEMENTS (waits); i++)
    {
      g_assert_false (sy_health_record_failure (health, ACTIVE, t));
      g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_DOWN);
      g_assert_cmpint (sy_health_get_next_check_at (health), ==, t + S (waits[i]));
      t += S (waits[i]);
    }
}

/* In-flight dials failing after the fall must not stretch the back-off. */
static void
test_health_passive_failure_while_down (void)
{
  g_autoptr(SyHealth) health = new_down_at (0);

  for (guint i = 0; i < 10; i++)
    g_assert_false (sy_health_record_failure (health, PASSIVE, S (1)));
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (5));

  /* But a passive failure breaks a run of successes. */
  g_assert_false (sy_health_record_success (health, ACTIVE, S (5)));
  g_assert_false (sy_health_record_failure (health, PASSIVE, S (6)));
  g_assert_false (sy_health_record_success (health, ACTIVE, S (10)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_DOWN);
  g_assert_true (sy_health_record_success (health, ACTIVE, S (15)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UP);
}

static void
test_health_recovery_threshold (void)
{
  g_autoptr(SyHealth) health = new_down_at (0);

  /* Back off to 20 s first. */
  sy_health_record_failure (health, ACTIVE, S (5));
  sy_health_record_failure (health, ACTIVE, S (15));
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (35));

  /* One success is not enough; the next check comes soon again. */
  g_assert_false (sy_health_record_success (health, ACTIVE, S (35)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_DOWN);
  g_assert_false (sy_health_is_eligible (health));
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (40));

  /* A failure in between starts the count over (and backs off again). */
  g_assert_false (sy_health_record_failure (health, ACTIVE, S (40)));
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (50));
  g_assert_false (sy_health_record_success (health, ACTIVE, S (50)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_DOWN);

  g_assert_true (sy_health_record_success (health, ACTIVE, S (55)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UP);
  g_assert_true (sy_health_is_eligible (health));
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (115));
  g_assert_cmpuint (sy_health_get_failures (health, S (55)), ==, 0);

  /* Falling again starts the back-off from the beginning. */
  sy_health_record_failure (health, PASSIVE, S (60));
  sy_health_record_failure (health, PASSIVE, S (60));
  g_assert_true (sy_health_record_failure (health, PASSIVE, S (60)));
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (65));
}

static void
test_health_disable_enable (void)
{
  g_autoptr(SyHealth) health = new_down_at (0);

  g_assert_true (sy_health_set_enabled (health, FALSE, S (1)));
  g_assert_false (sy_health_set_enabled (health, FALSE, S (1)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_DISABLED);
  g_assert_false (sy_health_is_eligible (health));
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, SY_HEALTH_NEVER);
  g_assert_false (sy_health_is_check_due (health, G_MAXINT64));

  /* Results are ignored while disabled. */
  g_assert_false (sy_health_record_success (health, ACTIVE, S (2)));
  g_assert_false (sy_health_record_success (health, ACTIVE, S (3)));
  g_assert_false (sy_health_record_failure (health, ACTIVE, S (4)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_DISABLED);

  /* Enabled again it starts over, checked at once. */
  g_assert_true (sy_health_set_enabled (health, TRUE, S (10)));
  g_assert_false (sy_health_set_enabled (health, TRUE, S (10)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_UNKNOWN);
  g_assert_true (sy_health_is_eligible (health));
  g_assert_true (sy_health_is_check_due (health, S (10)));
  g_assert_cmpuint (sy_health_get_failures (health, S (10)), ==, 0);

  /* Created disabled. */
  {
    g_autoptr(SyHealth) off = sy_health_new (&params, FALSE, 0);

    g_assert_cmpint (sy_health_get_state (off), ==, SY_HEALTH_DISABLED);
    g_assert_true (sy_health_set_enabled (off, TRUE, S (1)));
    g_assert_cmpint (sy_health_get_next_check_at (off), ==, S (1));
  }
}

static void
test_health_set_params (void)
{
  g_autoptr(SyHealth) health = new_up_at (0);
  SyHealthParams shorter = params;
  SyHealthParams lower = params;

  /* A shorter interval applies at once. */
  shorter.interval_us = S (10);
  sy_health_set_params (health, &shorter, S (5));
  g_assert_cmpint (sy_health_get_next_check_at (health), ==, S (15));

  /* Counted failures survive, and a lower threshold counts them. */
  sy_health_record_failure (health, PASSIVE, S (6));
  sy_health_record_failure (health, PASSIVE, S (7));
  lower.fail_threshold = 1;
  sy_health_set_params (health, &lower, S (8));
  g_assert_cmpuint (sy_health_get_failures (health, S (8)), ==, 1);
  g_assert_true (sy_health_record_failure (health, PASSIVE, S (9)));
  g_assert_cmpint (sy_health_get_state (health), ==, SY_HEALTH_DOWN);
}

static void
test_health_params_from_config (void)
{
  SyHealthCheckConfig config = {
    .interval_s = 2,
    .fail_threshold = 0,
    .fail_window_s = 30,
    .recover_threshold = 4,
    .backoff_initial_s = 1,
    .backoff_max_s = 0,
  };
  SyHealthParams out;

  /* 100 ms "seconds", as the interop tests use. */
  sy_health_params_from_config (&out, &config, 100000);
  g_assert_cmpuint (out.fail_threshold, ==, 1);
  g_assert_cmpint (out.fail_window_us, ==, 3000000);
  g_assert_cmpuint (out.recover_threshold, ==, 4);
  g_assert_cmpint (out.interval_us, ==, 200000);
  g_assert_cmpint (out.backoff_initial_us, ==, 100000);
  g_assert_cmpint (out.backoff_max_us, ==, 100000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/health/unknown-to-up", test_health_unknown_to_up);
  g_test_add_func ("/core/health/unknown-passive-success", test_health_unknown_passive_success);
  g_test_add_func ("/core/health/unknown-fails-down", test_health_unknown_fails_down);
  g_test_add_func ("/core/health/threshold-in-window", test_health_threshold_in_window);
  g_test_add_func ("/core/health/window-expiry", test_health_window_expiry);
  g_test_add_func ("/core/health/sparse-failures-stay-up", test_health_sparse_failures_stay_up);
  g_test_add_func ("/core/health/success-resets-failures", test_health_success_resets_failures);
  g_test_add_func ("/core/health/backoff-doubles-and-caps", test_health_backoff_doubles_and_caps);
  g_test_add_func ("/core/health/passive-failure-while-down", test_health_passive_failure_while_down);
  g_test_add_func ("/core/health/recovery-threshold", test_health_recovery_threshold);
  g_test_add_func ("/core/health/disable-enable", test_health_disable_enable);
  g_test_add_func ("/core/health/set-params", test_health_set_params);
  g_test_add_func ("/core/health/params-from-config", test_health_params_from_config);

  return g_test_run ();
}
