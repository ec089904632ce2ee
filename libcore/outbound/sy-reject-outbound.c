/* sy-reject-outbound.c — the way out that goes nowhere
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-reject-outbound"

#include "outbound/sy-upstream-outbound.h"
#include "util/sy-error.h"

struct _SyRejectOutbound
{
  SyOutbound parent_instance;
};

G_DEFINE_FINAL_TYPE (SyRejectOutbound, sy_reject_outbound, SY_TYPE_OUTBOUND)

static void
sy_reject_outbound_dial_async (SyOutbound          *outbound,
                               SySession           *session,
                               const char          *host,
                               guint16              port,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  task = g_task_new (outbound, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_reject_outbound_dial_async);

  /* GTask delivers this from an idle, never from inside the caller. */
  g_task_return_new_error (task, SY_ERROR, SY_ERROR_REJECTED,
                           "rejected by outbound %s", sy_outbound_get_name (outbound));
}

static GIOStream *
sy_reject_outbound_dial_finish (SyOutbound    *outbound,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, outbound), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_reject_outbound_dial_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sy_reject_outbound_class_init (SyRejectOutboundClass *klass)
{
  SyOutboundClass *outbound_class = SY_OUTBOUND_CLASS (klass);

  outbound_class->dial_async = sy_reject_outbound_dial_async;
  outbound_class->dial_finish = sy_reject_outbound_dial_finish;
}

static void
sy_reject_outbound_init (SyRejectOutbound *self)
{
}

SyOutbound *
sy_reject_outbound_new (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_object_new (SY_TYPE_REJECT_OUTBOUND,
                       "name", name,
                       "kind", "reject",
                       NULL);
}
