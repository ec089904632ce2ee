/* sy-wg-endpoint.h — where a peer is reached: a UDP address, and finding it by name
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An endpoint is a socket address kept as the kernel takes it, so the send
 * path hands it to sendmsg() as it is and the receive path compares the
 * source of an authenticated datagram with it (roaming, whitepaper §2.1)
 * without conversions. Both are per-packet operations: no allocation.
 *
 * Names (Endpoint = vpn.example.net:51820) are resolved with GResolver.
 */

#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  union
  {
    struct sockaddr      sa;
    struct sockaddr_in   in4;
    struct sockaddr_in6  in6;
  } addr;
  socklen_t len;      /* 0: no endpoint */
} SyWgEndpoint;

/* "address:port" or "[v6]:port" fits in this, NUL included. */
#define SY_WG_ENDPOINT_STRING_MAX (INET6_ADDRSTRLEN + 8)

static inline gboolean
sy_wg_endpoint_is_set (const SyWgEndpoint *endpoint)
{
  return endpoint->len != 0;
}

void         sy_wg_endpoint_clear           (SyWgEndpoint          *endpoint);
/* Takes an AF_INET or AF_INET6 address; FALSE (and @endpoint cleared) for
 * anything else. An IPv4-mapped IPv6 address becomes plain IPv4. */
gboolean     sy_wg_endpoint_set_sockaddr    (SyWgEndpoint          *endpoint,
                                             const struct sockaddr *sa,
                                             socklen_t              len);
void         sy_wg_endpoint_set_inet        (SyWgEndpoint          *endpoint,
                                             GInetAddress          *address,
                                             guint16                port);
/* An IP literal (IPv6 without brackets) and a port; FALSE for a name. */
gboolean     sy_wg_endpoint_parse_literal   (SyWgEndpoint          *endpoint,
                                             const char            *host,
                                             guint16                port);
gboolean     sy_wg_endpoint_equal           (const SyWgEndpoint    *a,
                                             const SyWgEndpoint    *b);
/* AF_INET, AF_INET6, or 0 when unset. */
int          sy_wg_endpoint_get_family      (const SyWgEndpoint    *endpoint);
/* The address bytes (4 or 16, network order) and the port (host order):
 * what a cookie is bound to. Returns the number of address bytes. */
gsize        sy_wg_endpoint_get_address     (const SyWgEndpoint    *endpoint,
                                             const guint8         **bytes,
                                             guint16               *port);
/* Writes "1.2.3.4:51820" or "[2001:db8::1]:51820" into @buffer
 * (SY_WG_ENDPOINT_STRING_MAX bytes) and returns it; "" when unset. */
const char  *sy_wg_endpoint_format          (const SyWgEndpoint    *endpoint,
                                             char                  *buffer);

/* Resolves @host (a name or a literal) and picks one address: the first
 * the resolver returns (glibc sorts by RFC 6724) of a family @families
 * allows (a bit mask: 1 IPv4, 2 IPv6). */
void         sy_wg_endpoint_resolve_async   (const char            *host,
                                             guint16                port,
                                             guint                  families,
                                             GCancellable          *cancellable,
                                             GAsyncReadyCallback    callback,
                                             gpointer               user_data);
gboolean     sy_wg_endpoint_resolve_finish  (GAsyncResult          *result,
                                             SyWgEndpoint          *endpoint,
                                             GError               **error);

#define SY_WG_ENDPOINT_FAMILY_IPV4 1u
#define SY_WG_ENDPOINT_FAMILY_IPV6 2u

G_END_DECLS
