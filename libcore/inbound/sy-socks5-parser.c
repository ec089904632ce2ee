/* sy-socks5-parser.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-socks5"

#include <string.h>

#include "sy-socks5-parser.h"
#include "util/sy-error.h"

static SySocks5ParseResult
need_more (void)
{
  SySocks5ParseResult result = { SY_SOCKS5_PARSE_NEED_MORE, 0, 0, NULL };

  return result;
}

static SySocks5ParseResult
ok (gsize consumed)
{
  SySocks5ParseResult result = { SY_SOCKS5_PARSE_OK, consumed, 0, NULL };

  return result;
}

static SySocks5ParseResult
fail (guint8      reply,
      const char *reason)
{
  SySocks5ParseResult result = { SY_SOCKS5_PARSE_ERROR, 0, reply, reason };

  return result;
}

/* RFC 1928 §3: VER NMETHODS METHODS[NMETHODS] */
SySocks5ParseResult
sy_socks5_parse_greeting (const guint8     *data,
                          gsize             length,
                          SySocks5Greeting *greeting)
{
  guint8 n_methods;

  g_return_val_if_fail (data != NULL || length == 0, fail (SY_SOCKS5_METHOD_NO_ACCEPTABLE, "bug"));
  g_return_val_if_fail (greeting != NULL, fail (SY_SOCKS5_METHOD_NO_ACCEPTABLE, "bug"));

  if (length < 1)
    return need_more ();
  if (data[0] != SY_SOCKS5_VERSION)
    return fail (SY_SOCKS5_METHOD_NO_ACCEPTABLE, "not SOCKS version 5");
  if (length < 2)
    return need_more ();

  n_methods = data[1];
  /* A greeting that offers nothing can never be answered with a method. */
  if (n_methods == 0)
    return fail (SY_SOCKS5_METHOD_NO_ACCEPTABLE, "greeting offers no authentication method");
  if (length < 2 + (gsize) n_methods)
    return need_more ();

  greeting->methods = data + 2;
  greeting->n_methods = n_methods;

  return ok (2 + (gsize) n_methods);
}

static gboolean
greeting_offers (const SySocks5Greeting *greeting,
                 guint8                  method)
{
  return memchr (greeting->methods, method, greeting->n_methods) != NULL;
}

guint8
sy_socks5_choose_method (const SySocks5Greeting *greeting,
                         gboolean                auth_required)
{
  g_return_val_if_fail (greeting != NULL, SY_SOCKS5_METHOD_NO_ACCEPTABLE);

  if (auth_required)
    {
      /* Falling back to "no authentication" here would make the password optional. */
      return greeting_offers (greeting, SY_SOCKS5_METHOD_USERNAME)
        ? SY_SOCKS5_METHOD_USERNAME : SY_SOCKS5_METHOD_NO_ACCEPTABLE;
    }

  if (greeting_offers (greeting, SY_SOCKS5_METHOD_NO_AUTH))
    return SY_SOCKS5_METHOD_NO_AUTH;
  /* Clients configured with credentials sometimes offer nothing else;
   * letting them in matches what they would get without credentials. */
  if (greeting_offers (greeting, SY_SOCKS5_METHOD_USERNAME))
    return SY_SOCKS5_METHOD_USERNAME;

  return SY_SOCKS5_METHOD_NO_ACCEPTABLE;
}

/* RFC 1929 §2: VER(0x01) ULEN UNAME PLEN PASSWD. The RFC gives both lengths
 * as 1–255; an empty password is accepted here (curl sends one for "user:")
 * and simply fails the comparison unless the configured one is empty too. */
SySocks5ParseResult
sy_socks5_parse_auth (const guint8 *data,
                      gsize         length,
                      SySocks5Auth *auth)
{
  gsize ulen;
  gsize plen;

  g_return_val_if_fail (data != NULL || length == 0, fail (SY_SOCKS5_AUTH_FAILURE, "bug"));
  g_return_val_if_fail (auth != NULL, fail (SY_SOCKS5_AUTH_FAILURE, "bug"));

  if (length < 1)
    return need_more ();
  if (data[0] != SY_SOCKS5_AUTH_VERSION)
    return fail (SY_SOCKS5_AUTH_FAILURE, "not username/password authentication version 1");
  if (length < 2)
    return need_more ();

  ulen = data[1];
  if (ulen == 0)
    return fail (SY_SOCKS5_AUTH_FAILURE, "empty username");
  if (length < 2 + ulen + 1)
    return need_more ();

  plen = data[2 + ulen];
  if (length < 2 + ulen + 1 + plen)
    return need_more ();

  auth->username = data + 2;
  auth->username_len = (guint8) ulen;
  auth->password = data + 2 + ulen + 1;
  auth->password_len = (guint8) plen;

  return ok (2 + ulen + 1 + plen);
}

/* A domain name from the wire ends up in logs, on D-Bus (which requires
 * UTF-8) and in the resolver: NUL bytes would silently truncate it to a
 * different name, control characters and spaces are never part of a name. */
static gboolean
domain_is_acceptable (const guint8 *name,
                      gsize         length)
{
  for (gsize i = 0; i < length; i++)
    {
      if (name[i] <= 0x20 || name[i] == 0x7f)
        return FALSE;
    }

  return g_utf8_validate_len ((const char *) name, length, NULL);
}

/* RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT
 *
 * RSV is documented as X'00' but carries no meaning; like most servers we
 * ignore its value rather than fail clients that leave garbage in it. */
SySocks5ParseResult
sy_socks5_parse_request (const guint8    *data,
                         gsize            length,
                         SySocks5Request *request)
{
  gsize address_length;
  gsize address_offset = 4;
  gsize total;

  g_return_val_if_fail (data != NULL || length == 0,
                        fail (SY_SOCKS5_REP_GENERAL_FAILURE, "bug"));
  g_return_val_if_fail (request != NULL, fail (SY_SOCKS5_REP_GENERAL_FAILURE, "bug"));

  if (length < 1)
    return need_more ();
  if (data[0] != SY_SOCKS5_VERSION)
    return fail (SY_SOCKS5_REP_GENERAL_FAILURE, "request is not SOCKS version 5");
  if (length < 2)
    return need_more ();

  switch (data[1])
    {
    case SY_SOCKS5_CMD_CONNECT:
    case SY_SOCKS5_CMD_BIND:
    case SY_SOCKS5_CMD_UDP_ASSOCIATE:
      break;
    default:
      return fail (SY_SOCKS5_REP_COMMAND_NOT_SUPPORTED, "unknown command");
    }

  if (length < 4)
    return need_more ();

  switch (data[3])
    {
    case SY_SOCKS5_ATYP_IPV4:
      address_length = 4;
      break;
    case SY_SOCKS5_ATYP_IPV6:
      address_length = 16;
      break;
    case SY_SOCKS5_ATYP_DOMAIN:
      if (length < 5)
        return need_more ();
      address_length = data[4];
      address_offset = 5;
      if (address_length == 0)
        return fail (SY_SOCKS5_REP_GENERAL_FAILURE, "empty domain name");
      break;
    default:
      return fail (SY_SOCKS5_REP_ADDRESS_NOT_SUPPORTED, "unknown address type");
    }

  total = address_offset + address_length + 2;
  if (length < total)
    return need_more ();

  request->command = data[1];
  request->address_type = data[3];
  request->port = (guint16) ((data[total - 2] << 8) | data[total - 1]);

  if (data[3] == SY_SOCKS5_ATYP_DOMAIN)
    {
      if (!domain_is_acceptable (data + address_offset, address_length))
        return fail (SY_SOCKS5_REP_GENERAL_FAILURE, "malformed domain name");
      memcpy (request->host, data + address_offset, address_length);
      request->host[address_length] = '\0';
    }
  else
    {
      g_autoptr(GInetAddress) address = NULL;
      g_autofree char *text = NULL;

      address = g_inet_address_new_from_bytes (data + address_offset,
                                               address_length == 4 ? G_SOCKET_FAMILY_IPV4
                                                                   : G_SOCKET_FAMILY_IPV6);
      text = g_inet_address_to_string (address);
      g_strlcpy (request->host, text, sizeof request->host);
    }

  return ok (total);
}

gsize
sy_socks5_encode_method (guint8 method,
                         guint8 out[2])
{
  out[0] = SY_SOCKS5_VERSION;
  out[1] = method;
  return 2;
}

gsize
sy_socks5_encode_auth_status (guint8 status,
                              guint8 out[2])
{
  out[0] = SY_SOCKS5_AUTH_VERSION;
  out[1] = status;
  return 2;
}

/* RFC 1928 §6: VER REP RSV ATYP BND.ADDR BND.PORT */
gsize
sy_socks5_encode_reply (guint8          rep,
                        GSocketAddress *bound,
                        guint8          out[SY_SOCKS5_REPLY_MAX])
{
  GInetAddress *address = NULL;
  guint16 port = 0;
  const guint8 *bytes;
  gsize n;

  out[0] = SY_SOCKS5_VERSION;
  out[1] = rep;
  out[2] = 0x00;

  if (G_IS_INET_SOCKET_ADDRESS (bound))
    {
      address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (bound));
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    }

  if (address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    {
      static const guint8 v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

      bytes = g_inet_address_to_bytes (address);
      if (memcmp (bytes, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0)
        {
          out[3] = SY_SOCKS5_ATYP_IPV4;
          memcpy (out + 4, bytes + 12, 4);
          n = 8;
        }
      else
        {
          out[3] = SY_SOCKS5_ATYP_IPV6;
          memcpy (out + 4, bytes, 16);
          n = 20;
        }
    }
  else if (address != NULL)
    {
      out[3] = SY_SOCKS5_ATYP_IPV4;
      memcpy (out + 4, g_inet_address_to_bytes (address), 4);
      n = 8;
    }
  else
    {
      out[3] = SY_SOCKS5_ATYP_IPV4;
      memset (out + 4, 0, 4);
      n = 8;
    }

  out[n] = (guint8) (port >> 8);
  out[n + 1] = (guint8) (port & 0xff);

  return n + 2;
}
