/* sy-wg-profile-private.h — what the wg-quick and the wireproxy parsers share
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "wireguard/sy-wg-profile.h"

G_BEGIN_DECLS

/* Configuration files are a few KiB; the bound keeps a mistaken path (a log,
 * a disk image, /dev/zero) from eating memory. */
#define SY_WG_FILE_MAX_SIZE (1024 * 1024)

/* Sets an SY_ERROR_CONFIG error "FILE:LINE: [SECTION] KEY: message".
 * @line 0 leaves out the line, NULL @section or @key leave out those parts. */
void      sy_wg_report               (GError          **error,
                                      const char       *filename,
                                      guint             line,
                                      const char       *section,
                                      const char       *key,
                                      const char       *format,
                                      ...) G_GNUC_PRINTF (6, 7);
/* The same text, appended to the profile's warnings. */
void      sy_wg_profile_add_warning  (SyWgProfile      *profile,
                                      const char       *filename,
                                      guint             line,
                                      const char       *section,
                                      const char       *key,
                                      const char       *format,
                                      ...) G_GNUC_PRINTF (6, 7);

/* The profile name a file gives: its base name without ".conf". */
char     *sy_wg_profile_name_for_file (const char      *filename);

/* Decodes a base64 key. @canonical_only refuses the texts whose unused low
 * bits are not zero, as wg(8) does; Go's decoder (wireproxy) ignores them. */
gboolean  sy_wg_key_decode           (const char       *text,
                                      guint8            key[SY_WG_KEY_LEN],
                                      gboolean          canonical_only);

/* A host name or an IP literal (IPv6 without brackets), as endpoints and
 * targets use; @problem says what is wrong. */
gboolean  sy_wg_check_host           (const char       *host,
                                      char            **problem);
/* A port number of decimal digits (leading zeros allowed) in @min–65535. */
gboolean  sy_wg_parse_port           (const char       *text,
                                      guint             min,
                                      guint16          *port);
/* A value fit for a message: valid UTF-8, no control characters, at most
 * about 60 characters. */
char     *sy_wg_quote                (const char       *value);

/* Whether @key looks like a key name that may be repeated in a message:
 * short, letters, digits and a few marks. A "key" made of a private key
 * whose '=' was taken for the separator must not be. */
gboolean  sy_wg_is_plausible_key_name (const char      *key);

/* Reads a regular file of at most SY_WG_FILE_MAX_SIZE bytes. The error is
 * SY_ERROR_CONFIG "PATH: cannot be read: …". */
gboolean  sy_wg_read_file            (const char       *path,
                                      char            **contents,
                                      GError          **error);

/* The warning text for the wg-quick keys Switchyard accepts and ignores, or
 * NULL when @key (canonical spelling) is not one of them. */
const char *sy_wg_ignored_key_reason (const char       *key);

G_END_DECLS
