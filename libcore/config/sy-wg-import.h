/* sy-wg-import.h — WireGuard profiles from the texts people have, and back
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A provider's wg-quick file and a wireproxy .ini both carry a WireGuard
 * interface and its peers; importing keeps exactly that part as a profile
 * and says, one warning each, what else the text asked for. Exporting gives
 * the wg-quick text, without the secrets unless asked.
 */

#pragma once

#include <gio/gio.h>

#include "wireguard/sy-wg-profile.h"

G_BEGIN_DECLS

typedef enum
{
  SY_WG_IMPORT_AUTO,        /* "auto": see sy_wg_import_detect_format() */
  SY_WG_IMPORT_WG_QUICK,    /* "wg-quick" */
  SY_WG_IMPORT_WIREPROXY,   /* "wireproxy" */
} SyWgImportFormat;

gboolean          sy_wg_import_format_from_string (const char         *text,
                                                   SyWgImportFormat   *format);
const char       *sy_wg_import_format_to_string   (SyWgImportFormat    format);

/* wireproxy when @text has a section or key that only wireproxy knows
 * ([Socks5], [http], [TCPClientTunnel], [TCPServerTunnel], [STDIOTunnel],
 * [SNI], [UDPProxyTunnel], [Resolve], WGConfig, CheckAlive,
 * CheckAliveInterval; names case-insensitive as both tools read them),
 * else wg-quick. Never returns SY_WG_IMPORT_AUTO. */
SyWgImportFormat  sy_wg_import_detect_format      (const char         *text);

/* Parses @text as the profile @name (sy_is_valid_name()). Messages name the
 * text "NAME.conf" (wg-quick) or "NAME.ini" (wireproxy), with its lines.
 * @warnings (may be NULL) gets a char * per thing the profile does not keep.
 * SY_ERROR_CONFIG for a text that does not parse; SY_ERROR_INVALID_ARGUMENT
 * for a bad name or format, and for wireproxy's WGConfig=, which names a
 * file the import must not read on the caller's behalf. */
SyWgProfile      *sy_wg_import                    (const char         *name,
                                                   const char         *text,
                                                   SyWgImportFormat    format,
                                                   GPtrArray          *warnings,
                                                   GError            **error);

/* wg-quick text of @profile, with a comment naming the interface's public
 * key. Without @include_secrets the PrivateKey and PresharedKey lines are
 * comments saying they were left out. Free with sy_secret_free(). */
char             *sy_wg_export                    (const SyWgProfile  *profile,
                                                   gboolean            include_secrets);

/* The interface's public key, base64 (44 characters). */
char             *sy_wg_profile_dup_public_key    (const SyWgProfile  *profile);

G_END_DECLS
