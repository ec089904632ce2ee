/* sy-credentials.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-credentials"

#include <string.h>

#include "sy-credentials.h"

#define DIGEST_LENGTH 32   /* SHA-256 */

/* A random key for the lifetime of the process: the digests compared below
 * are then unpredictable to a client, so timing of the final comparison
 * cannot be steered byte by byte towards the real password. */
static const guint8 *
hmac_key (void)
{
  static guint8 key[32];
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      for (guint i = 0; i < G_N_ELEMENTS (key); i += 4)
        {
          guint32 r = g_random_int ();

          memcpy (key + i, &r, 4);
        }
      g_once_init_leave (&initialised, 1);
    }

  return key;
}

static void
digest (const guint8 *data,
        gsize         length,
        guint8        out[DIGEST_LENGTH])
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, hmac_key (), 32);
  gsize out_length = DIGEST_LENGTH;

  g_hmac_update (hmac, data, length);
  g_hmac_get_digest (hmac, out, &out_length);
  g_assert (out_length == DIGEST_LENGTH);
}

/* OR of all byte differences: no branch depends on the data. */
static guint8
digest_difference (const guint8 a[DIGEST_LENGTH],
                   const guint8 b[DIGEST_LENGTH])
{
  volatile guint8 difference = 0;

  for (guint i = 0; i < DIGEST_LENGTH; i++)
    difference |= a[i] ^ b[i];

  return difference;
}

gboolean
sy_credentials_required (const char *expected_username,
                         const char *expected_password)
{
  return (expected_username != NULL && expected_username[0] != '\0') ||
         (expected_password != NULL && expected_password[0] != '\0');
}

gboolean
sy_credentials_check (const char   *expected_username,
                      const char   *expected_password,
                      const guint8 *username,
                      gsize         username_len,
                      const guint8 *password,
                      gsize         password_len)
{
  guint8 want_user[DIGEST_LENGTH], got_user[DIGEST_LENGTH];
  guint8 want_pass[DIGEST_LENGTH], got_pass[DIGEST_LENGTH];
  guint8 difference;

  g_return_val_if_fail (username != NULL || username_len == 0, FALSE);
  g_return_val_if_fail (password != NULL || password_len == 0, FALSE);

  if (expected_username == NULL)
    expected_username = "";
  if (expected_password == NULL)
    expected_password = "";

  /* Hashing makes the comparison length-independent: a shorter or longer
   * guess costs the same as a right-length one, and both halves are always
   * computed so the time does not tell which of the two was wrong. */
  digest ((const guint8 *) expected_username, strlen (expected_username), want_user);
  digest (username, username_len, got_user);
  digest ((const guint8 *) expected_password, strlen (expected_password), want_pass);
  digest (password, password_len, got_pass);

  difference = digest_difference (want_user, got_user) | digest_difference (want_pass, got_pass);

  sy_credentials_wipe (want_pass, sizeof want_pass);
  sy_credentials_wipe (got_pass, sizeof got_pass);

  return difference == 0;
}

/* RFC 4648 §4 alphabet with padding only at the end; g_base64_decode()
 * silently skips anything else, which would let garbage through. */
static gboolean
is_strict_base64 (const char *text,
                  gsize       length)
{
  gsize padding = 0;

  if (length == 0 || length % 4 != 0)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (c == '=')
        {
          padding++;
          continue;
        }
      if (padding > 0)
        return FALSE;
      if (!g_ascii_isalnum (c) && c != '+' && c != '/')
        return FALSE;
    }

  return padding <= 2;
}

gboolean
sy_credentials_parse_basic (const char  *header_value,
                            char       **username,
                            char       **password)
{
  const char *p;
  const char *end;
  char *token;
  guchar *decoded;
  gsize decoded_length = 0;
  const char *colon;

  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  *username = NULL;
  *password = NULL;

  if (header_value == NULL)
    return FALSE;

  p = header_value;
  while (*p == ' ' || *p == '\t')
    p++;
  /* RFC 7235 §2.1: the auth-scheme is case-insensitive. */
  if (g_ascii_strncasecmp (p, "Basic", 5) != 0 || (p[5] != ' ' && p[5] != '\t'))
    return FALSE;
  p += 5;
  while (*p == ' ' || *p == '\t')
    p++;

  end = p + strlen (p);
  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;

  if (!is_strict_base64 (p, end - p))
    return FALSE;

  token = g_strndup (p, end - p);
  decoded = g_base64_decode (token, &decoded_length);
  sy_credentials_wipe_string (token);
  g_free (token);

  /* RFC 7617 §2: user-id cannot contain ':'; the password may. A NUL would
   * cut the C strings short and compare something other than was sent. */
  colon = decoded != NULL ? memchr (decoded, ':', decoded_length) : NULL;
  if (colon == NULL || memchr (decoded, '\0', decoded_length) != NULL)
    {
      if (decoded != NULL)
        sy_credentials_wipe (decoded, decoded_length);
      g_free (decoded);
      return FALSE;
    }

  *username = g_strndup ((const char *) decoded, colon - (const char *) decoded);
  *password = g_strndup (colon + 1, decoded_length - (colon + 1 - (const char *) decoded));

  sy_credentials_wipe (decoded, decoded_length);
  g_free (decoded);

  return TRUE;
}

void
sy_credentials_wipe (gpointer data,
                     gsize    length)
{
  if (data != NULL && length > 0)
    explicit_bzero (data, length);
}

void
sy_credentials_wipe_string (char *string)
{
  if (string != NULL)
    sy_credentials_wipe (string, strlen (string));
}
