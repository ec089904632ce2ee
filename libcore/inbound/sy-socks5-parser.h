/* sy-socks5-parser.h — RFC 1928 / RFC 1929 messages over byte buffers, no I/O
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SY_SOCKS5_VERSION                 0x05
#define SY_SOCKS5_AUTH_VERSION            0x01   /* RFC 1929 §2 */

#define SY_SOCKS5_METHOD_NO_AUTH          0x00
#define SY_SOCKS5_METHOD_USERNAME         0x02
#define SY_SOCKS5_METHOD_NO_ACCEPTABLE    0xff

#define SY_SOCKS5_CMD_CONNECT             0x01
#define SY_SOCKS5_CMD_BIND                0x02
#define SY_SOCKS5_CMD_UDP_ASSOCIATE       0x03

#define SY_SOCKS5_ATYP_IPV4               0x01
#define SY_SOCKS5_ATYP_DOMAIN             0x03
#define SY_SOCKS5_ATYP_IPV6               0x04

#define SY_SOCKS5_AUTH_SUCCESS            0x00
#define SY_SOCKS5_AUTH_FAILURE            0x01

/* Longest reply: VER REP RSV ATYP + 16 address bytes + 2 port bytes. */
#define SY_SOCKS5_REPLY_MAX               22

typedef enum
{
  SY_SOCKS5_PARSE_NEED_MORE,   /* the message is not complete yet: read more */
  SY_SOCKS5_PARSE_OK,          /* @consumed bytes form one message */
  SY_SOCKS5_PARSE_ERROR,       /* send @reply (its meaning depends on the message), then close */
} SySocks5ParseStatus;

typedef struct
{
  SySocks5ParseStatus  status;
  gsize                consumed;   /* OK: length of the message */
  guint8               reply;      /* ERROR: method (greeting), STATUS (auth) or REP (request) */
  const char          *reason;     /* ERROR: static text for the log */
} SySocks5ParseResult;

typedef struct
{
  const guint8 *methods;           /* points into the parsed buffer */
  guint8        n_methods;
} SySocks5Greeting;

typedef struct
{
  const guint8 *username;          /* point into the parsed buffer, not NUL-terminated */
  guint8        username_len;
  const guint8 *password;
  guint8        password_len;
} SySocks5Auth;

typedef struct
{
  guint8   command;                /* SY_SOCKS5_CMD_* */
  guint8   address_type;           /* SY_SOCKS5_ATYP_* */
  char     host[256];              /* domain name or IP literal, NUL-terminated */
  guint16  port;
} SySocks5Request;

SySocks5ParseResult sy_socks5_parse_greeting (const guint8       *data,
                                              gsize               length,
                                              SySocks5Greeting   *greeting);
/* The method to answer with: with @auth_required only username/password is
 * acceptable; without it "no authentication" is preferred and
 * username/password is still taken (any credentials pass). */
guint8              sy_socks5_choose_method  (const SySocks5Greeting *greeting,
                                              gboolean            auth_required);
SySocks5ParseResult sy_socks5_parse_auth     (const guint8       *data,
                                              gsize               length,
                                              SySocks5Auth       *auth);
SySocks5ParseResult sy_socks5_parse_request  (const guint8       *data,
                                              gsize               length,
                                              SySocks5Request    *request);

/* Encoders write into @out and return the number of bytes. */
gsize               sy_socks5_encode_method  (guint8              method,
                                              guint8              out[2]);
gsize               sy_socks5_encode_auth_status (guint8          status,
                                              guint8              out[2]);
/* @bound: BND.ADDR/BND.PORT; %NULL or a non-IP address gives 0.0.0.0:0.
 * IPv4-mapped IPv6 addresses are written as IPv4. */
gsize               sy_socks5_encode_reply   (guint8              rep,
                                              GSocketAddress     *bound,
                                              guint8              out[SY_SOCKS5_REPLY_MAX]);

G_END_DECLS
