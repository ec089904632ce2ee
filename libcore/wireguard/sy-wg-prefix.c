/* sy-wg-prefix.c — IP prefixes for Address= and AllowedIPs=
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-wireguard"

#include <arpa/inet.h>
#include <string.h>

#include "util/sy-error.h"
#include "wireguard/sy-wg-prefix.h"
#include "wireguard/sy-wg-profile-private.h"

static guint
family_bits (guint8 family)
{
  return family == 4 ? 32 : 128;
}

gboolean
sy_wg_address_parse (const char *text,
                     guint8     *family,
                     guint8      bytes[16])
{
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (family != NULL, FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);

  memset (bytes, 0, 16);

  /* Like wg(8): a colon means IPv6. inet_pton() refuses zones, leading
   * zeros in IPv4 parts and anything but four IPv4 parts, which is what Go's
   * netip (wireproxy) refuses too. */
  if (strchr (text, ':') != NULL)
    {
      if (inet_pton (AF_INET6, text, bytes) != 1)
        return FALSE;
      *family = 6;
    }
  else
    {
      if (inet_pton (AF_INET, text, bytes) != 1)
        return FALSE;
      *family = 4;
    }

  return TRUE;
}

gboolean
sy_wg_prefix_parse (const char  *text,
                    SyWgPrefix  *prefix,
                    GError     **error)
{
  g_autofree char *address = NULL;
  const char *slash;
  guint64 length;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (prefix != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (prefix, 0, sizeof *prefix);

  slash = strchr (text, '/');
  address = slash != NULL ? g_strndup (text, slash - text) : g_strdup (text);

  if (!sy_wg_address_parse (address, &prefix->family, prefix->bytes))
    {
      g_autofree char *quoted = sy_wg_quote (address);

      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "'%s' is not an IPv4 or IPv6 address", quoted);
      return FALSE;
    }

  if (slash == NULL)
    {
      prefix->length = family_bits (prefix->family);
      return TRUE;
    }

  /* Decimal digits only: no sign, no blanks, at most three of them. */
  if (slash[1] == '\0' || strlen (slash + 1) > 3 ||
      strspn (slash + 1, "0123456789") != strlen (slash + 1))
    {
      g_autofree char *quoted = sy_wg_quote (text);

      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "'%s' has no valid prefix length after '/'", quoted);
      return FALSE;
    }

  length = g_ascii_strtoull (slash + 1, NULL, 10);
  if (length > family_bits (prefix->family))
    {
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "'%s': an IPv%u prefix length is at most %u",
                   text, prefix->family, family_bits (prefix->family));  /* ASCII: it parsed */
      return FALSE;
    }

  prefix->length = (guint8) length;
  return TRUE;
}

const char *
sy_wg_prefix_format (const SyWgPrefix *prefix,
                     char             *buffer)
{
  char address[INET6_ADDRSTRLEN];

  g_return_val_if_fail (prefix != NULL, NULL);
  g_return_val_if_fail (buffer != NULL, NULL);
  g_return_val_if_fail (prefix->family == 4 || prefix->family == 6, NULL);

  inet_ntop (prefix->family == 4 ? AF_INET : AF_INET6, prefix->bytes, address, sizeof address);
  g_snprintf (buffer, SY_WG_PREFIX_STRING_MAX, "%s/%u", address, prefix->length);

  return buffer;
}

char *
sy_wg_prefix_to_string (const SyWgPrefix *prefix)
{
  char buffer[SY_WG_PREFIX_STRING_MAX];

  g_return_val_if_fail (prefix != NULL, NULL);

  return g_strdup (sy_wg_prefix_format (prefix, buffer));
}

char *
sy_wg_prefix_address_to_string (const SyWgPrefix *prefix)
{
  char address[INET6_ADDRSTRLEN];

  g_return_val_if_fail (prefix != NULL, NULL);
  g_return_val_if_fail (prefix->family == 4 || prefix->family == 6, NULL);

  inet_ntop (prefix->family == 4 ? AF_INET : AF_INET6, prefix->bytes, address, sizeof address);

  return g_strdup (address);
}

void
sy_wg_prefix_mask (SyWgPrefix *prefix)
{
  g_return_if_fail (prefix != NULL);

  for (guint i = 0; i < sizeof prefix->bytes; i++)
    {
      guint first_bit = i * 8;

      if (first_bit >= prefix->length)
        prefix->bytes[i] = 0;
      else if (first_bit + 8 > prefix->length)
        prefix->bytes[i] &= (guint8) (0xff << (8 - (prefix->length - first_bit)));
    }
}

gboolean
sy_wg_prefix_is_masked (const SyWgPrefix *prefix)
{
  SyWgPrefix masked;

  g_return_val_if_fail (prefix != NULL, FALSE);

  masked = *prefix;
  sy_wg_prefix_mask (&masked);

  return memcmp (masked.bytes, prefix->bytes, sizeof masked.bytes) == 0;
}

gboolean
sy_wg_prefix_equal (const SyWgPrefix *a,
                    const SyWgPrefix *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return a->family == b->family &&
         a->length == b->length &&
         memcmp (a->bytes, b->bytes, sizeof a->bytes) == 0;
}

gboolean
sy_wg_prefix_contains (const SyWgPrefix *prefix,
                       guint8            family,
                       const guint8     *address)
{
  guint full_bytes;
  guint rest;

  g_return_val_if_fail (prefix != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (prefix->family != family)
    return FALSE;

  full_bytes = prefix->length / 8;
  rest = prefix->length % 8;

  if (memcmp (prefix->bytes, address, full_bytes) != 0)
    return FALSE;
  if (rest == 0)
    return TRUE;

  return ((prefix->bytes[full_bytes] ^ address[full_bytes]) & (guint8) (0xff << (8 - rest))) == 0;
}

GInetAddress *
sy_wg_prefix_get_address (const SyWgPrefix *prefix)
{
  g_return_val_if_fail (prefix != NULL, NULL);
  g_return_val_if_fail (prefix->family == 4 || prefix->family == 6, NULL);

  return g_inet_address_new_from_bytes (prefix->bytes,
                                        prefix->family == 4 ? G_SOCKET_FAMILY_IPV4
                                                            : G_SOCKET_FAMILY_IPV6);
}

void
sy_wg_prefix_init_from_address (SyWgPrefix   *prefix,
                                GInetAddress *address,
                                guint         length)
{
  gsize size;

  g_return_if_fail (prefix != NULL);
  g_return_if_fail (G_IS_INET_ADDRESS (address));

  memset (prefix, 0, sizeof *prefix);
  size = g_inet_address_get_native_size (address);
  prefix->family = size == 4 ? 4 : 6;
  memcpy (prefix->bytes, g_inet_address_to_bytes (address), size);
  prefix->length = (guint8) MIN (length, family_bits (prefix->family));
}
