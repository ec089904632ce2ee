/* syapp-pool-group.c — one pool with its upstreams
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A preferences group per pool: its strategy and health check in the
 * description, actions in the header, a row per upstream in priority order.
 * Rows are kept across updates and only rebuilt when the set or the order
 * of upstreams changes; the focused row keeps the focus then, so moving an
 * upstream with Alt+Up/Down can be repeated.
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-upstreams"

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-format.h"
#include "syapp-pool-dialog.h"
#include "syapp-pool-group.h"
#include "syapp-upstream-dialog.h"
#include "syapp-upstream-row.h"
#include "syapp-window.h"

struct _SyAppPoolGroup
{
  AdwPreferencesGroup  parent_instance;

  SyAppClient         *client;
  char                *name;
  GVariant            *pool;
  GPtrArray           *rows;        /* SyAppUpstreamRow*, in order */
  GtkWidget           *empty_row;
  GtkWidget           *add_button;
  GtkWidget           *menu_button;
};

G_DEFINE_FINAL_TYPE (SyAppPoolGroup, syapp_pool_group, ADW_TYPE_PREFERENCES_GROUP)

static SyAppUpstreamRow *
find_row (SyAppPoolGroup *self,
          const char     *name)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      SyAppUpstreamRow *row = g_ptr_array_index (self->rows, i);

      if (g_strcmp0 (syapp_upstream_row_get_name (row), name) == 0)
        return row;
    }
  return NULL;
}

static gboolean
same_order (SyAppPoolGroup *self,
            GVariant       *upstreams)
{
  gsize n = g_variant_n_children (upstreams);

  if (n != self->rows->len)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) upstream = g_variant_get_child_value (upstreams, i);

      if (g_strcmp0 (syapp_variant_get_str (upstream, "name"),
                     syapp_upstream_row_get_name (g_ptr_array_index (self->rows, i))) != 0)
        return FALSE;
    }
  return TRUE;
}

static char *
focused_row_name (SyAppPoolGroup *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *row;

  if (focus == NULL)
    return NULL;
  row = SYAPP_IS_UPSTREAM_ROW (focus) ? focus
                                      : gtk_widget_get_ancestor (focus, SYAPP_TYPE_UPSTREAM_ROW);
  if (row == NULL || !gtk_widget_is_ancestor (row, GTK_WIDGET (self)))
    return NULL;
  return g_strdup (syapp_upstream_row_get_name (SYAPP_UPSTREAM_ROW (row)));
}

static void
rebuild_rows (SyAppPoolGroup *self,
              GVariant       *upstreams)
{
  g_autofree char *focused = focused_row_name (self);
  gsize n = g_variant_n_children (upstreams);

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self),
                                  g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) upstream = g_variant_get_child_value (upstreams, i);
      SyAppUpstreamRow *row = syapp_upstream_row_new (self->client, self->name);

      syapp_upstream_row_update (row, upstream, i, n);
      g_ptr_array_add (self->rows, row);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (row));
      if (focused != NULL && g_strcmp0 (focused, syapp_upstream_row_get_name (row)) == 0)
        gtk_widget_grab_focus (GTK_WIDGET (row));
    }

  gtk_widget_set_visible (self->empty_row, n == 0);
}

static char *
describe (GVariant   *pool,
          const char *used_by)
{
  g_autofree char *health = NULL;
  g_autofree char *use = NULL;
  const char *strategy = syapp_pool_strategy_text (syapp_variant_get_str (pool, "strategy"));

  if (syapp_variant_get_bool (pool, "health-check", TRUE))
    /* Translators: e.g. "checked every 60 s" */
    health = g_strdup_printf (_("checked every %u s"),
                              (guint) syapp_variant_get_uint (pool, "health-interval-s"));
  else
    health = g_strdup (_("no health check"));

  if (used_by != NULL && used_by[0] != '\0')
    /* Translators: the inbounds routing to a pool, e.g. "used by main" */
    use = g_strdup_printf (_("used by %s"), used_by);
  else
    use = g_strdup (_("not used by any inbound yet (choose it in Preferences)"));

  /* Translators: a pool's summary: strategy, health check, inbounds */
  return g_strdup_printf (_("%s · %s · %s"), strategy, health, use);
}

/**
 * syapp_pool_group_update:
 * @pool: (type a{sv}): the pool as in ListPools
 * @used_by: (nullable): the inbounds routing to it, for people
 */
void
syapp_pool_group_update (SyAppPoolGroup *self,
                         GVariant       *pool,
                         const char     *used_by)
{
  g_autoptr(GVariant) upstreams = NULL;
  g_autofree char *description = NULL;
  gsize n;

  g_return_if_fail (SYAPP_IS_POOL_GROUP (self));

  g_clear_pointer (&self->pool, g_variant_unref);
  self->pool = g_variant_ref_sink (pool);

  description = describe (pool, used_by);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self), description);

  upstreams = g_variant_lookup_value (pool, "upstreams", G_VARIANT_TYPE ("aa{sv}"));
  if (upstreams == NULL)
    upstreams = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0));

  if (!same_order (self, upstreams))
    {
      rebuild_rows (self, upstreams);
      return;
    }

  n = g_variant_n_children (upstreams);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) upstream = g_variant_get_child_value (upstreams, i);

      syapp_upstream_row_update (g_ptr_array_index (self->rows, i), upstream, i, n);
    }
}

void
syapp_pool_group_update_upstream (SyAppPoolGroup *self,
                                  GVariant       *upstream)
{
  SyAppUpstreamRow *row;

  g_return_if_fail (SYAPP_IS_POOL_GROUP (self));

  row = find_row (self, syapp_variant_get_str (upstream, "name"));
  if (row != NULL)
    syapp_upstream_row_update_live (row, upstream);
}

/* Actions --------------------------------------------------------------------------*/

static GtkWindow *
parent_window (SyAppPoolGroup *self)
{
  return GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
}

void
syapp_pool_group_add_upstream (SyAppPoolGroup *self)
{
  SyAppUpstreamDialog *dialog;

  g_return_if_fail (SYAPP_IS_POOL_GROUP (self));

  dialog = syapp_upstream_dialog_new (self->client, self->name, NULL);
  syapp_present_dialog (GTK_WINDOW (dialog), GTK_WIDGET (self));
}

static void
add_upstream_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  syapp_pool_group_add_upstream (SYAPP_POOL_GROUP (widget));
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SyAppPoolGroup *self = SYAPP_POOL_GROUP (widget);
  SyAppPoolDialog *dialog = syapp_pool_dialog_new (self->client, self->pool);

  syapp_present_dialog (GTK_WINDOW (dialog), GTK_WIDGET (self));
}

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SyAppPoolGroup) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!syd_pools1_call_remove_pool_finish (SYD_POOLS1 (source), result, &error))
    syapp_client_report_error (self->client, _("Could not remove the pool"), error);
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    SyAppPoolGroup   *self)
{
  if (g_strcmp0 (response, "remove") != 0)
    return;

  syd_pools1_call_remove_pool (syapp_client_get_pools (self->client), self->name,
                               G_DBUS_CALL_FLAGS_NONE, -1,
                               syapp_client_get_cancellable (self->client),
                               removed_cb, g_object_ref (self));
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SyAppPoolGroup *self = SYAPP_POOL_GROUP (widget);
  g_autofree char *heading = g_strdup_printf (_("Remove Pool %s?"), self->name);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (parent_window (self), heading,
                                   _("Its upstreams and their settings are removed with it."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  syapp_a11y_fix_tree (dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  syapp_present_dialog (GTK_WINDOW (dialog), GTK_WIDGET (self));
}

/* GObject ---------------------------------------------------------------------------*/

static void
syapp_pool_group_dispose (GObject *object)
{
  SyAppPoolGroup *self = SYAPP_POOL_GROUP (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (syapp_pool_group_parent_class)->dispose (object);
}

static void
syapp_pool_group_finalize (GObject *object)
{
  SyAppPoolGroup *self = SYAPP_POOL_GROUP (object);

  g_free (self->name);
  g_clear_pointer (&self->pool, g_variant_unref);

  G_OBJECT_CLASS (syapp_pool_group_parent_class)->finalize (object);
}

static void
syapp_pool_group_class_init (SyAppPoolGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_pool_group_dispose;
  object_class->finalize = syapp_pool_group_finalize;

  gtk_widget_class_install_action (widget_class, "pool.add-upstream", NULL, add_upstream_action);
  gtk_widget_class_install_action (widget_class, "pool.edit", NULL, edit_action);
  gtk_widget_class_install_action (widget_class, "pool.remove", NULL, remove_action);
}

static void
syapp_pool_group_init (SyAppPoolGroup *self)
{
  self->rows = g_ptr_array_new ();
}

SyAppPoolGroup *
syapp_pool_group_new (SyAppClient *client,
                      const char  *name)
{
  SyAppPoolGroup *self;
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *box;
  g_autofree char *label = NULL;

  g_return_val_if_fail (SYAPP_IS_CLIENT (client), NULL);

  self = g_object_new (SYAPP_TYPE_POOL_GROUP, "title", name, NULL);
  self->client = g_object_ref (client);
  self->name = g_strdup (name);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_valign (box, GTK_ALIGN_END);

  self->add_button = gtk_button_new_from_icon_name ("list-add-symbolic");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->add_button), "pool.add-upstream");
  gtk_widget_add_css_class (self->add_button, "flat");
  gtk_widget_set_tooltip_text (self->add_button, _("Add Upstream"));
  label = g_strdup_printf (_("Add an upstream to pool %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->add_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_free (label);

  g_menu_append (menu, _("Pool _Settings…"), "pool.edit");
  g_menu_append (menu, _("_Remove Pool"), "pool.remove");
  self->menu_button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (self->menu_button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->menu_button), G_MENU_MODEL (menu));
  gtk_widget_add_css_class (self->menu_button, "flat");
  gtk_widget_set_tooltip_text (self->menu_button, _("Pool Actions"));
  label = g_strdup_printf (_("Actions for pool %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);

  gtk_box_append (GTK_BOX (box), self->add_button);
  gtk_box_append (GTK_BOX (box), self->menu_button);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (self), box);

  self->empty_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->empty_row),
                                 _("No upstreams yet"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->empty_row),
                               _("Add a SOCKS5 or HTTP proxy for this pool to use"));
  gtk_widget_add_css_class (self->empty_row, "dim-label");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), self->empty_row);

  return self;
}

const char *
syapp_pool_group_get_name (SyAppPoolGroup *self)
{
  g_return_val_if_fail (SYAPP_IS_POOL_GROUP (self), NULL);

  return self->name;
}
