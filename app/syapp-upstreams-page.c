/* syapp-upstreams-page.c — pools of upstream proxies
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ListPools when the service appears and on PoolsChanged; UpstreamChanged
 * for health and latency as they happen. Byte counters change without a
 * signal (the API says to poll), so while the page is on screen it polls
 * every few seconds; nothing is polled while it is hidden.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-upstreams"

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-format.h"
#include "syapp-pool-dialog.h"
#include "syapp-pool-group.h"
#include "syapp-upstreams-page.h"
#include "syapp-window.h"

#define POLL_SECONDS 5

struct _SyAppUpstreamsPage
{
  AdwBin       parent_instance;

  SyAppClient *client;
  GHashTable  *groups;       /* pool name → SyAppPoolGroup* */
  GHashTable  *used_by;      /* pool name → "main, work" */
  guint        poll_id;
  gboolean     fetching;
  gboolean     fetch_again;

  GtkStack    *stack;
  GtkBox      *pools_box;
};

G_DEFINE_FINAL_TYPE (SyAppUpstreamsPage, syapp_upstreams_page, ADW_TYPE_BIN)

static void
show_pools (SyAppUpstreamsPage *self,
            GVariant           *pools)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key, value;
  GtkWidget *previous = NULL;
  gsize n = g_variant_n_children (pools);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) pool = g_variant_get_child_value (pools, i);
      const char *name = syapp_variant_get_str (pool, "name");
      SyAppPoolGroup *group = g_hash_table_lookup (self->groups, name);

      if (group == NULL)
        {
          group = syapp_pool_group_new (self->client, name);
          g_hash_table_insert (self->groups, g_strdup (name), group);
          gtk_box_insert_child_after (self->pools_box, GTK_WIDGET (group), previous);
        }
      else
        gtk_box_reorder_child_after (self->pools_box, GTK_WIDGET (group), previous);

      syapp_pool_group_update (group, pool, g_hash_table_lookup (self->used_by, name));
      g_hash_table_add (seen, (gpointer) syapp_pool_group_get_name (group));
      previous = GTK_WIDGET (group);
    }

  g_hash_table_iter_init (&iter, self->groups);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, key))
      {
        gtk_box_remove (self->pools_box, value);
        g_hash_table_iter_remove (&iter);
      }

  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "pools" : "empty");
}

static void fetch (SyAppUpstreamsPage *self);

static void
list_pools_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SyAppUpstreamsPage) self = user_data;
  g_autoptr(GVariant) pools = NULL;
  g_autoptr(GError) error = NULL;

  self->fetching = FALSE;
  if (!syd_pools1_call_list_pools_finish (SYD_POOLS1 (source), &pools, result, &error))
    {
      if (!syapp_error_is_cancelled (error))
        g_debug ("ListPools: %s", error->message);
      return;
    }

  show_pools (self, pools);
  if (self->fetch_again)
    fetch (self);
}

/* Which inbounds route to which pool, for the groups' descriptions. */
static void
get_inbounds_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SyAppUpstreamsPage) self = user_data;
  g_autoptr(GVariant) inbounds = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *inbound;

  if (!syd_daemon1_call_get_inbounds_finish (SYD_DAEMON1 (source), &inbounds, result, &error))
    {
      if (!syapp_error_is_cancelled (error))
        g_debug ("GetInbounds: %s", error->message);
      return;
    }

  g_hash_table_remove_all (self->used_by);
  g_variant_iter_init (&iter, inbounds);
  while ((inbound = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *outbound = syapp_variant_get_str (inbound, "outbound");
      const char *name = syapp_variant_get_str (inbound, "name");
      const char *others = g_hash_table_lookup (self->used_by, outbound);

      g_hash_table_insert (self->used_by, g_strdup (outbound),
                           others != NULL ? g_strdup_printf ("%s, %s", others, name)
                                          : g_strdup (name));
      g_variant_unref (inbound);
    }
}

static void
fetch (SyAppUpstreamsPage *self)
{
  SydPools1 *pools = syapp_client_get_pools (self->client);
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);
  GCancellable *cancellable = syapp_client_get_cancellable (self->client);

  if (pools == NULL || syapp_client_get_status (self->client) != SYAPP_SERVICE_READY)
    return;

  /* One ListPools at a time; a change during one asks for another. */
  if (self->fetching)
    {
      self->fetch_again = TRUE;
      return;
    }
  self->fetching = TRUE;
  self->fetch_again = FALSE;

  /* The inbounds reply comes first (same connection, in order), so the
   * pools are described with it. */
  syd_daemon1_call_get_inbounds (daemon, G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                                 get_inbounds_cb, g_object_ref (self));
  syd_pools1_call_list_pools (pools, G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                              list_pools_cb, g_object_ref (self));
}

static void
upstream_changed_cb (SyAppUpstreamsPage *self,
                     const char         *pool,
                     GVariant           *upstream)
{
  SyAppPoolGroup *group = g_hash_table_lookup (self->groups, pool);

  if (group != NULL)
    syapp_pool_group_update_upstream (group, upstream);
}

static gboolean
poll_cb (gpointer user_data)
{
  fetch (SYAPP_UPSTREAMS_PAGE (user_data));
  return G_SOURCE_CONTINUE;
}

static void
client_status_cb (SyAppUpstreamsPage *self)
{
  SydPools1 *pools = syapp_client_get_pools (self->client);
  SydDaemon1 *daemon = syapp_client_get_daemon (self->client);

  if (pools != NULL && g_object_get_data (G_OBJECT (pools), "syapp-upstreams") != self)
    {
      g_object_set_data (G_OBJECT (pools), "syapp-upstreams", self);
      g_signal_connect_object (pools, "pools-changed",
                               G_CALLBACK (fetch), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (pools, "upstream-changed",
                               G_CALLBACK (upstream_changed_cb), self, G_CONNECT_SWAPPED);
      /* Inbounds may start routing to a pool (Preferences). */
      g_signal_connect_object (daemon, "g-properties-changed",
                               G_CALLBACK (fetch), self, G_CONNECT_SWAPPED);
    }

  if (syapp_client_get_status (self->client) == SYAPP_SERVICE_READY)
    fetch (self);
}

void
syapp_upstreams_page_set_client (SyAppUpstreamsPage *self,
                                 SyAppClient        *client)
{
  g_return_if_fail (SYAPP_IS_UPSTREAMS_PAGE (self));
  g_return_if_fail (SYAPP_IS_CLIENT (client));
  g_return_if_fail (self->client == NULL);

  self->client = g_object_ref (client);
  g_signal_connect_object (client, "notify::status",
                           G_CALLBACK (client_status_cb), self, G_CONNECT_SWAPPED);
  client_status_cb (self);
}

static void
add_pool_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SyAppUpstreamsPage *self = SYAPP_UPSTREAMS_PAGE (widget);
  SyAppPoolDialog *dialog = syapp_pool_dialog_new (self->client, NULL);

  syapp_present_dialog (GTK_WINDOW (dialog), widget);
}

/* Ctrl+N: into the pool that has the focus, else the first one; with no
 * pool yet, make one first. */
void
syapp_upstreams_page_add_upstream (SyAppUpstreamsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *group = focus != NULL ? gtk_widget_get_ancestor (focus, SYAPP_TYPE_POOL_GROUP)
                                   : NULL;

  g_return_if_fail (SYAPP_IS_UPSTREAMS_PAGE (self));

  if (group == NULL)
    {
      GtkWidget *first = gtk_widget_get_first_child (GTK_WIDGET (self->pools_box));

      group = first;
    }

  if (group == NULL)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "upstreams.add-pool", NULL);
      return;
    }
  syapp_pool_group_add_upstream (SYAPP_POOL_GROUP (group));
}

static void
syapp_upstreams_page_map (GtkWidget *widget)
{
  SyAppUpstreamsPage *self = SYAPP_UPSTREAMS_PAGE (widget);

  GTK_WIDGET_CLASS (syapp_upstreams_page_parent_class)->map (widget);

  if (self->client != NULL)
    fetch (self);
  self->poll_id = g_timeout_add_seconds (POLL_SECONDS, poll_cb, self);
}

static void
syapp_upstreams_page_unmap (GtkWidget *widget)
{
  SyAppUpstreamsPage *self = SYAPP_UPSTREAMS_PAGE (widget);

  g_clear_handle_id (&self->poll_id, g_source_remove);

  GTK_WIDGET_CLASS (syapp_upstreams_page_parent_class)->unmap (widget);
}

static void
syapp_upstreams_page_dispose (GObject *object)
{
  SyAppUpstreamsPage *self = SYAPP_UPSTREAMS_PAGE (object);

  g_clear_handle_id (&self->poll_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SYAPP_TYPE_UPSTREAMS_PAGE);
  g_clear_object (&self->client);
  g_clear_pointer (&self->groups, g_hash_table_unref);
  g_clear_pointer (&self->used_by, g_hash_table_unref);

  G_OBJECT_CLASS (syapp_upstreams_page_parent_class)->dispose (object);
}

static void
syapp_upstreams_page_class_init (SyAppUpstreamsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_upstreams_page_dispose;
  widget_class->map = syapp_upstreams_page_map;
  widget_class->unmap = syapp_upstreams_page_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/switchyard/Switchyard/"
                                               "syapp-upstreams-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, SyAppUpstreamsPage, pools_box);

  gtk_widget_class_install_action (widget_class, "upstreams.add-pool", NULL, add_pool_action);
}

static void
syapp_upstreams_page_init (SyAppUpstreamsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  syapp_a11y_fix_tree (GTK_WIDGET (self));

  /* The groups are the box's children; the table only finds them. */
  self->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->used_by = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
