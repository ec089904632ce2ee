/* syd-wireproxy.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-wireproxy"

#include <string.h>

#include "config/sy-config.h"
#include "inbound/sy-accept-source.h"
#include "inbound/sy-mixed-inbound.h"
#include "inbound/sy-netstack-datagram.h"
#include "inbound/sy-stdio-tunnel.h"
#include "inbound/sy-tcp-client-tunnel.h"
#include "inbound/sy-tcp-server-tunnel.h"
#include "inbound/sy-tunnel-bind.h"
#include "inbound/sy-udp-proxy-tunnel.h"
#include "outbound/sy-direct-outbound.h"
#include "util/sy-error.h"
#include "syd-ordered-outbound.h"
#include "syd-sni-inbound.h"
#include "syd-wireproxy.h"

/* wireproxy dials through gVisor without a deadline of its own; ours keeps
 * a dial from hanging forever, and leaves room for a handshake that needs
 * one retransmission (REKEY_TIMEOUT is 5 s). */
#define CONNECT_TIMEOUT_MS 15000

typedef struct _Routine Routine;

struct _Routine
{
  const SyWireproxyRoutine *config;      /* owned by the SyWireproxyConfig */
  SydWireproxy             *owner;       /* not a reference: routines die first */
  char                     *name;        /* the inbound name sessions carry */

  /* What is running; set by start, cleared by stop. */
  GObject                  *object;
  char                     *description; /* for the start-up log */

  GTlsCertificate          *certificate; /* [http] with CertFile */
};

struct _SydWireproxy
{
  GObject                   parent_instance;

  SyWireproxyConfig        *config;
  char                     *name;
  char                     *route;       /* the outbound every routine dials */
  SyDispatcher             *dispatcher;
  SyWireguardOutbound      *wireguard;
  SyOutbound               *ordered;
  SyDatagramDialer         *datagrams;   /* [UDPProxyTunnel]'s way through the tunnel */
  GPtrArray                *routines;    /* Routine */
  SydCheckAlive            *check_alive;
  gboolean                  running;
};

G_DEFINE_FINAL_TYPE (SydWireproxy, syd_wireproxy, G_TYPE_OBJECT)

static void routine_stop (Routine *routine);

static void
routine_free (gpointer data)
{
  Routine *routine = data;

  routine_stop (routine);
  g_clear_object (&routine->certificate);
  g_free (routine->name);
  g_free (routine);
}

static void
syd_wireproxy_dispose (GObject *object)
{
  SydWireproxy *self = SYD_WIREPROXY (object);

  syd_wireproxy_stop (self);
  g_clear_pointer (&self->routines, g_ptr_array_unref);
  g_clear_object (&self->check_alive);
  g_clear_object (&self->datagrams);
  g_clear_object (&self->ordered);
  g_clear_object (&self->wireguard);
  g_clear_object (&self->dispatcher);

  G_OBJECT_CLASS (syd_wireproxy_parent_class)->dispose (object);
}

static void
syd_wireproxy_finalize (GObject *object)
{
  SydWireproxy *self = SYD_WIREPROXY (object);

  g_clear_pointer (&self->config, sy_wireproxy_config_free);
  g_free (self->name);
  g_free (self->route);

  G_OBJECT_CLASS (syd_wireproxy_parent_class)->finalize (object);
}

static void
syd_wireproxy_class_init (SydWireproxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = syd_wireproxy_dispose;
  object_class->finalize = syd_wireproxy_finalize;
}

static void
syd_wireproxy_init (SydWireproxy *self)
{
  self->routines = g_ptr_array_new_with_free_func (routine_free);
}

/* "FILE:LINE: [Socks5] " in front of a routine's errors, as the parser
 * writes its own. */
static void
prefix_error (SydWireproxy             *self,
              const SyWireproxyRoutine *config,
              GError                  **error)
{
  g_prefix_error (error, "%s:%u: [%s] ", self->config->path, config->line,
                  sy_wireproxy_routine_kind_name (config->kind));
}

static char *
format_bind (GSocketAddress *address)
{
  GInetAddress *ip = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  g_autofree char *text = g_inet_address_to_string (ip);
  guint16 port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));

  if (g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", text, port);
  return g_strdup_printf ("%s:%u", text, port);
}

static char *
format_target (const SyWireproxyRoutine *config)
{
  if (strchr (config->target_host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", config->target_host, config->target_port);
  return g_strdup_printf ("%s:%u", config->target_host, config->target_port);
}

/* [Socks5] and [http] ------------------------------------------------------ */

static SyMixedInbound *
mixed_inbound_bind (Routine       *routine,
                    const char    *listen_address,
                    GError       **error)
{
  const SyWireproxyRoutine *config = routine->config;
  g_autoptr(SyInboundConfig) inbound_config = sy_inbound_config_new ();
  g_autoptr(SyMixedInbound) inbound = NULL;

  g_free (inbound_config->name);
  inbound_config->name = g_strdup (routine->name);
  g_free (inbound_config->listen_address);
  inbound_config->listen_address = g_strdup (listen_address);
  inbound_config->port = config->bind_port;
  if (config->require_auth)
    {
      inbound_config->username = g_strdup (config->username);
      inbound_config->password = g_strdup (config->password);
    }
  /* wireproxy serves whoever can reach the address it was given; a warning
   * is logged below instead of refusing what worked there. */
  inbound_config->allow_insecure = TRUE;
  g_free (inbound_config->outbound);
  inbound_config->outbound = g_strdup (routine->owner->route);

  inbound = sy_mixed_inbound_new (inbound_config, routine->owner->dispatcher);
  if (routine->certificate != NULL)
    sy_mixed_inbound_set_tls_certificate (inbound, routine->certificate);
  if (!sy_mixed_inbound_start (inbound, error))
    return NULL;

  return g_steal_pointer (&inbound);
}

static gboolean
mixed_inbound_start (Routine  *routine,
                     GError  **error)
{
  const SyWireproxyRoutine *config = routine->config;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(SyMixedInbound) inbound = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *bound = NULL;

  if (!sy_tunnel_resolve_bind_host (config->bind_host, &address, error))
    return FALSE;

  if (address != NULL)
    {
      g_autofree char *ip = g_inet_address_to_string (address);

      inbound = mixed_inbound_bind (routine, ip, error);
    }
  else
    {
      /* Every address, as Go's ":1080": one dual-stack socket, or IPv4
       * alone on a host without IPv6. */
      inbound = mixed_inbound_bind (routine, "::", &local_error);
      if (inbound == NULL &&
          !g_error_matches (local_error, SY_ERROR, SY_ERROR_ADDRESS_IN_USE))
        {
          g_clear_error (&local_error);
          inbound = mixed_inbound_bind (routine, "0.0.0.0", &local_error);
        }
      if (inbound == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  if (inbound == NULL)
    return FALSE;

  bound = format_bind (sy_mixed_inbound_get_local_address (inbound));
  if (!config->require_auth &&
      (address == NULL || !g_inet_address_get_is_loopback (address)))
    g_warning ("%s:%u: [%s] listens on %s without a username and password: anyone who can "
               "reach it can use the tunnel",
               routine->owner->config->path, config->line,
               sy_wireproxy_routine_kind_name (config->kind), bound);

  routine->description = g_strdup_printf ("%s%s proxy on %s",
                                          config->kind == SY_WIREPROXY_ROUTINE_HTTP
                                          ? "HTTP" : "SOCKS5",
                                          routine->certificate != NULL ? " (TLS)" : "",
                                          bound);
  routine->object = G_OBJECT (g_steal_pointer (&inbound));
  return TRUE;
}

/* [TCPClientTunnel] ---------------------------------------------------------- */

static gboolean
tcp_client_tunnel_start (Routine  *routine,
                         GError  **error)
{
  const SyWireproxyRoutine *config = routine->config;
  g_autoptr(SyTcpClientTunnel) tunnel = NULL;
  g_autofree char *bound = NULL;
  g_autofree char *target = format_target (config);

  tunnel = sy_tcp_client_tunnel_new (routine->owner->dispatcher, routine->name,
                                     config->bind_host, config->bind_port,
                                     config->target_host, config->target_port,
                                     routine->owner->route);
  if (!sy_tcp_client_tunnel_start (tunnel, error))
    return FALSE;

  bound = format_bind (sy_tcp_client_tunnel_get_local_address (tunnel));
  routine->description = g_strdup_printf ("TCP tunnel from %s to %s", bound, target);
  routine->object = G_OBJECT (g_steal_pointer (&tunnel));
  return TRUE;
}

/* [TCPServerTunnel] ---------------------------------------------------------- */

static gboolean
tcp_server_tunnel_start (Routine  *routine,
                         GError  **error)
{
  const SyWireproxyRoutine *config = routine->config;
  SyNetstack *netstack = sy_wireguard_outbound_get_netstack (routine->owner->wireguard);
  g_autoptr(SyTcpServerTunnel) tunnel = NULL;
  g_autofree char *target = format_target (config);

  /* Target is on this side: dialed directly, its name resolved here. */
  tunnel = sy_tcp_server_tunnel_new (routine->owner->dispatcher, routine->name,
                                     sy_accept_source_new_netstack (netstack, config->listen_port),
                                     config->target_host, config->target_port, "direct");
  if (!sy_tcp_server_tunnel_start (tunnel, error))
    return FALSE;

  routine->description = g_strdup_printf ("TCP tunnel from port %u inside the tunnel to %s",
                                          config->listen_port, target);
  routine->object = G_OBJECT (g_steal_pointer (&tunnel));
  return TRUE;
}

/* [STDIOTunnel] --------------------------------------------------------------- */

static void
stdio_finished_cb (SyStdioTunnel *tunnel,
                   const GError  *error,
                   gpointer       user_data)
{
  Routine *routine = user_data;

  /* wireproxy carries on after its standard I/O connection ends (ssh
   * ends a ProxyCommand with SIGHUP); so does switchyardd. */
  if (error != NULL)
    g_warning ("%s:%u: [STDIOTunnel] %s", routine->owner->config->path, routine->config->line,
               error->message);
  else
    g_message ("[STDIOTunnel] standard input and output are closed");
}

static gboolean
stdio_tunnel_start (Routine  *routine,
                    GError  **error)
{
  const SyWireproxyRoutine *config = routine->config;
  g_autoptr(SyStdioTunnel) tunnel = NULL;
  g_autofree char *target = format_target (config);

  tunnel = sy_stdio_tunnel_new (routine->owner->dispatcher, routine->name,
                                config->target_host, config->target_port,
                                routine->owner->route);
  g_signal_connect (tunnel, "finished", G_CALLBACK (stdio_finished_cb), routine);
  if (!sy_stdio_tunnel_start (tunnel, error))
    {
      g_signal_handlers_disconnect_by_data (tunnel, routine);
      return FALSE;
    }

  routine->description = g_strdup_printf ("standard input and output to %s", target);
  routine->object = G_OBJECT (g_steal_pointer (&tunnel));
  return TRUE;
}

/* [UDPProxyTunnel] ------------------------------------------------------------- */

static gboolean
udp_proxy_tunnel_start (Routine  *routine,
                        GError  **error)
{
  const SyWireproxyRoutine *config = routine->config;
  g_autoptr(SyUdpProxyTunnel) tunnel = NULL;
  g_autofree char *bound = NULL;
  g_autofree char *target = format_target (config);

  tunnel = sy_udp_proxy_tunnel_new (routine->owner->dispatcher, routine->name,
                                    config->bind_host, config->bind_port,
                                    config->target_host, config->target_port,
                                    routine->owner->datagrams,
                                    config->inactivity_timeout * 1000);
  if (!sy_udp_proxy_tunnel_start (tunnel, error))
    return FALSE;

  bound = format_bind (sy_udp_proxy_tunnel_get_local_address (tunnel));
  routine->description = g_strdup_printf ("UDP tunnel from %s to %s", bound, target);
  routine->object = G_OBJECT (g_steal_pointer (&tunnel));
  return TRUE;
}

/* [SNI] ------------------------------------------------------------------------ */

static gboolean
sni_start (Routine  *routine,
           GError  **error)
{
  const SyWireproxyRoutine *config = routine->config;
  g_autoptr(SydSniInbound) inbound = NULL;
  g_autofree char *bound = NULL;

  inbound = syd_sni_inbound_new (routine->owner->dispatcher, routine->name,
                                 config->bind_host, config->bind_port, routine->owner->route);
  if (!syd_sni_inbound_start (inbound, error))
    return FALSE;

  bound = format_bind (syd_sni_inbound_get_local_address (inbound));
  routine->description = g_strdup_printf ("TLS by server name (SNI) on %s to port 443", bound);
  routine->object = G_OBJECT (g_steal_pointer (&inbound));
  return TRUE;
}

/* Routines ------------------------------------------------------------------ */

static gboolean
routine_start (Routine  *routine,
               GError  **error)
{
  gboolean ok = FALSE;

  switch (routine->config->kind)
    {
    case SY_WIREPROXY_ROUTINE_SOCKS5:
    case SY_WIREPROXY_ROUTINE_HTTP:
      ok = mixed_inbound_start (routine, error);
      break;
    case SY_WIREPROXY_ROUTINE_TCP_CLIENT_TUNNEL:
      ok = tcp_client_tunnel_start (routine, error);
      break;
    case SY_WIREPROXY_ROUTINE_TCP_SERVER_TUNNEL:
      ok = tcp_server_tunnel_start (routine, error);
      break;
    case SY_WIREPROXY_ROUTINE_STDIO_TUNNEL:
      ok = stdio_tunnel_start (routine, error);
      break;
    case SY_WIREPROXY_ROUTINE_UDP_PROXY_TUNNEL:
      ok = udp_proxy_tunnel_start (routine, error);
      break;
    case SY_WIREPROXY_ROUTINE_SNI:
      ok = sni_start (routine, error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    prefix_error (routine->owner, routine->config, error);
  return ok;
}

static void
routine_stop (Routine *routine)
{
  if (routine->object == NULL)
    return;

  if (SY_IS_MIXED_INBOUND (routine->object))
    sy_mixed_inbound_stop (SY_MIXED_INBOUND (routine->object));
  else if (SY_IS_TCP_CLIENT_TUNNEL (routine->object))
    sy_tcp_client_tunnel_stop (SY_TCP_CLIENT_TUNNEL (routine->object));
  else if (SY_IS_TCP_SERVER_TUNNEL (routine->object))
    sy_tcp_server_tunnel_stop (SY_TCP_SERVER_TUNNEL (routine->object));
  else if (SY_IS_STDIO_TUNNEL (routine->object))
    {
      g_signal_handlers_disconnect_by_data (routine->object, routine);
      sy_stdio_tunnel_close (SY_STDIO_TUNNEL (routine->object));
    }
  else if (SY_IS_UDP_PROXY_TUNNEL (routine->object))
    sy_udp_proxy_tunnel_stop (SY_UDP_PROXY_TUNNEL (routine->object));
  else if (SYD_IS_SNI_INBOUND (routine->object))
    syd_sni_inbound_stop (SYD_SNI_INBOUND (routine->object));

  g_clear_object (&routine->object);
  g_clear_pointer (&routine->description, g_free);
}

static gboolean
routine_prepare (SydWireproxy  *self,
                 Routine       *routine,
                 GError       **error)
{
  const SyWireproxyRoutine *config = routine->config;

  if (config->kind == SY_WIREPROXY_ROUTINE_HTTP && config->cert_file != NULL)
    {
      /* Loaded now, so that `switchyardd -n` already finds a bad file. */
      routine->certificate = g_tls_certificate_new_from_files (config->cert_file,
                                                               config->key_file, error);
      if (routine->certificate == NULL)
        {
          g_prefix_error (error, "%s:%u: [http] CertFile, KeyFile: ", self->config->path,
                          config->line);
          return FALSE;
        }
    }

  return TRUE;
}

/* The tunnel ------------------------------------------------------------------ */

static char *
profile_label (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';

  return g_steal_pointer (&base);
}

SydWireproxy *
syd_wireproxy_new (SyWireproxyConfig  *config,
                   GError            **error)
{
  g_autoptr(SydWireproxy) self = NULL;
  g_autoptr(SyWireproxyConfig) owned = config;
  g_autoptr(GHashTable) counts = NULL;
  g_autoptr(SyDatagramDialer) inner_datagrams = NULL;
  g_autoptr(SyOutbound) direct = NULL;
  SyWireproxyResolveStrategy strategy;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (SYD_TYPE_WIREPROXY, NULL);
  self->config = g_steal_pointer (&owned);
  self->name = profile_label (self->config->path);
  self->route = g_strconcat (SY_OUTBOUND_WIREGUARD_PREFIX, self->name, NULL);

  self->wireguard = sy_wireguard_outbound_new (self->route, self->config->profile, error);
  if (self->wireguard == NULL)
    {
      g_prefix_error (error, "%s: ", self->config->path);
      return NULL;
    }
  strategy = sy_wireproxy_config_get_effective_resolve_strategy (self->config);
  self->ordered = syd_ordered_outbound_new (self->route, self->wireguard, strategy);
  inner_datagrams = sy_wireguard_datagram_dialer_new (self->wireguard);
  self->datagrams = syd_ordered_datagram_dialer_new (inner_datagrams, strategy);

  self->dispatcher = sy_dispatcher_new ();
  sy_dispatcher_set_outbound (self->dispatcher, self->ordered);
  direct = sy_direct_outbound_new ("direct");
  sy_dispatcher_set_outbound (self->dispatcher, direct);
  /* No idle timeout, as in wireproxy: an SSH session through a
   * TCPClientTunnel may stay quiet for hours. */
  sy_dispatcher_set_timeouts (self->dispatcher, CONNECT_TIMEOUT_MS, 0);
  /* Nobody reads the connection log without D-Bus. */
  sy_dispatcher_set_log_size (self->dispatcher, 0);

  counts = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < self->config->routines->len; i++)
    {
      const SyWireproxyRoutine *config_routine = g_ptr_array_index (self->config->routines, i);
      Routine *routine = g_new0 (Routine, 1);
      gpointer kind = GINT_TO_POINTER (config_routine->kind);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, kind)) + 1;

      g_hash_table_insert (counts, kind, GUINT_TO_POINTER (n));
      routine->config = config_routine;
      routine->owner = self;
      /* Sessions show where they came from: "Socks5", "http-2", … */
      routine->name = n == 1 ? g_strdup (sy_wireproxy_routine_kind_name (config_routine->kind))
                             : g_strdup_printf ("%s-%u",
                                                sy_wireproxy_routine_kind_name (config_routine->kind),
                                                n);
      g_ptr_array_add (self->routines, routine);

      if (!routine_prepare (self, routine, error))
        return NULL;
    }

  if (self->config->check_alive->len > 0)
    self->check_alive = syd_check_alive_new (sy_wireguard_outbound_get_netstack (self->wireguard),
                                             self->config->check_alive,
                                             self->config->check_alive_interval);

  return g_steal_pointer (&self);
}

void
syd_wireproxy_set_timings (SydWireproxy      *self,
                           const SyWgTimings *timings)
{
  g_return_if_fail (SYD_IS_WIREPROXY (self));
  g_return_if_fail (timings != NULL);

  sy_wg_device_set_timings (sy_wireguard_outbound_get_device (self->wireguard), timings);
}

gboolean
syd_wireproxy_start (SydWireproxy  *self,
                     GError       **error)
{
  g_return_val_if_fail (SYD_IS_WIREPROXY (self), FALSE);

  if (self->running)
    return TRUE;

  if (!sy_wireguard_outbound_start (self->wireguard, error))
    {
      g_prefix_error (error, "%s: cannot start the WireGuard tunnel: ", self->config->path);
      return FALSE;
    }
  self->running = TRUE;

  for (guint i = 0; i < self->routines->len; i++)
    {
      Routine *routine = g_ptr_array_index (self->routines, i);

      if (!routine_start (routine, error))
        {
          syd_wireproxy_stop (self);
          return FALSE;
        }
      g_message ("%s", routine->description);
    }

  if (self->check_alive != NULL)
    syd_check_alive_start (self->check_alive);

  return TRUE;
}

void
syd_wireproxy_stop (SydWireproxy *self)
{
  g_return_if_fail (SYD_IS_WIREPROXY (self));

  if (!self->running)
    return;
  self->running = FALSE;

  if (self->check_alive != NULL)
    syd_check_alive_stop (self->check_alive);
  for (guint i = 0; i < self->routines->len; i++)
    routine_stop (g_ptr_array_index (self->routines, i));
  sy_dispatcher_close_all (self->dispatcher);
  sy_wireguard_outbound_stop (self->wireguard);
}

const SyWireproxyConfig *
syd_wireproxy_get_config (SydWireproxy *self)
{
  g_return_val_if_fail (SYD_IS_WIREPROXY (self), NULL);

  return self->config;
}

const char *
syd_wireproxy_get_name (SydWireproxy *self)
{
  g_return_val_if_fail (SYD_IS_WIREPROXY (self), NULL);

  return self->name;
}

SyDispatcher *
syd_wireproxy_get_dispatcher (SydWireproxy *self)
{
  g_return_val_if_fail (SYD_IS_WIREPROXY (self), NULL);

  return self->dispatcher;
}

SyWireguardOutbound *
syd_wireproxy_get_outbound (SydWireproxy *self)
{
  g_return_val_if_fail (SYD_IS_WIREPROXY (self), NULL);

  return self->wireguard;
}

SydCheckAlive *
syd_wireproxy_get_check_alive (SydWireproxy *self)
{
  g_return_val_if_fail (SYD_IS_WIREPROXY (self), NULL);

  return self->check_alive;
}
