/* syd-error.h — SY_ERROR as D-Bus errors named dev.switchyard.Error.<Nick>
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SYD_ERROR_PREFIX "dev.switchyard.Error."

void syd_error_register      (void);
void syd_error_return        (GDBusMethodInvocation *invocation,
                              const GError          *error);

G_END_DECLS
