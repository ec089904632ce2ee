/* sy-lwip-sys.c — the clock lwIP asks for
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lwip/opt.h"
#include "lwip/sys.h"

#include <glib.h>

u32_t
sys_now (void)
{
  return (u32_t) (g_get_monotonic_time () / 1000);
}
