/* test-socks5-parser.c — RFC 1928/1929 parsing and encoding, byte by byte
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gunixsocketaddress.h>

#include "inbound/sy-socks5-parser.h"
#include "util/sy-error.h"

#define B(...) ((const guint8[]) { __VA_ARGS__ }), sizeof ((const guint8[]) { __VA_ARGS__ })

/* Every strict prefix of a complete message must ask for more bytes, never
 * fail and never claim a message: clients may split writes anywhere. */
typedef SySocks5ParseResult (*ParseFunc) (const guint8 *data, gsize length, gpointer out);

static void
assert_prefixes_need_more (ParseFunc     parse,
                           const guint8 *data,
                           gsize         length,
                           gpointer      out)
{
  for (gsize i = 0; i < length; i++)
    {
      SySocks5ParseResult r = parse (data, i, out);

      if (r.status != SY_SOCKS5_PARSE_NEED_MORE)
        g_error ("prefix of %" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT " bytes: status %d (%s)",
                 i, length, r.status, r.reason ? r.reason : "");
    }
}

/* Greeting ---------------------------------------------------------------- */

typedef struct
{
  const char   *name;
  const guint8 *data;
  gsize         length;
  SySocks5ParseStatus status;
  gsize         consumed;
  guint8        method_no_auth;   /* chosen without credentials configured */
  guint8        method_auth;      /* chosen with credentials configured */
} GreetingCase;

static void
test_greeting_valid (void)
{
  const GreetingCase cases[] = {
    { "no-auth", B (0x05, 0x01, 0x00), SY_SOCKS5_PARSE_OK, 3, 0x00, 0xff },
    { "userpass-only", B (0x05, 0x01, 0x02), SY_SOCKS5_PARSE_OK, 3, 0x02, 0x02 },
    { "both", B (0x05, 0x02, 0x00, 0x02), SY_SOCKS5_PARSE_OK, 4, 0x00, 0x02 },
    { "both-reversed", B (0x05, 0x02, 0x02, 0x00), SY_SOCKS5_PARSE_OK, 4, 0x00, 0x02 },
    { "gssapi-only", B (0x05, 0x01, 0x01), SY_SOCKS5_PARSE_OK, 3, 0xff, 0xff },
    { "many", B (0x05, 0x04, 0x80, 0x01, 0xfe, 0x02), SY_SOCKS5_PARSE_OK, 6, 0x02, 0x02 },
    /* trailing bytes (an optimistic request) are left for the next parse */
    { "with-trailer", B (0x05, 0x01, 0x00, 0x05, 0x01), SY_SOCKS5_PARSE_OK, 3, 0x00, 0xff },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const GreetingCase *c = &cases[i];
      SySocks5Greeting greeting = { 0 };
      SySocks5ParseResult r = sy_socks5_parse_greeting (c->data, c->length, &greeting);

      g_test_message ("greeting case %s", c->name);
      g_assert_cmpint (r.status, ==, c->status);
      g_assert_cmpuint (r.consumed, ==, c->consumed);
      g_assert_cmpuint (greeting.n_methods, ==, c->data[1]);
      g_assert_true (greeting.methods == c->data + 2);
      g_assert_cmpuint (sy_socks5_choose_method (&greeting, FALSE), ==, c->method_no_auth);
      g_assert_cmpuint (sy_socks5_choose_method (&greeting, TRUE), ==, c->method_auth);

      assert_prefixes_need_more ((ParseFunc) sy_socks5_parse_greeting,
                                 c->data, c->consumed, &greeting);
    }
}

static void
test_greeting_malformed (void)
{
  const GreetingCase cases[] = {
    { "socks4", B (0x04, 0x01, 0x00, 0x50), SY_SOCKS5_PARSE_ERROR, 0, 0, 0 },
    { "version-0", B (0x00), SY_SOCKS5_PARSE_ERROR, 0, 0, 0 },
    { "http", B ('G', 'E', 'T'), SY_SOCKS5_PARSE_ERROR, 0, 0, 0 },
    { "nmethods-0", B (0x05, 0x00), SY_SOCKS5_PARSE_ERROR, 0, 0, 0 },
    { "nmethods-0-more", B (0x05, 0x00, 0x00), SY_SOCKS5_PARSE_ERROR, 0, 0, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SySocks5Greeting greeting = { 0 };
      SySocks5ParseResult r = sy_socks5_parse_greeting (cases[i].data, cases[i].length, &greeting);

      g_test_message ("greeting case %s", cases[i].name);
      g_assert_cmpint (r.status, ==, SY_SOCKS5_PARSE_ERROR);
      g_assert_cmpuint (r.reply, ==, SY_SOCKS5_METHOD_NO_ACCEPTABLE);
      g_assert_nonnull (r.reason);
    }

  /* NMETHODS = 255 with only 254 present: still incomplete */
  {
    guint8 buf[2 + 255];
    SySocks5Greeting greeting = { 0 };

    memset (buf, 0x00, sizeof buf);
    buf[0] = 0x05;
    buf[1] = 255;
    g_assert_cmpint (sy_socks5_parse_greeting (buf, sizeof buf - 1, &greeting).status, ==,
                     SY_SOCKS5_PARSE_NEED_MORE);
    g_assert_cmpint (sy_socks5_parse_greeting (buf, sizeof buf, &greeting).status, ==,
                     SY_SOCKS5_PARSE_OK);
    g_assert_cmpuint (sy_socks5_parse_greeting (buf, sizeof buf, &greeting).consumed, ==, 257);
  }
}

/* RFC 1929 ---------------------------------------------------------------- */

static void
test_auth (void)
{
  static const guint8 good[] = { 0x01, 0x04, 'u', 's', 'e', 'r', 0x06, 's', 'e', 'c', 'r', 'e', 't' };
  static const guint8 empty_password[] = { 0x01, 0x01, 'u', 0x00 };
  SySocks5Auth auth = { 0 };
  SySocks5ParseResult r;

  r = sy_socks5_parse_auth (good, sizeof good, &auth);
  g_assert_cmpint (r.status, ==, SY_SOCKS5_PARSE_OK);
  g_assert_cmpuint (r.consumed, ==, sizeof good);
  g_assert_cmpuint (auth.username_len, ==, 4);
  g_assert_cmpmem (auth.username, 4, "user", 4);
  g_assert_cmpuint (auth.password_len, ==, 6);
  g_assert_cmpmem (auth.password, 6, "secret", 6);
  assert_prefixes_need_more ((ParseFunc) sy_socks5_parse_auth, good, sizeof good, &auth);

  r = sy_socks5_parse_auth (empty_password, sizeof empty_password, &auth);
  g_assert_cmpint (r.status, ==, SY_SOCKS5_PARSE_OK);
  g_assert_cmpuint (r.consumed, ==, 4);
  g_assert_cmpuint (auth.password_len, ==, 0);

  /* wrong subnegotiation version */
  r = sy_socks5_parse_auth (B (0x05, 0x01, 'u', 0x01, 'p'), &auth);
  g_assert_cmpint (r.status, ==, SY_SOCKS5_PARSE_ERROR);
  g_assert_cmpuint (r.reply, ==, SY_SOCKS5_AUTH_FAILURE);

  /* empty username */
  r = sy_socks5_parse_auth (B (0x01, 0x00, 0x01, 'p'), &auth);
  g_assert_cmpint (r.status, ==, SY_SOCKS5_PARSE_ERROR);
  g_assert_cmpuint (r.reply, ==, SY_SOCKS5_AUTH_FAILURE);
}

/* Requests ---------------------------------------------------------------- */

typedef struct
{
  const char   *name;
  const guint8 *data;
  gsize         length;
  SySocks5ParseStatus status;
  gsize         consumed;
  guint8        command;
  guint8        atyp;
  const char   *host;
  guint16       port;
  guint8        reply;       /* for errors */
} RequestCase;

static void
test_request_valid (void)
{
  const RequestCase cases[] = {
    { "connect-ipv4", B (0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0x1f, 0x90),
      SY_SOCKS5_PARSE_OK, 10, 0x01, 0x01, "127.0.0.1", 8080, 0 },
    { "connect-ipv6", B (0x05, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                         0x00, 0x50),
      SY_SOCKS5_PARSE_OK, 22, 0x01, 0x04, "::1", 80, 0 },
    { "connect-ipv6-full", B (0x05, 0x01, 0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                              0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0x01, 0xbb),
      SY_SOCKS5_PARSE_OK, 22, 0x01, 0x04, "2001:db8::abcd", 443, 0 },
    { "connect-domain", B (0x05, 0x01, 0x00, 0x03, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
                           'c', 'o', 'm', 0x01, 0xbb),
      SY_SOCKS5_PARSE_OK, 18, 0x01, 0x03, "example.com", 443, 0 },
    { "connect-domain-1", B (0x05, 0x01, 0x00, 0x03, 1, 'a', 0xff, 0xff),
      SY_SOCKS5_PARSE_OK, 8, 0x01, 0x03, "a", 65535, 0 },
    { "connect-port-0", B (0x05, 0x01, 0x00, 0x01, 10, 1, 2, 3, 0x00, 0x00),
      SY_SOCKS5_PARSE_OK, 10, 0x01, 0x01, "10.1.2.3", 0, 0 },
    /* BIND and UDP ASSOCIATE parse; the inbound answers them with 0x07 */
    { "bind", B (0x05, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0),
      SY_SOCKS5_PARSE_OK, 10, 0x02, 0x01, "0.0.0.0", 0, 0 },
    { "udp-associate", B (0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0x12, 0x34),
      SY_SOCKS5_PARSE_OK, 10, 0x03, 0x01, "0.0.0.0", 0x1234, 0 },
    /* RSV carries no meaning: a non-zero value is tolerated */
    { "rsv-nonzero", B (0x05, 0x01, 0x7f, 0x01, 192, 0, 2, 1, 0x00, 0x16),
      SY_SOCKS5_PARSE_OK, 10, 0x01, 0x01, "192.0.2.1", 22, 0 },
    /* optimistic data after the request stays unconsumed */
    { "with-payload", B (0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0x00, 0x50, 'G', 'E', 'T'),
      SY_SOCKS5_PARSE_OK, 10, 0x01, 0x01, "127.0.0.1", 80, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const RequestCase *c = &cases[i];
      SySocks5Request request;
      SySocks5ParseResult r;

      memset (&request, 0xaa, sizeof request);
      r = sy_socks5_parse_request (c->data, c->length, &request);

      g_test_message ("request case %s", c->name);
      g_assert_cmpint (r.status, ==, c->status);
      g_assert_cmpuint (r.consumed, ==, c->consumed);
      g_assert_cmpuint (request.command, ==, c->command);
      g_assert_cmpuint (request.address_type, ==, c->atyp);
      g_assert_cmpstr (request.host, ==, c->host);
      g_assert_cmpuint (request.port, ==, c->port);

      assert_prefixes_need_more ((ParseFunc) sy_socks5_parse_request,
                                 c->data, c->consumed, &request);
    }

  /* the longest domain: 255 bytes */
  {
    guint8 buf[5 + 255 + 2];
    SySocks5Request request;
    SySocks5ParseResult r;

    buf[0] = 0x05; buf[1] = 0x01; buf[2] = 0x00; buf[3] = 0x03; buf[4] = 255;
    memset (buf + 5, 'a', 255);
    buf[260] = 0x00; buf[261] = 0x50;
    r = sy_socks5_parse_request (buf, sizeof buf, &request);
    g_assert_cmpint (r.status, ==, SY_SOCKS5_PARSE_OK);
    g_assert_cmpuint (r.consumed, ==, 262);
    g_assert_cmpuint (strlen (request.host), ==, 255);
    assert_prefixes_need_more ((ParseFunc) sy_socks5_parse_request, buf, sizeof buf, &request);
  }
}

static void
test_request_malformed (void)
{
  const RequestCase cases[] = {
    { "version-4", B (0x04, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0x00, 0x50),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_GENERAL_FAILURE },
    { "version-0-short", B (0x00),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_GENERAL_FAILURE },
    { "command-0", B (0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0x00, 0x50),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_COMMAND_NOT_SUPPORTED },
    { "command-4-short", B (0x05, 0x04),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_COMMAND_NOT_SUPPORTED },
    { "command-ff", B (0x05, 0xff, 0x00, 0x01),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_COMMAND_NOT_SUPPORTED },
    { "atyp-0", B (0x05, 0x01, 0x00, 0x00, 127, 0, 0, 1, 0x00, 0x50),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_ADDRESS_NOT_SUPPORTED },
    { "atyp-2", B (0x05, 0x01, 0x00, 0x02),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_ADDRESS_NOT_SUPPORTED },
    { "atyp-5", B (0x05, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 6),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_ADDRESS_NOT_SUPPORTED },
    { "atyp-ff-bind", B (0x05, 0x02, 0x00, 0xff),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_ADDRESS_NOT_SUPPORTED },
    { "domain-empty", B (0x05, 0x01, 0x00, 0x03, 0x00, 0x00, 0x50),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_GENERAL_FAILURE },
    { "domain-empty-short", B (0x05, 0x01, 0x00, 0x03, 0x00),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_GENERAL_FAILURE },
    { "domain-nul", B (0x05, 0x01, 0x00, 0x03, 3, 'a', 0x00, 'b', 0x00, 0x50),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_GENERAL_FAILURE },
    { "domain-space", B (0x05, 0x01, 0x00, 0x03, 3, 'a', ' ', 'b', 0x00, 0x50),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_GENERAL_FAILURE },
    { "domain-newline", B (0x05, 0x01, 0x00, 0x03, 2, 'a', '\n', 0x00, 0x50),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_GENERAL_FAILURE },
    { "domain-bad-utf8", B (0x05, 0x01, 0x00, 0x03, 2, 0xc3, 0x28, 0x00, 0x50),
      SY_SOCKS5_PARSE_ERROR, 0, 0, 0, NULL, 0, SY_SOCKS5_REP_GENERAL_FAILURE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const RequestCase *c = &cases[i];
      SySocks5Request request;
      SySocks5ParseResult r = sy_socks5_parse_request (c->data, c->length, &request);

      g_test_message ("request case %s", c->name);
      g_assert_cmpint (r.status, ==, SY_SOCKS5_PARSE_ERROR);
      g_assert_cmpuint (r.reply, ==, c->reply);
      g_assert_nonnull (r.reason);
    }
}

/* Every truncation of a valid request asks for more; none is an error. */
static void
test_request_truncated (void)
{
  static const guint8 domain[] = { 0x05, 0x01, 0x00, 0x03, 9, 'l', 'o', 'c', 'a', 'l', 'h',
                                   'o', 's', 't', 0x00, 0x50 };
  SySocks5Request request;

  for (gsize i = 0; i < sizeof domain; i++)
    {
      SySocks5ParseResult r = sy_socks5_parse_request (domain, i, &request);

      g_assert_cmpint (r.status, ==, SY_SOCKS5_PARSE_NEED_MORE);
      g_assert_cmpuint (r.consumed, ==, 0);
    }
  g_assert_cmpint (sy_socks5_parse_request (domain, sizeof domain, &request).status, ==,
                   SY_SOCKS5_PARSE_OK);
  g_assert_cmpint (sy_socks5_parse_request (NULL, 0, &request).status, ==,
                   SY_SOCKS5_PARSE_NEED_MORE);
}

/* Encoders ---------------------------------------------------------------- */

static GSocketAddress *
address (const char *ip,
         guint16     port)
{
  return g_inet_socket_address_new_from_string (ip, port);
}

static void
test_encode_reply (void)
{
  guint8 out[SY_SOCKS5_REPLY_MAX];
  g_autoptr(GSocketAddress) v4 = address ("192.0.2.7", 0xabcd);
  g_autoptr(GSocketAddress) v6 = address ("2001:db8::1", 443);
  g_autoptr(GSocketAddress) mapped = address ("::ffff:10.0.0.1", 1080);
  g_autoptr(GSocketAddress) unix_address = g_unix_socket_address_new ("/tmp/x");
  gsize n;

  n = sy_socks5_encode_reply (0x00, v4, out);
  g_assert_cmpmem (out, n, ((const guint8[]) { 0x05, 0x00, 0x00, 0x01, 192, 0, 2, 7, 0xab, 0xcd }), 10);

  n = sy_socks5_encode_reply (0x00, v6, out);
  g_assert_cmpmem (out, n, ((const guint8[]) { 0x05, 0x00, 0x00, 0x04,
                                               0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                               0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xbb }), 22);

  n = sy_socks5_encode_reply (0x00, mapped, out);
  g_assert_cmpmem (out, n, ((const guint8[]) { 0x05, 0x00, 0x00, 0x01, 10, 0, 0, 1, 0x04, 0x38 }), 10);

  n = sy_socks5_encode_reply (SY_SOCKS5_REP_CONNECTION_REFUSED, NULL, out);
  g_assert_cmpmem (out, n, ((const guint8[]) { 0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0 }), 10);

  n = sy_socks5_encode_reply (SY_SOCKS5_REP_COMMAND_NOT_SUPPORTED, unix_address, out);
  g_assert_cmpmem (out, n, ((const guint8[]) { 0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0 }), 10);

  n = sy_socks5_encode_method (SY_SOCKS5_METHOD_NO_ACCEPTABLE, out);
  g_assert_cmpmem (out, n, ((const guint8[]) { 0x05, 0xff }), 2);

  n = sy_socks5_encode_auth_status (SY_SOCKS5_AUTH_FAILURE, out);
  g_assert_cmpmem (out, n, ((const guint8[]) { 0x01, 0x01 }), 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/socks5/greeting/valid", test_greeting_valid);
  g_test_add_func ("/core/socks5/greeting/malformed", test_greeting_malformed);
  g_test_add_func ("/core/socks5/auth", test_auth);
  g_test_add_func ("/core/socks5/request/valid", test_request_valid);
  g_test_add_func ("/core/socks5/request/malformed", test_request_malformed);
  g_test_add_func ("/core/socks5/request/truncated", test_request_truncated);
  g_test_add_func ("/core/socks5/encode-reply", test_encode_reply);

  return g_test_run ();
}
