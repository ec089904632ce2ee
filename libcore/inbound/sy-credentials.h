/* sy-credentials.h — checking a client's username and password
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when an inbound with these settings must authenticate its clients:
 * a non-empty username or password is configured. */
gboolean  sy_credentials_required      (const char   *expected_username,
                                        const char   *expected_password);

/* Compares the offered username and password with the expected ones in time
 * that depends only on the lengths of the expected values, never on where
 * the first difference is or on which of the two is wrong. %NULL expected
 * values count as "". */
gboolean  sy_credentials_check         (const char   *expected_username,
                                        const char   *expected_password,
                                        const guint8 *username,
                                        gsize         username_len,
                                        const guint8 *password,
                                        gsize         password_len);

/* Decodes a "Basic <base64(user:pass)>" Proxy-Authorization value (RFC 7617).
 * The scheme is case-insensitive; the password may contain ':'. Returns
 * FALSE for any other scheme or for malformed base64. The caller owns the
 * strings and should wipe the password with sy_credentials_wipe_string(). */
gboolean  sy_credentials_parse_basic   (const char   *header_value,
                                        char        **username,
                                        char        **password);

/* Overwrites a secret in place before it is freed. */
void      sy_credentials_wipe          (gpointer      data,
                                        gsize         length);
void      sy_credentials_wipe_string   (char         *string);

G_END_DECLS
