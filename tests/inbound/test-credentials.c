/* test-credentials.c — credential comparison and Basic decoding
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "inbound/sy-credentials.h"

static gboolean
check (const char *expected_user,
       const char *expected_pass,
       const char *user,
       const char *pass)
{
  return sy_credentials_check (expected_user, expected_pass,
                               (const guint8 *) user, strlen (user),
                               (const guint8 *) pass, strlen (pass));
}

static void
test_check (void)
{
  const struct {
    const char *expected_user;
    const char *expected_pass;
    const char *user;
    const char *pass;
    gboolean    result;
  } cases[] = {
    { "alice", "s3cret", "alice", "s3cret", TRUE },
    { "alice", "s3cret", "alice", "s3creT", FALSE },
    { "alice", "s3cret", "alicE", "s3cret", FALSE },
    { "alice", "s3cret", "alice", "s3cre", FALSE },        /* prefix */
    { "alice", "s3cret", "alice", "s3crett", FALSE },      /* longer */
    { "alice", "s3cret", "alice", "", FALSE },
    { "alice", "s3cret", "", "s3cret", FALSE },
    { "alice", "s3cret", "s3cret", "alice", FALSE },       /* swapped */
    { "alice", "", "alice", "", TRUE },
    { "alice", NULL, "alice", "", TRUE },
    { "alice", "pa:ss wörd", "alice", "pa:ss wörd", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %u", i);
      g_assert_cmpint (check (cases[i].expected_user, cases[i].expected_pass,
                              cases[i].user, cases[i].pass), ==, cases[i].result);
    }

  /* embedded NUL: the offered bytes are compared whole, not as C strings */
  g_assert_false (sy_credentials_check ("alice", "pw", (const guint8 *) "alice\0x", 7,
                                        (const guint8 *) "pw", 2));
  g_assert_false (sy_credentials_check ("alice", "pw", (const guint8 *) "alice", 5,
                                        (const guint8 *) "pw\0", 3));
  g_assert_true (sy_credentials_check ("alice", "pw", (const guint8 *) "alice", 5,
                                       (const guint8 *) "pw", 2));
}

static void
test_required (void)
{
  g_assert_false (sy_credentials_required (NULL, NULL));
  g_assert_false (sy_credentials_required ("", ""));
  g_assert_false (sy_credentials_required ("", NULL));
  g_assert_true (sy_credentials_required ("u", NULL));
  g_assert_true (sy_credentials_required (NULL, "p"));
  g_assert_true (sy_credentials_required ("u", "p"));
}

static void
test_basic (void)
{
  const struct {
    const char *header;
    gboolean    ok;
    const char *user;
    const char *pass;
  } cases[] = {
    { "Basic YWxpY2U6czNjcmV0", TRUE, "alice", "s3cret" },
    { "basic YWxpY2U6czNjcmV0", TRUE, "alice", "s3cret" },          /* scheme is case-insensitive */
    { "BASIC   YWxpY2U6czNjcmV0  ", TRUE, "alice", "s3cret" },
    { "Basic YWxpY2U6cDpxOnI=", TRUE, "alice", "p:q:r" },           /* ':' in the password */
    { "Basic YWxpY2U6", TRUE, "alice", "" },
    { "Basic OnB3", TRUE, "", "pw" },
    { "Basic w7xzZXI6cMOkc3M=", TRUE, "üser", "päss" },
    { "Basic YWxpY2U=", FALSE, NULL, NULL },                         /* no colon */
    { "Basic YWxpY2U6czNjcmV0=", FALSE, NULL, NULL },                /* bad padding length */
    { "Basic YWxp!2U6czNjcmV0", FALSE, NULL, NULL },                 /* not base64 */
    { "Basic YW=xcGFz", FALSE, NULL, NULL },                         /* padding inside */
    { "Basic ", FALSE, NULL, NULL },
    { "Basic", FALSE, NULL, NULL },
    { "BasicYWxpY2U6czNjcmV0", FALSE, NULL, NULL },
    { "Bearer YWxpY2U6czNjcmV0", FALSE, NULL, NULL },
    { "Digest username=\"alice\"", FALSE, NULL, NULL },
    { "Basic YQBiOmM=", FALSE, NULL, NULL },                         /* "a\0b:c" */
    { "", FALSE, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *user = NULL;
      g_autofree char *pass = NULL;
      gboolean ok;

      g_test_message ("case %u: %s", i, cases[i].header);
      ok = sy_credentials_parse_basic (cases[i].header, &user, &pass);
      g_assert_cmpint (ok, ==, cases[i].ok);
      g_assert_cmpstr (user, ==, cases[i].user);
      g_assert_cmpstr (pass, ==, cases[i].pass);
      sy_credentials_wipe_string (pass);
    }

  {
    char *user = (char *) 1;
    char *pass = (char *) 1;

    g_assert_false (sy_credentials_parse_basic (NULL, &user, &pass));
    g_assert_null (user);
    g_assert_null (pass);
  }
}

static void
test_wipe (void)
{
  char secret[] = "hunter2";

  sy_credentials_wipe_string (secret);
  for (guint i = 0; i < sizeof secret; i++)
    g_assert_cmpint (secret[i], ==, 0);
  sy_credentials_wipe_string (NULL);
  sy_credentials_wipe (NULL, 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/credentials/check", test_check);
  g_test_add_func ("/core/credentials/required", test_required);
  g_test_add_func ("/core/credentials/basic", test_basic);
  g_test_add_func ("/core/credentials/wipe", test_wipe);

  return g_test_run ();
}
