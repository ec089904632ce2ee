/* syd-check-alive.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-wireproxy"

#include "syd-check-alive.h"

typedef struct
{
  GInetAddress *address;
  char         *text;
  gint64        last_pong;      /* s since the epoch, 0: never */
  gboolean      failing;        /* the last ping went unanswered (logged once) */
} Target;

struct _SydCheckAlive
{
  GObject        parent_instance;

  SyNetstack    *netstack;
  GArray        *targets;       /* Target */
  guint          interval_s;
  guint          timer;
  GCancellable  *cancellable;
};

G_DEFINE_FINAL_TYPE (SydCheckAlive, syd_check_alive, G_TYPE_OBJECT)

typedef struct
{
  SydCheckAlive *self;
  guint          index;
} Ping;

static void
target_clear (gpointer data)
{
  Target *target = data;

  g_clear_object (&target->address);
  g_clear_pointer (&target->text, g_free);
}

static void
syd_check_alive_dispose (GObject *object)
{
  SydCheckAlive *self = SYD_CHECK_ALIVE (object);

  syd_check_alive_stop (self);
  g_clear_object (&self->netstack);

  G_OBJECT_CLASS (syd_check_alive_parent_class)->dispose (object);
}

static void
syd_check_alive_finalize (GObject *object)
{
  SydCheckAlive *self = SYD_CHECK_ALIVE (object);

  g_clear_pointer (&self->targets, g_array_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (syd_check_alive_parent_class)->finalize (object);
}

static void
syd_check_alive_class_init (SydCheckAliveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = syd_check_alive_dispose;
  object_class->finalize = syd_check_alive_finalize;
}

static void
syd_check_alive_init (SydCheckAlive *self)
{
  self->targets = g_array_new (FALSE, TRUE, sizeof (Target));
  g_array_set_clear_func (self->targets, target_clear);
}

SydCheckAlive *
syd_check_alive_new (SyNetstack *netstack,
                     GPtrArray  *addresses,
                     guint       interval_s)
{
  SydCheckAlive *self;

  g_return_val_if_fail (SY_IS_NETSTACK (netstack), NULL);
  g_return_val_if_fail (addresses != NULL, NULL);
  g_return_val_if_fail (interval_s > 0, NULL);

  self = g_object_new (SYD_TYPE_CHECK_ALIVE, NULL);
  self->netstack = g_object_ref (netstack);
  self->interval_s = interval_s;

  for (guint i = 0; i < addresses->len; i++)
    {
      Target target = { 0 };

      target.address = g_object_ref (g_ptr_array_index (addresses, i));
      target.text = g_inet_address_to_string (target.address);
      g_array_append_val (self->targets, target);
    }

  return self;
}

static void
ping_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Ping *ping = user_data;
  SydCheckAlive *self = ping->self;
  g_autoptr(GError) error = NULL;
  Target *target;
  gint64 rtt;

  rtt = sy_netstack_ping_finish (SY_NETSTACK (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    goto out;

  target = &g_array_index (self->targets, Target, ping->index);
  if (rtt < 0)
    {
      /* Once per outage, not once per interval. */
      if (!target->failing)
        g_warning ("CheckAlive: %s does not answer through the tunnel: %s",
                   target->text, error != NULL ? error->message : "no reply");
      target->failing = TRUE;
      goto out;
    }

  /* Whole seconds, as wireproxy stores them: /readyz shows the same
   * numbers and applies the same tolerance to them. */
  target->last_pong = g_get_real_time () / G_USEC_PER_SEC;
  if (target->failing)
    g_message ("CheckAlive: %s answers again (%.1f ms)", target->text, rtt / 1000.0);
  else
    g_debug ("CheckAlive: %s answered in %.1f ms", target->text, rtt / 1000.0);
  target->failing = FALSE;

out:
  g_object_unref (ping->self);
  g_free (ping);
}

static gboolean
ping_all (gpointer user_data)
{
  SydCheckAlive *self = user_data;

  /* A reply later than the interval is as good as none: the next round is
   * already under way, and wireproxy waits just as long. */
  for (guint i = 0; i < self->targets->len; i++)
    {
      Target *target = &g_array_index (self->targets, Target, i);
      Ping *ping = g_new0 (Ping, 1);

      ping->self = g_object_ref (self);
      ping->index = i;
      sy_netstack_ping_async (self->netstack, target->address, self->interval_s * 1000,
                              self->cancellable, ping_cb, ping);
    }

  return G_SOURCE_CONTINUE;
}

void
syd_check_alive_start (SydCheckAlive *self)
{
  g_return_if_fail (SYD_IS_CHECK_ALIVE (self));

  if (self->timer != 0 || self->targets->len == 0)
    return;

  self->cancellable = g_cancellable_new ();
  ping_all (self);
  self->timer = g_timeout_add (self->interval_s * 1000, ping_all, self);
}

void
syd_check_alive_stop (SydCheckAlive *self)
{
  g_return_if_fail (SYD_IS_CHECK_ALIVE (self));

  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

guint
syd_check_alive_get_interval (SydCheckAlive *self)
{
  g_return_val_if_fail (SYD_IS_CHECK_ALIVE (self), 0);

  return self->interval_s;
}

guint
syd_check_alive_get_n_addresses (SydCheckAlive *self)
{
  g_return_val_if_fail (SYD_IS_CHECK_ALIVE (self), 0);

  return self->targets->len;
}

const char *
syd_check_alive_get_address (SydCheckAlive *self,
                             guint          index)
{
  g_return_val_if_fail (SYD_IS_CHECK_ALIVE (self), NULL);
  g_return_val_if_fail (index < self->targets->len, NULL);

  return g_array_index (self->targets, Target, index).text;
}

gint64
syd_check_alive_get_last_pong (SydCheckAlive *self,
                               guint          index)
{
  g_return_val_if_fail (SYD_IS_CHECK_ALIVE (self), 0);
  g_return_val_if_fail (index < self->targets->len, 0);

  return g_array_index (self->targets, Target, index).last_pong;
}
