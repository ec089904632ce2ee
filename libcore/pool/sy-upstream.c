/* sy-upstream.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-pool"

#include "outbound/sy-upstream-outbound.h"
#include "pool/sy-pool-private.h"
#include "util/sy-error.h"

/*
 * Whose fault is a failed dial? A SOCKS5 server that answers "connection
 * refused" (RFC 1928 §6, REP 0x05) is healthy and merely relays the
 * destination's refusal; the same G_IO_ERROR_CONNECTION_REFUSED from the
 * kernel when connecting to the SOCKS5 server itself means the upstream is
 * gone. The error codes are the same on purpose (the inbound maps both to the
 * same reply), so we tell them apart by watching the transport: the upstream
 * outbound dials the proxy server through a SyProbeTransport that notes on a
 * SyDialProbe whether that connection was made. Everything that fails after
 * the proxy server was reached is the proxy's answer.
 *
 * The probe is handed to the transport through `pending`, set only for the
 * duration of the dialer's dial_async(): the upstream outbounds start their
 * transport dial synchronously from there (see sy-socks5-outbound.c).
 */
typedef struct
{
  gboolean started;   /* the dialer asked the transport for the proxy server */
  gboolean reached;   /* the transport connected to the proxy server */
  gboolean failed;    /* the transport could not connect to it */
} SyDialProbe;

#define SY_TYPE_PROBE_TRANSPORT (sy_probe_transport_get_type ())

G_DECLARE_FINAL_TYPE (SyProbeTransport, sy_probe_transport, SY, PROBE_TRANSPORT, SyOutbound)

struct _SyProbeTransport
{
  SyOutbound   parent_instance;

  SyOutbound  *inner;
  SyDialProbe *pending;
};

G_DEFINE_FINAL_TYPE (SyProbeTransport, sy_probe_transport, SY_TYPE_OUTBOUND)

static void
sy_probe_transport_dial_cb (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyDialProbe *probe = g_task_get_task_data (task);
  GError *error = NULL;
  GIOStream *stream;

  stream = sy_outbound_dial_finish (SY_OUTBOUND (source), result, &error);

  if (probe != NULL)
    {
      if (stream != NULL)
        probe->reached = TRUE;
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        probe->failed = TRUE;
    }

  if (stream != NULL)
    g_task_return_pointer (task, stream, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
sy_probe_transport_dial_async (SyOutbound          *outbound,
                               SySession           *session,
                               const char          *host,
                               guint16              port,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  SyProbeTransport *self = SY_PROBE_TRANSPORT (outbound);
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_probe_transport_dial_async);
  if (self->pending != NULL)
    {
      self->pending->started = TRUE;
      g_task_set_task_data (task, g_rc_box_acquire (self->pending), (GDestroyNotify) g_rc_box_release);
    }

  sy_outbound_dial_async (self->inner, session, host, port, cancellable,
                          sy_probe_transport_dial_cb, g_steal_pointer (&task));
}

static GIOStream *
sy_probe_transport_dial_finish (SyOutbound    *outbound,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_assert (g_task_is_valid (result, outbound));

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sy_probe_transport_finalize (GObject *object)
{
  SyProbeTransport *self = SY_PROBE_TRANSPORT (object);

  g_clear_object (&self->inner);

  G_OBJECT_CLASS (sy_probe_transport_parent_class)->finalize (object);
}

static void
sy_probe_transport_class_init (SyProbeTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyOutboundClass *outbound_class = SY_OUTBOUND_CLASS (klass);

  object_class->finalize = sy_probe_transport_finalize;
  outbound_class->dial_async = sy_probe_transport_dial_async;
  outbound_class->dial_finish = sy_probe_transport_dial_finish;
}

static void
sy_probe_transport_init (SyProbeTransport *self)
{
}

static SyProbeTransport *
sy_probe_transport_new (SyOutbound *inner)
{
  SyProbeTransport *self;

  self = g_object_new (SY_TYPE_PROBE_TRANSPORT,
                       "name", sy_outbound_get_name (inner),
                       "kind", sy_outbound_get_kind (inner),
                       NULL);
  self->inner = g_object_ref (inner);

  return self;
}

/*
 * A member that is another outbound of the engine (a WireGuard profile)
 * dials it by name through the directory. It fills the same SyDialProbe:
 * "reached" means the tunnel itself works, which the directory's is_up()
 * tells after a failure — a refusal relayed through a live tunnel is the
 * destination's, a timeout through a tunnel without a session is the
 * member's.
 */
#define SY_TYPE_OUTBOUND_REF (sy_outbound_ref_get_type ())

G_DECLARE_FINAL_TYPE (SyOutboundRef, sy_outbound_ref, SY, OUTBOUND_REF, SyOutbound)

struct _SyOutboundRef
{
  SyOutbound                 parent_instance;

  char                      *target;          /* the outbound's name */
  const SyOutboundDirectory *directory;
  gpointer                   directory_data;
  SyDialProbe               *pending;
};

G_DEFINE_FINAL_TYPE (SyOutboundRef, sy_outbound_ref, SY_TYPE_OUTBOUND)

typedef struct
{
  SyDialProbe *probe;    /* may be NULL */
  SyOutbound  *target;
} SyOutboundRefDial;

static void
sy_outbound_ref_dial_free (SyOutboundRefDial *dial)
{
  g_clear_pointer (&dial->probe, g_rc_box_release);
  g_clear_object (&dial->target);
  g_free (dial);
}

static void
sy_outbound_ref_dial_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyOutboundRef *self = g_task_get_source_object (task);
  SyOutboundRefDial *dial = g_task_get_task_data (task);
  GError *error = NULL;
  GIOStream *stream;

  stream = sy_outbound_dial_finish (SY_OUTBOUND (source), result, &error);

  if (dial->probe != NULL)
    {
      if (stream != NULL)
        dial->probe->reached = TRUE;
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          dial->probe->reached = self->directory != NULL && self->directory->is_up != NULL &&
                                 self->directory->is_up (dial->target, self->directory_data);
          dial->probe->failed = !dial->probe->reached;
        }
    }

  if (stream != NULL)
    g_task_return_pointer (task, stream, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
sy_outbound_ref_dial_async (SyOutbound          *outbound,
                            SySession           *session,
                            const char          *host,
                            guint16              port,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  SyOutboundRef *self = SY_OUTBOUND_REF (outbound);
  g_autoptr(GTask) task = NULL;
  SyOutboundRefDial *dial;
  SyOutbound *target = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_outbound_ref_dial_async);

  dial = g_new0 (SyOutboundRefDial, 1);
  if (self->pending != NULL)
    {
      self->pending->started = TRUE;
      dial->probe = g_rc_box_acquire (self->pending);
    }
  g_task_set_task_data (task, dial, (GDestroyNotify) sy_outbound_ref_dial_free);

  if (self->directory != NULL)
    target = self->directory->lookup (self->target, self->directory_data);

  if (target == NULL)
    {
      if (dial->probe != NULL)
        dial->probe->failed = TRUE;
      g_task_return_new_error (task, SY_ERROR, SY_ERROR_NOT_FOUND,
                               "the outbound “%s” is not loaded", self->target);
      return;
    }

  dial->target = g_object_ref (target);
  sy_outbound_dial_async (target, session, host, port, cancellable,
                          sy_outbound_ref_dial_cb, g_steal_pointer (&task));
}

static GIOStream *
sy_outbound_ref_dial_finish (SyOutbound    *outbound,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_assert (g_task_is_valid (result, outbound));

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
sy_outbound_ref_finalize (GObject *object)
{
  SyOutboundRef *self = SY_OUTBOUND_REF (object);

  g_clear_pointer (&self->target, g_free);

  G_OBJECT_CLASS (sy_outbound_ref_parent_class)->finalize (object);
}

static void
sy_outbound_ref_class_init (SyOutboundRefClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyOutboundClass *outbound_class = SY_OUTBOUND_CLASS (klass);

  object_class->finalize = sy_outbound_ref_finalize;
  outbound_class->dial_async = sy_outbound_ref_dial_async;
  outbound_class->dial_finish = sy_outbound_ref_dial_finish;
}

static void
sy_outbound_ref_init (SyOutboundRef *self)
{
}

static SyOutboundRef *
sy_outbound_ref_new (const char *member,
                     const char *target,
                     const char *kind)
{
  SyOutboundRef *self;

  self = g_object_new (SY_TYPE_OUTBOUND_REF,
                       "name", member,
                       "kind", kind,
                       NULL);
  self->target = g_strdup (target);

  return self;
}

struct _SyUpstream
{
  GObject           parent_instance;

  SyUpstreamConfig *config;
  SyProbeTransport *transport;
  SyOutboundRef    *ref;             /* kind wireguard: the dialer, else NULL */
  SyOutbound       *dialer;
  SyHealth         *health;

  gint64           *latencies;       /* ring of the last latency_samples check results */
  guint             n_latency_slots;
  guint             n_latencies;
  guint             latency_next;
  gint64            latency_ms;      /* their mean, -1 without any */

  guint             active;
  guint64           total;
  guint64           bytes_up;
  guint64           bytes_down;

  char             *last_error;
  gint64            last_check;      /* real time µs of the last active result */
};

G_DEFINE_FINAL_TYPE (SyUpstream, sy_upstream, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
sy_upstream_emit_changed (SyUpstream *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
sy_upstream_finalize (GObject *object)
{
  SyUpstream *self = SY_UPSTREAM (object);

  g_clear_pointer (&self->config, sy_upstream_config_free);
  g_clear_object (&self->dialer);
  g_clear_object (&self->ref);
  g_clear_object (&self->transport);
  g_clear_pointer (&self->health, sy_health_free);
  g_clear_pointer (&self->latencies, g_free);
  g_clear_pointer (&self->last_error, g_free);

  G_OBJECT_CLASS (sy_upstream_parent_class)->finalize (object);
}

static void
sy_upstream_class_init (SyUpstreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_upstream_finalize;

  /**
   * SyUpstream::changed:
   *
   * Health, latency, enabled, last error or last check moved. Never for
   * byte or session counters, which change far too often for a signal.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sy_upstream_init (SyUpstream *self)
{
  self->latency_ms = -1;
}

static void
sy_upstream_resize_latencies (SyUpstream *self,
                              guint       n_slots)
{
  g_autofree gint64 *slots = NULL;
  guint keep;

  n_slots = MAX (n_slots, 1);
  if (n_slots == self->n_latency_slots)
    return;

  /* Keep the newest samples, oldest first. */
  keep = MIN (self->n_latencies, n_slots);
  slots = g_new0 (gint64, n_slots);
  for (guint i = 0; i < keep; i++)
    {
      guint from = (self->latency_next + self->n_latency_slots - keep + i) % self->n_latency_slots;

      slots[i] = self->latencies[from];
    }

  g_free (self->latencies);
  self->latencies = g_steal_pointer (&slots);
  self->n_latency_slots = n_slots;
  self->n_latencies = keep;
  self->latency_next = keep % n_slots;
}

/* Returns TRUE when the mean moved. */
static gboolean
sy_upstream_update_latency_mean (SyUpstream *self)
{
  gint64 sum = 0;
  gint64 mean = -1;

  for (guint i = 0; i < self->n_latencies; i++)
    sum += self->latencies[i];
  if (self->n_latencies > 0)
    mean = (sum + self->n_latencies / 2) / self->n_latencies;

  if (mean == self->latency_ms)
    return FALSE;

  self->latency_ms = mean;
  return TRUE;
}

static SyOutbound *
sy_upstream_build_dialer (SyUpstream *self)
{
  const SyUpstreamConfig *config = self->config;

  switch (config->kind)
    {
    case SY_UPSTREAM_KIND_HTTP:
      return sy_http_outbound_new (config->name, SY_OUTBOUND (self->transport),
                                   config->host, config->port,
                                   config->username, config->password);
    case SY_UPSTREAM_KIND_WIREGUARD:
      {
        g_autofree char *target = sy_upstream_config_to_url (config, FALSE);

        self->ref = sy_outbound_ref_new (config->name, target, "wireguard");
        return g_object_ref (SY_OUTBOUND (self->ref));
      }
    case SY_UPSTREAM_KIND_SOCKS5:
    default:
      return sy_socks5_outbound_new (config->name, SY_OUTBOUND (self->transport),
                                     config->host, config->port,
                                     config->username, config->password);
    }
}

SyUpstream *
sy_upstream_new_full (const SyUpstreamConfig    *config,
                      const SyHealthCheckConfig *health,
                      SyOutbound                *transport,
                      gint64                     time_unit_us)
{
  SyUpstream *self;
  SyHealthParams params;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->name != NULL, NULL);
  g_return_val_if_fail (health != NULL, NULL);
  g_return_val_if_fail (SY_IS_OUTBOUND (transport), NULL);
  g_return_val_if_fail (time_unit_us > 0, NULL);

  self = g_object_new (SY_TYPE_UPSTREAM, NULL);
  self->config = sy_upstream_config_copy (config);
  self->transport = sy_probe_transport_new (transport);
  self->dialer = sy_upstream_build_dialer (self);

  sy_health_params_from_config (&params, health, time_unit_us);
  self->health = sy_health_new (&params, config->enabled, g_get_monotonic_time ());
  sy_upstream_resize_latencies (self, health->latency_samples);

  return self;
}

SyUpstream *
sy_upstream_new (const SyUpstreamConfig    *config,
                 const SyHealthCheckConfig *health,
                 SyOutbound                *transport)
{
  return sy_upstream_new_full (config, health, transport, G_USEC_PER_SEC);
}

const char *
sy_upstream_get_name (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), NULL);

  return self->config->name;
}

const SyUpstreamConfig *
sy_upstream_get_config (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), NULL);

  return self->config;
}

SyOutbound *
sy_upstream_get_dialer (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), NULL);

  return self->dialer;
}

gboolean
sy_upstream_is_eligible (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), FALSE);

  return self->config->enabled && sy_health_is_eligible (self->health);
}

SyHealthState
sy_upstream_get_health (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), SY_HEALTH_UNKNOWN);

  return sy_health_get_state (self->health);
}

gint64
sy_upstream_get_latency_ms (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), -1);

  return self->latency_ms;
}

guint
sy_upstream_get_active (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), 0);

  return self->active;
}

guint64
sy_upstream_get_total (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), 0);

  return self->total;
}

guint64
sy_upstream_get_bytes_up (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), 0);

  return self->bytes_up;
}

guint64
sy_upstream_get_bytes_down (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), 0);

  return self->bytes_down;
}

guint
sy_upstream_get_failures (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), 0);

  return sy_health_get_failures (self->health, g_get_monotonic_time ());
}

const char *
sy_upstream_get_last_error (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), NULL);

  return self->last_error;
}

gint64
sy_upstream_get_last_check (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), 0);

  return self->last_check;
}

guint
sy_upstream_get_weight (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), 0);

  return self->config->weight;
}

void
sy_upstream_session_opened (SyUpstream *self)
{
  g_return_if_fail (SY_IS_UPSTREAM (self));

  self->active++;
  self->total++;
}

void
sy_upstream_session_closed (SyUpstream *self)
{
  g_return_if_fail (SY_IS_UPSTREAM (self));
  g_return_if_fail (self->active > 0);

  self->active--;
}

void
sy_upstream_add_bytes (SyUpstream *self,
                       guint64     up,
                       guint64     down)
{
  self->bytes_up += up;
  self->bytes_down += down;
}

void
sy_upstream_report_result (SyUpstream   *self,
                           gboolean      active,
                           gint64        latency_ms,
                           const GError *error)
{
  SyHealthState before;
  SyHealthState after;
  gboolean changed = FALSE;
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (SY_IS_UPSTREAM (self));

  before = sy_health_get_state (self->health);

  if (active)
    {
      self->last_check = g_get_real_time ();
      changed = TRUE;
    }

  if (error == NULL)
    {
      changed |= sy_health_record_success (self->health, active, now);
      if (latency_ms >= 0)
        {
          self->latencies[self->latency_next] = latency_ms;
          self->latency_next = (self->latency_next + 1) % self->n_latency_slots;
          self->n_latencies = MIN (self->n_latencies + 1, self->n_latency_slots);
          changed |= sy_upstream_update_latency_mean (self);
        }
    }
  else
    {
      changed |= sy_health_record_failure (self->health, active, now);
      if (g_strcmp0 (self->last_error, error->message) != 0)
        {
          g_free (self->last_error);
          self->last_error = g_strdup (error->message);
          changed = TRUE;
        }
    }

  after = sy_health_get_state (self->health);
  if (after != before)
    {
      /* Only falls and recoveries are news; a first success is not. */
      if (after == SY_HEALTH_DOWN)
        g_message ("Upstream “%s” is down: %s", self->config->name,
                   self->last_error != NULL ? self->last_error : "failed");
      else if (before == SY_HEALTH_DOWN)
        g_message ("Upstream “%s” is up again", self->config->name);
      else
        g_debug ("upstream %s is %s", self->config->name, sy_health_state_to_string (after));
    }

  if (changed)
    sy_upstream_emit_changed (self);
}

void
sy_upstream_report_success (SyUpstream *self,
                            gint64      latency_ms)
{
  sy_upstream_report_result (self, latency_ms >= 0, latency_ms, NULL);
}

void
sy_upstream_report_failure (SyUpstream   *self,
                            const GError *error)
{
  g_return_if_fail (error != NULL);

  sy_upstream_report_result (self, FALSE, -1, error);
}

gboolean
sy_upstream_is_check_due (SyUpstream *self,
                          gint64      now)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), FALSE);

  return self->config->enabled && sy_health_is_check_due (self->health, now);
}

gint64
sy_upstream_get_next_check_at (SyUpstream *self)
{
  g_return_val_if_fail (SY_IS_UPSTREAM (self), SY_HEALTH_NEVER);

  if (!self->config->enabled)
    return SY_HEALTH_NEVER;
  return sy_health_get_next_check_at (self->health);
}

gboolean
sy_upstream_same_server (SyUpstream             *self,
                         const SyUpstreamConfig *config)
{
  const SyUpstreamConfig *mine;

  g_return_val_if_fail (SY_IS_UPSTREAM (self), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  mine = self->config;
  return mine->kind == config->kind &&
         g_strcmp0 (mine->name, config->name) == 0 &&
         g_strcmp0 (mine->profile, config->profile) == 0 &&
         g_strcmp0 (mine->host, config->host) == 0 &&
         mine->port == config->port &&
         g_strcmp0 (mine->username, config->username) == 0 &&
         g_strcmp0 (mine->password, config->password) == 0;
}

void
sy_upstream_set_config (SyUpstream             *self,
                        const SyUpstreamConfig *config)
{
  gboolean changed;

  g_return_if_fail (SY_IS_UPSTREAM (self));
  g_return_if_fail (sy_upstream_same_server (self, config));

  if (config == self->config)
    return;

  g_clear_pointer (&self->config, sy_upstream_config_free);
  self->config = sy_upstream_config_copy (config);

  changed = sy_health_set_enabled (self->health, config->enabled, g_get_monotonic_time ());
  if (changed)
    sy_upstream_emit_changed (self);
}

void
sy_upstream_set_health_config (SyUpstream                *self,
                               const SyHealthCheckConfig *health,
                               gint64                     time_unit_us)
{
  SyHealthParams params;

  g_return_if_fail (SY_IS_UPSTREAM (self));
  g_return_if_fail (health != NULL);

  sy_health_params_from_config (&params, health, time_unit_us);
  sy_health_set_params (self->health, &params, g_get_monotonic_time ());

  sy_upstream_resize_latencies (self, health->latency_samples);
  if (sy_upstream_update_latency_mean (self))
    sy_upstream_emit_changed (self);
}

SyDialFault
sy_upstream_classify_error (const GError *error,
                            gboolean      transport_started,
                            gboolean      transport_reached,
                            gboolean      transport_failed)
{
  if (error == NULL)
    return SY_DIAL_FAULT_NONE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return SY_DIAL_FAULT_CANCELLED;

  /* The dialer refused the request before contacting anyone (a name too
   * long for SOCKS5): no other upstream would take it either. */
  if (!transport_started)
    return SY_DIAL_FAULT_DESTINATION;

  /* No connection to the proxy server: nothing but the upstream to blame. */
  if (transport_failed || !transport_reached)
    return SY_DIAL_FAULT_UPSTREAM;

  /* The proxy server answered. These codes are what its failure reply maps
   * to (RFC 1928 §6 REP 0x02–0x06, or an HTTP proxy's 403/502/504): the
   * destination's doing. A connected TCP stream cannot fail with "refused"
   * by itself, so they cannot come from the conversation with the proxy. */
  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_CONNECTION_REFUSED:
        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NETWORK_UNREACHABLE:
        case G_IO_ERROR_TIMED_OUT:
        case G_IO_ERROR_PERMISSION_DENIED:
          return SY_DIAL_FAULT_DESTINATION;
        default:
          return SY_DIAL_FAULT_UPSTREAM;
        }
    }

  if (error->domain == G_RESOLVER_ERROR)
    return SY_DIAL_FAULT_DESTINATION;

  /* SY_ERROR_PROTOCOL, SY_ERROR_AUTH_FAILED, unexpected EOF … */
  return SY_DIAL_FAULT_UPSTREAM;
}

static void
sy_upstream_dial_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GIOStream *stream;

  stream = sy_outbound_dial_finish (SY_OUTBOUND (source), result, &error);
  if (stream != NULL)
    g_task_return_pointer (task, stream, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
sy_upstream_dial_async (SyUpstream          *self,
                        SySession           *session,
                        const char          *host,
                        guint16              port,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SyDialProbe *probe;

  g_return_if_fail (SY_IS_UPSTREAM (self));
  g_return_if_fail (host != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_upstream_dial_async);
  /* A success must reach the caller even when the cancellable fires at the
   * same time, or the stream would be dropped without a word. */
  g_task_set_check_cancellable (task, FALSE);

  probe = g_rc_box_new0 (SyDialProbe);
  g_task_set_task_data (task, probe, (GDestroyNotify) g_rc_box_release);

  if (self->ref != NULL)
    self->ref->pending = probe;
  else
    self->transport->pending = probe;
  sy_outbound_dial_async (self->dialer, session, host, port, cancellable,
                          sy_upstream_dial_cb, g_steal_pointer (&task));
  self->transport->pending = NULL;
  if (self->ref != NULL)
    self->ref->pending = NULL;
}

GIOStream *
sy_upstream_dial_finish (SyUpstream    *self,
                         GAsyncResult  *result,
                         SyDialFault   *fault,
                         GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  SyDialProbe *probe;
  GIOStream *stream;

  g_return_val_if_fail (SY_IS_UPSTREAM (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  probe = g_task_get_task_data (G_TASK (result));
  stream = g_task_propagate_pointer (G_TASK (result), &local_error);

  if (fault != NULL)
    *fault = sy_upstream_classify_error (local_error, probe->started, probe->reached, probe->failed);

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return stream;
}

void
sy_upstream_set_directory (SyUpstream                *self,
                           const SyOutboundDirectory *directory,
                           gpointer                   user_data)
{
  g_return_if_fail (SY_IS_UPSTREAM (self));
  g_return_if_fail (directory == NULL || directory->lookup != NULL);

  if (self->ref == NULL)
    return;

  self->ref->directory = directory;
  self->ref->directory_data = user_data;
}

const char *
sy_health_state_to_string (SyHealthState state)
{
  switch (state)
    {
    case SY_HEALTH_UNKNOWN:  return "unknown";
    case SY_HEALTH_UP:       return "up";
    case SY_HEALTH_DOWN:     return "down";
    case SY_HEALTH_DISABLED: return "disabled";
    default:                 return "unknown";
    }
}
