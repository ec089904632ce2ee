/* syapp-bench.h — timings for bench/app (test hooks only)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void syapp_bench_watch  (GtkWindow *window);
void syapp_bench_report (void);

G_END_DECLS
