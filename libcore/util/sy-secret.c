/* sy-secret.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-secret.h"

void
sy_secret_wipe (gpointer secret,
                gsize    len)
{
  /* explicit_bzero: the compiler may not drop the stores as dead just
   * because the memory is freed right after. */
  if (secret != NULL)
    explicit_bzero (secret, len);
}

void
sy_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  sy_secret_wipe (secret, strlen (secret));
  g_free (secret);
}
