/* sy-error.h — the error domain every user-visible failure of the engine travels in
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SY_ERROR (sy_error_quark ())

/**
 * SyError:
 *
 * Failures of our own making. Network failures reported by the kernel keep
 * their #G_IO_ERROR codes (refused, unreachable, timed out) so that the
 * inbounds can map them to the precise SOCKS5 reply or HTTP status.
 *
 * The D-Bus names are `dev.switchyard.Error.<Nick>`; keep sy-error.c in sync.
 */
typedef enum
{
  SY_ERROR_FAILED,            /* Failed: anything without a better code */
  SY_ERROR_INVALID_ARGUMENT,  /* InvalidArgument: a value a person typed is wrong */
  SY_ERROR_NOT_FOUND,         /* NotFound: no pool, upstream, session … of that name/id */
  SY_ERROR_EXISTS,            /* Exists: the name is already taken */
  SY_ERROR_CONFIG,            /* Config: a config file is invalid (file, line, key in message) */
  SY_ERROR_NOT_RUNNING,       /* NotRunning: the proxy stack is stopped */
  SY_ERROR_ALREADY_RUNNING,   /* AlreadyRunning */
  SY_ERROR_ADDRESS_IN_USE,    /* AddressInUse: an inbound could not bind */
  SY_ERROR_INSECURE,          /* Insecure: refusing an unauthenticated non-loopback bind */
  SY_ERROR_NO_UPSTREAM,       /* NoUpstream: every upstream of a pool is down or disabled */
  SY_ERROR_REJECTED,          /* Rejected: a reject outbound or rule refused the session */
  SY_ERROR_PROTOCOL,          /* Protocol: a peer spoke the protocol wrongly */
  SY_ERROR_AUTH_FAILED,       /* AuthFailed: credentials were refused */
  SY_ERROR_UNSUPPORTED,       /* Unsupported: a command/feature we do not offer */
} SyError;

#define SY_ERROR_N_ERRORS (SY_ERROR_UNSUPPORTED + 1)

GQuark sy_error_quark (void);

/* RFC 1928 §6 reply codes. */
typedef enum
{
  SY_SOCKS5_REP_SUCCEEDED              = 0x00,
  SY_SOCKS5_REP_GENERAL_FAILURE        = 0x01,
  SY_SOCKS5_REP_NOT_ALLOWED            = 0x02,
  SY_SOCKS5_REP_NETWORK_UNREACHABLE    = 0x03,
  SY_SOCKS5_REP_HOST_UNREACHABLE       = 0x04,
  SY_SOCKS5_REP_CONNECTION_REFUSED     = 0x05,
  SY_SOCKS5_REP_TTL_EXPIRED            = 0x06,
  SY_SOCKS5_REP_COMMAND_NOT_SUPPORTED  = 0x07,
  SY_SOCKS5_REP_ADDRESS_NOT_SUPPORTED  = 0x08,
} SySocks5Reply;

SySocks5Reply sy_error_to_socks5_reply     (const GError  *error);
guint         sy_error_to_http_status      (const GError  *error);
void          sy_error_set_from_socks5_reply (GError     **error,
                                              guint8        rep,
                                              const char   *upstream);
gboolean      sy_error_is_timeout          (const GError  *error);

G_END_DECLS
