/* sy-error.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sy-error.h"

G_DEFINE_QUARK (sy-error-quark, sy_error)

gboolean
sy_error_is_timeout (const GError *error)
{
  return error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}

/*
 * Maps a dial failure to the RFC 1928 §6 reply a SOCKS5 client should see.
 * A timeout becomes "TTL expired" (0x06), the reply clients such as curl
 * report as a timeout rather than as a generic failure.
 */
SySocks5Reply
sy_error_to_socks5_reply (const GError *error)
{
  if (error == NULL)
    return SY_SOCKS5_REP_SUCCEEDED;

  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_CONNECTION_REFUSED:
          return SY_SOCKS5_REP_CONNECTION_REFUSED;
        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NOT_FOUND:
          return SY_SOCKS5_REP_HOST_UNREACHABLE;
        case G_IO_ERROR_NETWORK_UNREACHABLE:
          return SY_SOCKS5_REP_NETWORK_UNREACHABLE;
        case G_IO_ERROR_TIMED_OUT:
          return SY_SOCKS5_REP_TTL_EXPIRED;
        case G_IO_ERROR_PERMISSION_DENIED:
          return SY_SOCKS5_REP_NOT_ALLOWED;
        case G_IO_ERROR_NOT_SUPPORTED:
          return SY_SOCKS5_REP_COMMAND_NOT_SUPPORTED;
        default:
          return SY_SOCKS5_REP_GENERAL_FAILURE;
        }
    }

  if (error->domain == G_RESOLVER_ERROR)
    return SY_SOCKS5_REP_HOST_UNREACHABLE;

  if (error->domain == SY_ERROR)
    {
      switch ((SyError) error->code)
        {
        case SY_ERROR_REJECTED:
          return SY_SOCKS5_REP_NOT_ALLOWED;
        case SY_ERROR_UNSUPPORTED:
          return SY_SOCKS5_REP_COMMAND_NOT_SUPPORTED;
        case SY_ERROR_FAILED:
        case SY_ERROR_INVALID_ARGUMENT:
        case SY_ERROR_NOT_FOUND:
        case SY_ERROR_EXISTS:
        case SY_ERROR_CONFIG:
        case SY_ERROR_NOT_RUNNING:
        case SY_ERROR_ALREADY_RUNNING:
        case SY_ERROR_ADDRESS_IN_USE:
        case SY_ERROR_INSECURE:
        case SY_ERROR_NO_UPSTREAM:
        case SY_ERROR_PROTOCOL:
        case SY_ERROR_AUTH_FAILED:
        default:
          return SY_SOCKS5_REP_GENERAL_FAILURE;
        }
    }

  return SY_SOCKS5_REP_GENERAL_FAILURE;
}

/* 502 when the dial fails, 504 when it times out, 403 when a rule rejects. */
guint
sy_error_to_http_status (const GError *error)
{
  if (error == NULL)
    return 200;
  if (sy_error_is_timeout (error))
    return 504;
  if (g_error_matches (error, SY_ERROR, SY_ERROR_REJECTED))
    return 403;
  return 502;
}

/* Turns an upstream SOCKS5 server's failure reply into the matching local
 * error, so our own client sees the same reply code the upstream gave. */
void
sy_error_set_from_socks5_reply (GError     **error,
                                guint8       rep,
                                const char  *upstream)
{
  const char *who = upstream != NULL ? upstream : "upstream";

  switch (rep)
    {
    case SY_SOCKS5_REP_NOT_ALLOWED:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "%s: connection not allowed by ruleset", who);
      break;
    case SY_SOCKS5_REP_NETWORK_UNREACHABLE:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                   "%s: network unreachable", who);
      break;
    case SY_SOCKS5_REP_HOST_UNREACHABLE:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                   "%s: host unreachable", who);
      break;
    case SY_SOCKS5_REP_CONNECTION_REFUSED:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                   "%s: connection refused by destination", who);
      break;
    case SY_SOCKS5_REP_TTL_EXPIRED:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%s: connection to destination timed out", who);
      break;
    case SY_SOCKS5_REP_COMMAND_NOT_SUPPORTED:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s: command not supported", who);
      break;
    case SY_SOCKS5_REP_ADDRESS_NOT_SUPPORTED:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s: address type not supported", who);
      break;
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s: general SOCKS server failure (reply 0x%02x)", who, rep);
      break;
    }
}
