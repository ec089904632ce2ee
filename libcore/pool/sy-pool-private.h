/* sy-pool-private.h — what sy-pool.c, sy-pool-health.c and sy-upstream.c share
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pool/sy-health.h"
#include "pool/sy-pool.h"
#include "pool/sy-pool-strategy.h"
#include "pool/sy-upstream.h"

G_BEGIN_DECLS

/**
 * SyDialFault:
 * @SY_DIAL_FAULT_NONE: the dial succeeded
 * @SY_DIAL_FAULT_UPSTREAM: the upstream server could not be reached, refused
 *   our credentials or spoke its protocol wrongly: try another one, count it
 *   against its health
 * @SY_DIAL_FAULT_DESTINATION: a working upstream relayed the destination's
 *   failure (refused, unreachable, timed out, not allowed): another upstream
 *   would fare no better, and the upstream's health is not to blame
 * @SY_DIAL_FAULT_CANCELLED: the caller gave up
 */
typedef enum
{
  SY_DIAL_FAULT_NONE,
  SY_DIAL_FAULT_UPSTREAM,
  SY_DIAL_FAULT_DESTINATION,
  SY_DIAL_FAULT_CANCELLED,
} SyDialFault;

/* SyUpstream internals */
SyUpstream *sy_upstream_new_full             (const SyUpstreamConfig    *config,
                                              const SyHealthCheckConfig *health,
                                              SyOutbound                *transport,
                                              gint64                     time_unit_us);
/* Dials through the upstream and tells whose fault a failure was. */
void        sy_upstream_dial_async           (SyUpstream                *self,
                                              SySession                 *session,
                                              const char                *host,
                                              guint16                    port,
                                              GCancellable              *cancellable,
                                              GAsyncReadyCallback        callback,
                                              gpointer                   user_data);
GIOStream  *sy_upstream_dial_finish          (SyUpstream                *self,
                                              GAsyncResult              *result,
                                              SyDialFault               *fault,
                                              GError                   **error);
SyDialFault sy_upstream_classify_error       (const GError              *error,
                                              gboolean                   transport_started,
                                              gboolean                   transport_reached,
                                              gboolean                   transport_failed);
/* TRUE when @config reaches the same server the same way (kind, host, port,
 * credentials), so the object may be kept and only weight/enabled change. */
gboolean    sy_upstream_same_server          (SyUpstream                *self,
                                              const SyUpstreamConfig    *config);
void        sy_upstream_set_config           (SyUpstream                *self,
                                              const SyUpstreamConfig    *config);
void        sy_upstream_set_health_config    (SyUpstream                *self,
                                              const SyHealthCheckConfig *health,
                                              gint64                     time_unit_us);
/* One health input: @active for checks (and trial dials), @error NULL for a
 * success, @latency_ms < 0 when the success measured none. */
void        sy_upstream_report_result        (SyUpstream                *self,
                                              gboolean                   active,
                                              gint64                     latency_ms,
                                              const GError              *error);
gboolean    sy_upstream_is_check_due         (SyUpstream                *self,
                                              gint64                     now);
gint64      sy_upstream_get_next_check_at    (SyUpstream                *self);
guint       sy_upstream_get_weight           (SyUpstream                *self);

/* SyPool internals */
struct _SyPool
{
  SyOutbound           parent_instance;

  SyPoolConfig        *config;
  SyOutbound          *transport;
  GPtrArray           *upstreams;         /* SyUpstream*, in priority order */
  const SyOutboundDirectory *directory; /* for members of kind wireguard, may be NULL */
  gpointer             directory_data;
  SyPoolStrategyState  strategy;
  char                *last_error;        /* "upstream: message" of the latest failure */
  gint64               time_unit_us;      /* one configured "second" */

  /* active health checks, sy-pool-health.c */
  gboolean             checks_started;
  GSource             *check_timer;       /* ready time = the next due check, -1 idle */
  GCancellable        *checks_cancellable;
  GHashTable          *checks_in_flight;  /* SyUpstream* → GCancellable* of its scheduled check */
  gboolean             check_tls;
  char                *check_host;
  guint16              check_port;
  char                *check_path;        /* path and query, "/" at least */
  char                *check_url_error;   /* why the URL cannot be used, NULL when it can */
  GTlsDatabase        *check_tls_database; /* NULL: the system's trust store */
};

gboolean    sy_pool_checks_active            (SyPool                    *self);
void        sy_pool_health_apply_config      (SyPool                    *self);
void        sy_pool_health_reschedule        (SyPool                    *self);
void        sy_pool_health_forget_upstream   (SyPool                    *self,
                                              SyUpstream                *upstream);
void        sy_pool_health_dispose           (SyPool                    *self);
void        sy_pool_record_error             (SyPool                    *self,
                                              SyUpstream                *upstream,
                                              const GError              *error);

/* For tests: every duration the health configuration gives in seconds
 * (interval, window, back-off) lasts @unit_us microseconds instead. */
void        sy_pool_set_time_unit            (SyPool                    *self,
                                              gint64                     unit_us);
/* For tests: trust anchors for https:// health checks instead of the
 * system's (NULL restores them). */
void        sy_pool_set_tls_database         (SyPool                    *self,
                                              GTlsDatabase              *database);
/* For tests: a fixed random source for weighted-random picks. */
void        sy_pool_set_random               (SyPool                    *self,
                                              SyPoolRandomFunc           random,
                                              gpointer                   user_data);

G_END_DECLS
