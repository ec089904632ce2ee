/* sy-wireproxy-config.h — reading wireproxy's configuration files
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * switchyardd runs headless from the .ini files of wireproxy
 * (github.com/windtf/wireproxy), so that people can switch without
 * rewriting them. This reads them as wireproxy does — go-ini's syntax with
 * case-insensitive names, inline ';'/'#' comments, quotes, backslash
 * continuations and %(key)s references; whole-value $VAR environment
 * variables where wireproxy expands them; wireproxy's defaults — and
 * refuses, with FILE:LINE, what wireproxy would silently ignore or break
 * on at run time. docs/wireproxy.md lists every difference.
 */

#pragma once

#include <gio/gio.h>

#include "wireguard/sy-wg-profile.h"

G_BEGIN_DECLS

typedef enum
{
  SY_WIREPROXY_ROUTINE_TCP_CLIENT_TUNNEL,  /* BindAddress → Target through the tunnel */
  SY_WIREPROXY_ROUTINE_STDIO_TUNNEL,       /* stdin/stdout ↔ Target through the tunnel */
  SY_WIREPROXY_ROUTINE_TCP_SERVER_TUNNEL,  /* tunnel's ListenPort → Target from this host */
  SY_WIREPROXY_ROUTINE_SOCKS5,             /* SOCKS5 proxy on BindAddress */
  SY_WIREPROXY_ROUTINE_HTTP,               /* HTTP proxy on BindAddress, TLS with CertFile */
  SY_WIREPROXY_ROUTINE_SNI,                /* TLS passthrough by server name on BindAddress */
  SY_WIREPROXY_ROUTINE_UDP_PROXY_TUNNEL,   /* BindAddress (UDP) ↔ Target through the tunnel */
} SyWireproxyRoutineKind;

/* One routine section. Only the fields of its kind are set.
 *
 * Addresses are split into host and port. A bind host of "" means every
 * local address (wireproxy's ":1080"); it may also be a name such as
 * localhost. A target host is a name or an IP literal, resolved when
 * connecting (through the tunnel's DNS= when set). IPv6 literals carry no
 * brackets. */
typedef struct
{
  SyWireproxyRoutineKind  kind;
  guint                   line;                /* of the section header */

  /* TCPClientTunnel, Socks5, http, SNI, UDPProxyTunnel */
  char                   *bind_host;
  guint16                 bind_port;
  /* TCPClientTunnel, STDIOTunnel, TCPServerTunnel, UDPProxyTunnel */
  char                   *target_host;
  guint16                 target_port;
  guint16                 listen_port;         /* TCPServerTunnel: port inside the tunnel */

  /* Socks5 and http. Clients must authenticate when require_auth is set:
   * for Socks5 when Username is set (then Password may be empty), for http
   * when Username or Password is set. NULL when absent or empty. */
  char                   *username;
  char                   *password;            /* secret */
  gboolean                require_auth;

  /* http: PEM certificate (chain) and key, both or neither; NULL: plain
   * HTTP. Relative paths are based on the configuration file's directory. */
  char                   *cert_file;
  char                   *key_file;

  guint                   inactivity_timeout;  /* UDPProxyTunnel: seconds, 0: never expire */
} SyWireproxyRoutine;

void        sy_wireproxy_routine_free      (SyWireproxyRoutine *routine);
/* "TCPClientTunnel", "STDIOTunnel", "TCPServerTunnel", "Socks5", "http", "SNI", "UDPProxyTunnel" */
const char *sy_wireproxy_routine_kind_name (SyWireproxyRoutineKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyWireproxyRoutine, sy_wireproxy_routine_free)

typedef enum
{
  SY_WIREPROXY_RESOLVE_AUTO,   /* ipv4 when the interface has only IPv4 addresses, else ipv6 */
  SY_WIREPROXY_RESOLVE_IPV4,   /* IPv4 answers first, then IPv6 */
  SY_WIREPROXY_RESOLVE_IPV6,   /* IPv6 answers first, then IPv4 */
} SyWireproxyResolveStrategy;

typedef struct
{
  char                       *path;                  /* the file read */
  char                       *wg_config_path;        /* WGConfig (based on path's dir) or NULL */

  SyWgProfile                *profile;               /* [Interface] and [Peer]s; never NULL */
  GPtrArray                  *check_alive;           /* GInetAddress: CheckAlive= */
  guint                       check_alive_interval;  /* seconds, default 5 */
  SyWireproxyResolveStrategy  resolve_strategy;      /* [Resolve] ResolveStrategy, default auto */
  GPtrArray                  *routines;              /* SyWireproxyRoutine *, file order */
} SyWireproxyConfig;

#define SY_WIREPROXY_DEFAULT_CHECK_ALIVE_INTERVAL 5

void                        sy_wireproxy_config_free (SyWireproxyConfig *config);

/* Reads @path (at most 1 MiB) and parses it. Messages name @path as given. */
SyWireproxyConfig          *sy_wireproxy_config_load  (const char          *path,
                                                       GError             **error);
/* Parses @text as the file @path: @path names it in messages and its
 * directory is where a relative WGConfig is looked for (which is read from
 * disk). Errors are SY_ERROR_CONFIG "FILE:LINE: [SECTION] KEY: …". */
SyWireproxyConfig          *sy_wireproxy_config_parse (const char          *text,
                                                       const char          *path,
                                                       GError             **error);

/* The profile's warnings (wg-quick keys that are ignored). NULL-terminated. */
const char * const         *sy_wireproxy_config_get_warnings (const SyWireproxyConfig *config);

/* auto made concrete the way wireproxy does it, from the interface
 * addresses: IPV4 when there are IPv4 addresses and no IPv6 one, else IPV6. */
SyWireproxyResolveStrategy  sy_wireproxy_config_get_effective_resolve_strategy
                                                      (const SyWireproxyConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyWireproxyConfig, sy_wireproxy_config_free)

G_END_DECLS
