/* sy-wg-prefix.h — an IP prefix (address + length) as WireGuard configs write them
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A plain value type, cheap to copy and to keep in a GArray: interface
 * addresses (Address=), AllowedIPs and the tables built from them. The
 * address is stored in network byte order; an IPv4 prefix uses the first
 * four bytes and leaves the rest zero, so two equal prefixes are equal
 * byte for byte.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  guint8 family;      /* 4 or 6 */
  guint8 length;      /* 0–32 for IPv4, 0–128 for IPv6 */
  guint8 bytes[16];   /* network order; IPv4 in bytes[0..3], the rest zero */
} SyWgPrefix;

/* Room for the longest text sy_wg_prefix_format() writes, NUL included:
 * "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128". */
#define SY_WG_PREFIX_STRING_MAX 50

/* Parses "ADDRESS/LENGTH" or a bare "ADDRESS" (then the full length: /32 or
 * /128). IPv4 is dotted quad without leading zeros, IPv6 as inet_pton(3)
 * reads it, without a zone ("%eth0"). Host bits are kept as written (an
 * interface address such as 10.0.0.2/24 needs them); see
 * sy_wg_prefix_mask(). Fails with SY_ERROR_INVALID_ARGUMENT and a message
 * that repeats @text. */
gboolean      sy_wg_prefix_parse          (const char         *text,
                                           SyWgPrefix         *prefix,
                                           GError            **error);
/* Writes "ADDRESS/LENGTH" into @buffer (SY_WG_PREFIX_STRING_MAX bytes) and
 * returns it. IPv6 in the RFC 5952 form inet_ntop(3) gives. */
const char   *sy_wg_prefix_format         (const SyWgPrefix   *prefix,
                                           char               *buffer);
char         *sy_wg_prefix_to_string      (const SyWgPrefix   *prefix);
/* The address alone, without the length. */
char         *sy_wg_prefix_address_to_string (const SyWgPrefix *prefix);

/* Sets the bits past @length to zero: 10.1.2.3/8 becomes 10.0.0.0/8. */
void          sy_wg_prefix_mask           (SyWgPrefix         *prefix);
/* Whether the bits past the length are all zero already. */
gboolean      sy_wg_prefix_is_masked      (const SyWgPrefix   *prefix);

gboolean      sy_wg_prefix_equal          (const SyWgPrefix   *a,
                                           const SyWgPrefix   *b);
/* Whether @address (4 or 16 bytes by @family) lies inside @prefix. */
gboolean      sy_wg_prefix_contains       (const SyWgPrefix   *prefix,
                                           guint8              family,
                                           const guint8       *address);

/* Conversions to and from GIO's address type. An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) stays IPv6. */
GInetAddress *sy_wg_prefix_get_address    (const SyWgPrefix   *prefix);
void          sy_wg_prefix_init_from_address (SyWgPrefix      *prefix,
                                              GInetAddress    *address,
                                              guint            length);

/* An IP address alone, the same syntax as the address part of
 * sy_wg_prefix_parse(). Returns FALSE for anything else. */
gboolean      sy_wg_address_parse         (const char         *text,
                                           guint8             *family,
                                           guint8              bytes[16]);

G_END_DECLS
