/* sy-session.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-session"

#include "sy-session.h"
#include "pool/sy-upstream.h"

static guint64 next_session_id = 1;

SySession *
sy_session_new (SyNetwork       network,
                const char     *inbound,
                GSocketAddress *client_address)
{
  SySession *self = g_new0 (SySession, 1);

  g_ref_count_init (&self->ref_count);
  self->id = next_session_id++;
  self->network = network;
  self->inbound = g_strdup (inbound);
  self->client_address = client_address ? g_object_ref (client_address) : NULL;
  self->created_at = g_get_real_time ();
  self->created_mono = g_get_monotonic_time ();
  self->state = SY_SESSION_STATE_HANDSHAKE;
  self->cancellable = g_cancellable_new ();

  return self;
}

SySession *
sy_session_ref (SySession *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_ref_count_inc (&self->ref_count);
  return self;
}

static void
sy_session_free (SySession *self)
{
  if (self->upstream_object != NULL && !sy_session_is_finished (self))
    sy_upstream_session_closed (self->upstream_object);

  g_free (self->inbound);
  g_free (self->protocol);
  g_clear_object (&self->client_address);
  g_free (self->host);
  g_free (self->sniffed_host);
  g_free (self->outbound);
  g_free (self->rule);
  g_free (self->upstream);
  g_clear_object (&self->upstream_object);
  g_clear_object (&self->bound_address);
  g_free (self->error);
  g_clear_object (&self->cancellable);
  g_free (self);
}

void
sy_session_unref (SySession *self)
{
  g_return_if_fail (self != NULL);

  if (g_ref_count_dec (&self->ref_count))
    sy_session_free (self);
}

static void
sy_session_changed (SySession *self)
{
  if (self->observer != NULL && self->observer->changed != NULL)
    self->observer->changed (self, self->observer_data);
}

void
sy_session_set_observer (SySession               *self,
                         const SySessionObserver *observer,
                         gpointer                 user_data)
{
  g_return_if_fail (self != NULL);

  self->observer = observer;
  self->observer_data = user_data;
}

void
sy_session_set_destination (SySession  *self,
                            const char *host,
                            guint16     port)
{
  g_autoptr(GInetAddress) literal = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (host != NULL);

  g_free (self->host);
  self->host = g_strdup (host);
  self->port = port;
  literal = g_inet_address_new_from_string (host);
  self->host_is_domain = (literal == NULL);
  sy_session_changed (self);
}

void
sy_session_set_protocol (SySession  *self,
                         const char *protocol)
{
  g_return_if_fail (self != NULL);

  g_free (self->protocol);
  self->protocol = g_strdup (protocol);
}

void
sy_session_set_outbound (SySession  *self,
                         const char *outbound,
                         const char *rule)
{
  g_return_if_fail (self != NULL);

  g_free (self->outbound);
  self->outbound = g_strdup (outbound);
  g_free (self->rule);
  self->rule = g_strdup (rule);
  sy_session_changed (self);
}

/* Moves the session onto @upstream (a pool member), keeping the upstream's
 * active-session count right when a retry moves it to another member. */
void
sy_session_set_upstream (SySession  *self,
                         SyUpstream *upstream)
{
  g_return_if_fail (self != NULL);

  if (self->upstream_object == upstream)
    return;

  if (self->upstream_object != NULL)
    sy_upstream_session_closed (self->upstream_object);
  g_clear_object (&self->upstream_object);
  g_clear_pointer (&self->upstream, g_free);

  if (upstream != NULL)
    {
      self->upstream_object = g_object_ref (upstream);
      self->upstream = g_strdup (sy_upstream_get_name (upstream));
      sy_upstream_session_opened (upstream);
    }
  sy_session_changed (self);
}

void
sy_session_set_bound_address (SySession      *self,
                              GSocketAddress *address)
{
  g_return_if_fail (self != NULL);

  g_set_object (&self->bound_address, address);
}

void
sy_session_set_state (SySession      *self,
                      SySessionState  state)
{
  g_return_if_fail (self != NULL);

  if (self->state == state || sy_session_is_finished (self))
    return;

  self->state = state;
  if (state == SY_SESSION_STATE_ESTABLISHED)
    self->established_at = g_get_real_time ();
  if (sy_session_is_finished (self))
    {
      self->finished_at = g_get_real_time ();
      if (self->upstream_object != NULL)
        sy_upstream_session_closed (self->upstream_object);
    }
  sy_session_changed (self);
}

void
sy_session_fail (SySession    *self,
                 const GError *error)
{
  g_return_if_fail (self != NULL);

  if (sy_session_is_finished (self))
    return;

  g_free (self->error);
  self->error = g_strdup (error != NULL ? error->message : "failed");
  sy_session_set_state (self, SY_SESSION_STATE_FAILED);
}

void
sy_session_finish (SySession *self)
{
  sy_session_set_state (self, SY_SESSION_STATE_CLOSED);
}

gboolean
sy_session_is_finished (SySession *self)
{
  return self->state == SY_SESSION_STATE_CLOSED || self->state == SY_SESSION_STATE_FAILED;
}

/* Called by the relay for every chunk it moves: no allocation here. */
void
sy_session_add_bytes (SySession *self,
                      guint64    up,
                      guint64    down)
{
  self->bytes_up += up;
  self->bytes_down += down;

  if (self->upstream_object != NULL)
    sy_upstream_add_bytes (self->upstream_object, up, down);

  if (self->observer != NULL)
    {
      if (self->observer->traffic != NULL)
        self->observer->traffic (self, up, down, self->observer_data);
      if (!self->dirty)
        sy_session_changed (self);
    }
}

char *
sy_session_dup_target (SySession *self)
{
  if (self->host == NULL)
    return g_strdup ("");
  if (strchr (self->host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", self->host, self->port);
  return g_strdup_printf ("%s:%u", self->host, self->port);
}

char *
sy_session_dup_client (SySession *self)
{
  GInetSocketAddress *isa;
  g_autofree char *ip = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (self->client_address))
    return g_strdup ("");

  isa = G_INET_SOCKET_ADDRESS (self->client_address);
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (isa));
  if (g_inet_address_get_family (g_inet_socket_address_get_address (isa)) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", ip, g_inet_socket_address_get_port (isa));
  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (isa));
}

gint64
sy_session_get_duration_ms (SySession *self)
{
  if (self->finished_at != 0)
    return (self->finished_at - self->created_at) / 1000;
  return (g_get_monotonic_time () - self->created_mono) / 1000;
}

const char *
sy_session_state_to_string (SySessionState state)
{
  switch (state)
    {
    case SY_SESSION_STATE_HANDSHAKE:   return "handshake";
    case SY_SESSION_STATE_CONNECTING:  return "connecting";
    case SY_SESSION_STATE_ESTABLISHED: return "established";
    case SY_SESSION_STATE_CLOSED:      return "closed";
    case SY_SESSION_STATE_FAILED:      return "failed";
    default:                           return "unknown";
    }
}

const char *
sy_network_to_string (SyNetwork network)
{
  return network == SY_NETWORK_UDP ? "udp" : "tcp";
}
