/* syapp-pool-dialog.c — add a pool, or change its settings
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The form starts from the service's documented defaults (docs/config.md)
 * for a new pool, or from ListPools for an existing one, of which only the
 * changed keys are sent (UpdatePool keeps the upstreams' health).
 */

#include "config.h"

#define G_LOG_DOMAIN "syapp-upstreams"

#include <glib/gi18n.h>

#include "syapp-a11y.h"
#include "syapp-banner.h"
#include "syapp-format.h"
#include "syapp-pool-dialog.h"
#include "syapp-window.h"

/* The service's strategy names, in the combo row's order. */
static const char *const strategies[] = {
  "round-robin", "weighted-random", "failover", "least-connections", "lowest-latency",
};

#define DEFAULT_HEALTH_URL "http://www.gstatic.com/generate_204"

struct _SyAppPoolDialog
{
  AdwWindow      parent_instance;

  SyAppClient   *client;
  GVariant      *original;     /* NULL when adding */

  SyAppBanner   *banner;
  GtkButton     *save_button;
  AdwEntryRow   *name_row;
  AdwComboRow   *strategy_row;
  AdwActionRow  *tolerance_row;
  GtkSpinButton *tolerance_spin;
  GtkSpinButton *attempts_spin;
  GtkSwitch     *health_switch;
  AdwEntryRow   *url_row;
  GtkSpinButton *interval_spin;
  GtkSpinButton *timeout_spin;
};

G_DEFINE_FINAL_TYPE (SyAppPoolDialog, syapp_pool_dialog, ADW_TYPE_WINDOW)

const char *
syapp_pool_strategy_text (const char *strategy)
{
  if (g_strcmp0 (strategy, "weighted-random") == 0)
    return C_("pool strategy", "Weighted random");
  if (g_strcmp0 (strategy, "failover") == 0)
    return C_("pool strategy", "Failover (in order)");
  if (g_strcmp0 (strategy, "least-connections") == 0)
    return C_("pool strategy", "Least connections");
  if (g_strcmp0 (strategy, "lowest-latency") == 0)
    return C_("pool strategy", "Lowest latency");
  return C_("pool strategy", "Round robin");
}

static guint
strategy_index (const char *strategy)
{
  for (guint i = 0; i < G_N_ELEMENTS (strategies); i++)
    if (g_strcmp0 (strategy, strategies[i]) == 0)
      return i;
  return 0;
}

static void
changed_cb (SyAppPoolDialog *self)
{
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_row));

  gtk_widget_set_visible (GTK_WIDGET (self->tolerance_row),
                          adw_combo_row_get_selected (self->strategy_row) ==
                          strategy_index ("lowest-latency"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), name[0] != '\0');
  syapp_banner_hide (self->banner);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SyAppPoolDialog) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *parent;

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply == NULL)
    {
      g_autofree char *message = NULL;

      if (syapp_error_is_cancelled (error))
        return;
      message = syapp_error_dup_message (error);
      syapp_banner_show (self->banner, message);
      return;
    }

  parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  if (SYAPP_IS_WINDOW (parent))
    syapp_window_add_toast (SYAPP_WINDOW (parent),
                            self->original == NULL ? _("Pool added") : _("Pool saved"));
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
put (SyAppPoolDialog *self,
     GVariantDict    *dict,
     const char      *key,
     GVariant        *value)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink (value);

  if (self->original != NULL)
    {
      g_autoptr(GVariant) old = g_variant_lookup_value (self->original, key, NULL);

      if (old != NULL && g_variant_equal (old, sunk))
        return;
    }
  g_variant_dict_insert_value (dict, key, sunk);
}

static void
save_cb (SyAppPoolDialog *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  SydPools1 *pools = syapp_client_get_pools (self->client);
  guint strategy = MIN (adw_combo_row_get_selected (self->strategy_row),
                        G_N_ELEMENTS (strategies) - 1);
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row))));
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));

  if (pools == NULL || syapp_client_get_status (self->client) != SYAPP_SERVICE_READY)
    {
      syapp_banner_show (self->banner, _("The Switchyard service is not running."));
      return;
    }

  put (self, &dict, "strategy", g_variant_new_string (strategies[strategy]));
  put (self, &dict, "tolerance-ms",
       g_variant_new_uint32 (gtk_spin_button_get_value_as_int (self->tolerance_spin)));
  put (self, &dict, "max-attempts",
       g_variant_new_uint32 (gtk_spin_button_get_value_as_int (self->attempts_spin)));
  put (self, &dict, "health-check",
       g_variant_new_boolean (gtk_switch_get_active (self->health_switch)));
  if (url[0] != '\0')
    put (self, &dict, "health-url", g_variant_new_string (url));
  put (self, &dict, "health-interval-s",
       g_variant_new_uint32 (gtk_spin_button_get_value_as_int (self->interval_spin)));
  put (self, &dict, "health-timeout-ms",
       g_variant_new_uint32 (gtk_spin_button_get_value_as_int (self->timeout_spin)));

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  if (self->original == NULL)
    syd_pools1_call_add_pool (pools, name, g_variant_dict_end (&dict),
                              G_DBUS_CALL_FLAGS_NONE, -1,
                              syapp_client_get_cancellable (self->client),
                              saved_cb, g_object_ref (self));
  else
    syd_pools1_call_update_pool (pools, syapp_variant_get_str (self->original, "name"),
                                 g_variant_dict_end (&dict),
                                 G_DBUS_CALL_FLAGS_NONE, -1,
                                 syapp_client_get_cancellable (self->client),
                                 saved_cb, g_object_ref (self));
}

static void
syapp_pool_dialog_dispose (GObject *object)
{
  SyAppPoolDialog *self = SYAPP_POOL_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SYAPP_TYPE_POOL_DIALOG);
  g_clear_object (&self->client);
  g_clear_pointer (&self->original, g_variant_unref);

  G_OBJECT_CLASS (syapp_pool_dialog_parent_class)->dispose (object);
}

static void
syapp_pool_dialog_class_init (SyAppPoolDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = syapp_pool_dialog_dispose;

  g_type_ensure (SYAPP_TYPE_BANNER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/switchyard/Switchyard/"
                                               "syapp-pool-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAppPoolDialog, banner);
  gtk_widget_class_bind_template_child (widget_class, SyAppPoolDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, SyAppPoolDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppPoolDialog, strategy_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppPoolDialog, tolerance_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppPoolDialog, tolerance_spin);
  gtk_widget_class_bind_template_child (widget_class, SyAppPoolDialog, attempts_spin);
  gtk_widget_class_bind_template_child (widget_class, SyAppPoolDialog, health_switch);
  gtk_widget_class_bind_template_child (widget_class, SyAppPoolDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, SyAppPoolDialog, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, SyAppPoolDialog, timeout_spin);
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
syapp_pool_dialog_init (SyAppPoolDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  syapp_a11y_fix_tree (GTK_WIDGET (self));
}

/**
 * syapp_pool_dialog_new:
 * @pool: (nullable) (type a{sv}): the pool to edit, as in ListPools; %NULL
 *   to add one
 */
SyAppPoolDialog *
syapp_pool_dialog_new (SyAppClient *client,
                       GVariant    *pool)
{
  SyAppPoolDialog *self;

  g_return_val_if_fail (SYAPP_IS_CLIENT (client), NULL);

  self = g_object_new (SYAPP_TYPE_POOL_DIALOG, NULL);
  self->client = g_object_ref (client);

  if (pool != NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Pool %s"), syapp_variant_get_str (pool, "name"));

      self->original = g_variant_ref_sink (pool);
      gtk_window_set_title (GTK_WINDOW (self), title);
      gtk_button_set_label (self->save_button, _("_Save"));
      syapp_a11y_fix_tree (GTK_WIDGET (self->save_button));
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), syapp_variant_get_str (pool, "name"));
      /* Pools cannot be renamed (UpdatePool). */
      gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), FALSE);
      adw_combo_row_set_selected (self->strategy_row,
                                  strategy_index (syapp_variant_get_str (pool, "strategy")));
      gtk_spin_button_set_value (self->tolerance_spin,
                                 syapp_variant_get_uint (pool, "tolerance-ms"));
      gtk_spin_button_set_value (self->attempts_spin,
                                 syapp_variant_get_uint (pool, "max-attempts"));
      gtk_switch_set_active (self->health_switch,
                             syapp_variant_get_bool (pool, "health-check", TRUE));
      gtk_editable_set_text (GTK_EDITABLE (self->url_row),
                             syapp_variant_get_str (pool, "health-url"));
      gtk_spin_button_set_value (self->interval_spin,
                                 syapp_variant_get_uint (pool, "health-interval-s"));
      gtk_spin_button_set_value (self->timeout_spin,
                                 syapp_variant_get_uint (pool, "health-timeout-ms"));
    }
  else
    {
      gtk_spin_button_set_value (self->tolerance_spin, 50);
      gtk_editable_set_text (GTK_EDITABLE (self->url_row), DEFAULT_HEALTH_URL);
    }

  changed_cb (self);
  return self;
}
