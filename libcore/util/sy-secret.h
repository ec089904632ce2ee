/* sy-secret.h — wiping passwords and texts that hold them
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Overwrites @len bytes at @secret so credentials do not linger in freed
 * memory (or core dumps) longer than they are needed (STYLE: wipe secrets). */
void sy_secret_wipe (gpointer    secret,
                     gsize       len);
/* Wipes a NUL-terminated secret, then frees it. NULL is fine. */
void sy_secret_free (char       *secret);

typedef char SySecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySecret, sy_secret_free)

G_END_DECLS
