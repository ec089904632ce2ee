/* fuzz-socks5.c — libFuzzer harness for the SOCKS5 parsers
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the input through the greeting, RFC 1929 and request parsers as a
 * client would send them back to back, and checks what the inbound relies
 * on: a parser never claims more bytes than it was given, every strict
 * prefix of an accepted message asks for more, and an accepted request's
 * address survives a trip through the reply encoder.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inbound/sy-socks5-parser.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check (gboolean    condition,
       const char *what)
{
  if (!condition)
    {
      g_printerr ("socks5 parser invariant broken: %s\n", what);
      abort ();
    }
}

typedef SySocks5ParseResult (*ParseFunc) (const guint8 *data, gsize length, gpointer out);

/* Returns the bytes consumed, or 0 when the message is incomplete or bad. */
static gsize
fuzz_message (ParseFunc     parse,
              const guint8 *data,
              gsize         size,
              gpointer      out,
              gsize         out_size)
{
  gpointer scratch = g_malloc (out_size);
  SySocks5ParseResult r = parse (data, size, out);

  switch (r.status)
    {
    case SY_SOCKS5_PARSE_OK:
      check (r.consumed > 0 && r.consumed <= size, "consumed out of range");
      /* the same bytes alone give the same answer, and every prefix is
       * incomplete: no decision depends on bytes after the message */
      check (parse (data, r.consumed, scratch).status == SY_SOCKS5_PARSE_OK, "not prefix-stable");
      for (gsize i = 0; i < r.consumed; i++)
        check (parse (data, i, scratch).status == SY_SOCKS5_PARSE_NEED_MORE,
               "prefix of a message is not incomplete");
      break;

    case SY_SOCKS5_PARSE_ERROR:
      check (r.reason != NULL && r.reason[0] != '\0', "error without reason");
      break;

    case SY_SOCKS5_PARSE_NEED_MORE:
      check (r.consumed == 0, "incomplete message consumed bytes");
      break;

    default:
      check (FALSE, "unknown status");
    }

  g_free (scratch);
  return r.status == SY_SOCKS5_PARSE_OK ? r.consumed : 0;
}

static void
check_request (const SySocks5Request *request)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  guint8 reply[SY_SOCKS5_REPLY_MAX];
  SySocks5Request again;
  gsize length;

  check (strlen (request->host) > 0 && strlen (request->host) <= 255, "host length");

  if (request->address_type == SY_SOCKS5_ATYP_DOMAIN)
    {
      check (g_utf8_validate (request->host, -1, NULL), "domain is not UTF-8");
      for (const char *p = request->host; *p != '\0'; p++)
        check ((guchar) *p > 0x20 && (guchar) *p != 0x7f, "control character in domain");
      return;
    }

  /* A reply has the layout of a request (REP where CMD is): with REP 0x01
   * it parses as a CONNECT to the very address it carries. */
  address = g_inet_address_new_from_string (request->host);
  check (address != NULL, "IP request without an IP literal");
  bound = g_inet_socket_address_new (address, request->port);
  length = sy_socks5_encode_reply (SY_SOCKS5_CMD_CONNECT, bound, reply);
  check (sy_socks5_parse_request (reply, length, &again).status == SY_SOCKS5_PARSE_OK,
         "encoded reply does not parse");
  check (again.port == request->port, "port lost in reply");
  if (!g_str_has_prefix (request->host, "::ffff:"))
    check (strcmp (again.host, request->host) == 0, "address lost in reply");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  SySocks5Greeting greeting;
  SySocks5Auth auth;
  SySocks5Request request;
  gsize offset = 0;
  gsize n;

  /* each parser on its own, from the start */
  fuzz_message ((ParseFunc) sy_socks5_parse_auth, data, size, &auth, sizeof auth);
  if (fuzz_message ((ParseFunc) sy_socks5_parse_request, data, size, &request, sizeof request) > 0)
    check_request (&request);

  /* and as one conversation: greeting, maybe RFC 1929, then the request */
  n = fuzz_message ((ParseFunc) sy_socks5_parse_greeting, data, size, &greeting, sizeof greeting);
  if (n == 0)
    return 0;
  offset = n;

  if (sy_socks5_choose_method (&greeting, FALSE) == SY_SOCKS5_METHOD_USERNAME ||
      sy_socks5_choose_method (&greeting, TRUE) == SY_SOCKS5_METHOD_USERNAME)
    {
      n = fuzz_message ((ParseFunc) sy_socks5_parse_auth, data + offset, size - offset,
                        &auth, sizeof auth);
      if (n > 0)
        {
          check (auth.username + auth.username_len <= data + size, "username out of bounds");
          check (auth.password + auth.password_len <= data + size, "password out of bounds");
          offset += n;
        }
    }

  n = fuzz_message ((ParseFunc) sy_socks5_parse_request, data + offset, size - offset,
                    &request, sizeof request);
  if (n > 0)
    check_request (&request);

  return 0;
}
