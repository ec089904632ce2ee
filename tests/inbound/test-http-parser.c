/* test-http-parser.c — proxy request/response heads and body framing
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "inbound/sy-http-parser.h"

static SyHttpParseResult
parse_request (const char     *text,
               SyHttpRequest **request)
{
  return sy_http_parse_request ((const guint8 *) text, strlen (text), NULL, request);
}

static char *
serialize_request (const SyHttpRequest *request)
{
  g_autoptr(GBytes) bytes = sy_http_request_serialize (request);

  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* libsoup keeps well-known fields apart from the others, so fields with
 * different names may come out in another order; RFC 9110 §5.3 makes that
 * order meaningless. Compare the start line exactly and the fields sorted. */
static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static char *
normalize_head (const char *head)
{
  g_auto(GStrv) lines = g_strsplit (head, "\r\n", -1);
  guint n = g_strv_length (lines);

  g_assert_cmpuint (n, >=, 3);
  g_assert_cmpstr (lines[n - 1], ==, "");
  g_assert_cmpstr (lines[n - 2], ==, "");
  g_free (lines[n - 2]);
  g_free (lines[n - 1]);
  lines[n - 2] = NULL;
  qsort (lines + 1, n - 3, sizeof (char *), compare_lines);
  return g_strjoinv ("\n", lines);
}

#define assert_head_equal(a, b) \
  G_STMT_START { \
    g_autofree char *na = normalize_head (a); \
    g_autofree char *nb = normalize_head (b); \
    g_assert_cmpstr (na, ==, nb); \
  } G_STMT_END

/* Every prefix of a complete head is incomplete, with and without the
 * incremental scan position, and the whole is accepted with the same
 * length either way. */
static void
assert_prefixes_need_more (const char *text,
                           gsize       head_length)
{
  gsize scanned = 0;

  for (gsize i = 0; i < head_length; i++)
    {
      g_autoptr(SyHttpRequest) request = NULL;
      SyHttpParseResult r;

      r = sy_http_parse_request ((const guint8 *) text, i, NULL, &request);
      g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_NEED_MORE);
      g_assert_null (request);
      r = sy_http_parse_request ((const guint8 *) text, i, &scanned, &request);
      g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_NEED_MORE);
    }

  {
    g_autoptr(SyHttpRequest) request = NULL;
    SyHttpParseResult r = sy_http_parse_request ((const guint8 *) text, head_length,
                                                 &scanned, &request);

    g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_OK);
    g_assert_cmpuint (r.consumed, ==, head_length);
  }
}

/* CONNECT ------------------------------------------------------------------ */

static void
test_connect (void)
{
  const struct {
    const char *text;
    const char *host;
    guint16     port;
  } cases[] = {
    { "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "example.com", 443 },
    { "CONNECT 127.0.0.1:8080 HTTP/1.1\r\n\r\n", "127.0.0.1", 8080 },
    { "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n", "::1", 8443 },
    { "CONNECT [2001:db8::1]:65535 HTTP/1.0\r\n\r\n", "2001:db8::1", 65535 },
    { "CONNECT a-b_c.example:1 HTTP/1.1\n\n", "a-b_c.example", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyHttpRequest) request = NULL;
      SyHttpParseResult r = parse_request (cases[i].text, &request);

      g_test_message ("CONNECT case %u", i);
      g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_OK);
      g_assert_cmpuint (r.consumed, ==, strlen (cases[i].text));
      g_assert_true (request->is_connect);
      g_assert_cmpstr (request->method, ==, "CONNECT");
      g_assert_cmpstr (request->host, ==, cases[i].host);
      g_assert_cmpuint (request->port, ==, cases[i].port);
      g_assert_null (request->path);
      assert_prefixes_need_more (cases[i].text, strlen (cases[i].text));
    }
}

static void
test_connect_pipelined (void)
{
  const char *text = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
                     "\x16\x03\x01\x02\x05";
  g_autoptr(SyHttpRequest) request = NULL;
  SyHttpParseResult r = parse_request (text, &request);

  /* the TLS ClientHello after the head is not part of it */
  g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_OK);
  g_assert_cmpuint (r.consumed, ==, strlen (text) - 5);
}

static void
test_connect_malformed (void)
{
  const char *cases[] = {
    "CONNECT example.com HTTP/1.1\r\n\r\n",          /* no port */
    "CONNECT example.com: HTTP/1.1\r\n\r\n",
    "CONNECT example.com:0 HTTP/1.1\r\n\r\n",
    "CONNECT example.com:65536 HTTP/1.1\r\n\r\n",
    "CONNECT example.com:+80 HTTP/1.1\r\n\r\n",
    "CONNECT example.com:8o HTTP/1.1\r\n\r\n",
    "CONNECT :443 HTTP/1.1\r\n\r\n",
    "CONNECT ::1:443 HTTP/1.1\r\n\r\n",               /* IPv6 needs brackets */
    "CONNECT [::1] HTTP/1.1\r\n\r\n",
    "CONNECT [::1]443 HTTP/1.1\r\n\r\n",
    "CONNECT [example.com]:443 HTTP/1.1\r\n\r\n",
    "CONNECT [::1:443 HTTP/1.1\r\n\r\n",
    "CONNECT ex%61mple.com:443 HTTP/1.1\r\n\r\n",
    "CONNECT http://example.com:443/ HTTP/1.1\r\n\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyHttpRequest) request = NULL;
      SyHttpParseResult r = parse_request (cases[i], &request);

      g_test_message ("case %s", cases[i]);
      g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_ERROR);
      g_assert_cmpuint (r.http_status, ==, 400);
      g_assert_null (request);
    }
}

/* absolute-form ---------------------------------------------------------- */

static void
test_absolute_rewrite (void)
{
  const struct {
    const char *text;
    const char *host;
    guint16     port;
    const char *forwarded;
  } cases[] = {
    { "GET http://example.com/a/b?x=1&y=%20#frag HTTP/1.1\r\nHost: wrong.example\r\n"
      "User-Agent: test\r\nAccept: */*\r\n\r\n",
      "example.com", 80,
      "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n" },
    { "GET http://example.com HTTP/1.1\r\n\r\n",
      "example.com", 80,
      "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n" },
    { "HEAD http://example.com:8080/index.html HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
      "example.com", 8080,
      "HEAD /index.html HTTP/1.1\r\nHost: example.com:8080\r\n\r\n" },
    { "GET http://[::1]:8080/x HTTP/1.1\r\n\r\n",
      "::1", 8080,
      "GET /x HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n" },
    { "GET http://[2001:db8::5]/ HTTP/1.1\r\n\r\n",
      "2001:db8::5", 80,
      "GET / HTTP/1.1\r\nHost: [2001:db8::5]\r\n\r\n" },
    { "GET http://user:pw@example.com/ HTTP/1.1\r\n\r\n",
      "example.com", 80,
      "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n" },
    { "GET HTTP://Example.COM:80/?q HTTP/1.1\r\n\r\n",
      "Example.COM", 80,
      "GET /?q HTTP/1.1\r\nHost: Example.COM\r\n\r\n" },
    /* GUri decodes a percent-encoded reg-name (RFC 3986 §3.2.2) */
    { "GET http://ex%61mple.com/%7e HTTP/1.1\r\n\r\n",
      "example.com", 80,
      "GET /%7e HTTP/1.1\r\nHost: example.com\r\n\r\n" },
    /* an HTTP/1.0 client still gets HTTP/1.1 towards the origin */
    { "GET http://10.0.0.1:81/p HTTP/1.0\r\nX-A: 1\r\nX-A: 2\r\n\r\n",
      "10.0.0.1", 81,
      "GET /p HTTP/1.1\r\nHost: 10.0.0.1:81\r\nX-A: 1\r\nX-A: 2\r\n\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyHttpRequest) request = NULL;
      g_autofree char *forwarded = NULL;
      SyHttpParseResult r = parse_request (cases[i].text, &request);

      g_test_message ("absolute case %u", i);
      g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_OK);
      g_assert_cmpuint (r.consumed, ==, strlen (cases[i].text));
      g_assert_false (request->is_connect);
      g_assert_cmpstr (request->host, ==, cases[i].host);
      g_assert_cmpuint (request->port, ==, cases[i].port);
      forwarded = serialize_request (request);
      assert_head_equal (forwarded, cases[i].forwarded);
      assert_prefixes_need_more (cases[i].text, strlen (cases[i].text));
    }
}

static void
test_absolute_methods (void)
{
  const char *methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
                            "TRACE", "PROPFIND", "M-SEARCH" };

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autofree char *text = g_strdup_printf ("%s http://h.example/r HTTP/1.1\r\n"
                                               "Content-Length: 0\r\n\r\n", methods[i]);
      g_autofree char *expected = g_strdup_printf ("%s /r HTTP/1.1\r\nHost: h.example\r\n"
                                                   "Content-Length: 0\r\n\r\n", methods[i]);
      g_autoptr(SyHttpRequest) request = NULL;
      g_autofree char *forwarded = NULL;

      g_assert_cmpint (parse_request (text, &request).status, ==, SY_HTTP_PARSE_OK);
      g_assert_cmpstr (request->method, ==, methods[i]);
      g_assert_cmpint (request->framing, ==, SY_HTTP_BODY_NONE);
      forwarded = serialize_request (request);
      g_assert_cmpstr (forwarded, ==, expected);
    }
}

static void
test_rejected_targets (void)
{
  const struct {
    const char *text;
    guint       status;
  } cases[] = {
    { "GET https://example.com/ HTTP/1.1\r\n\r\n", 400 },
    /* RFC 9112 §5.1: whitespace before the colon must be a 400, never dropped */
    { "GET http://example.com/ HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n", 400 },
    { "GET http://example.com/ HTTP/1.1\r\nX-A\t: 1\r\n\r\n", 400 },
    /* §5.2: obsolete line folding */
    { "GET http://example.com/ HTTP/1.1\r\nX-A: 1\r\n  continued\r\n\r\n", 400 },
    { "GET HTTPS://example.com/ HTTP/1.1\r\n\r\n", 400 },
    { "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n", 400 },
    { "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n", 400 },
    { "GET ftp://example.com/ HTTP/1.1\r\n\r\n", 400 },
    { "GET http:///path HTTP/1.1\r\n\r\n", 400 },
    { "GET http://exa mple.com/ HTTP/1.1\r\n\r\n", 400 },
    { "GET http://example.com:99999/ HTTP/1.1\r\n\r\n", 400 },
    { "GET http://example.com:0/ HTTP/1.1\r\n\r\n", 400 },
    { "GET http://example.com/\x01 HTTP/1.1\r\n\r\n", 400 },
    { "GET http://example.com/\xc3\xa9 HTTP/1.1\r\n\r\n", 400 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyHttpRequest) request = NULL;
      SyHttpParseResult r = parse_request (cases[i].text, &request);

      g_test_message ("case %s", cases[i].text);
      g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_ERROR);
      g_assert_cmpuint (r.http_status, ==, cases[i].status);
      g_assert_nonnull (r.reason);
    }
}

/* hop-by-hop ------------------------------------------------------------- */

static void
test_hop_by_hop (void)
{
  const char *text =
    "POST http://example.com/submit HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "Connection: keep-alive, X-Private, x-other\r\n"
    "Keep-Alive: timeout=5\r\n"
    "Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n"
    "Proxy-Connection: keep-alive\r\n"
    "TE: trailers\r\n"
    "Trailer: X-Checksum\r\n"
    "Upgrade: websocket\r\n"
    "X-Private: secret\r\n"
    "X-Other: also\r\n"
    "X-Kept: 1\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 3\r\n"
    "\r\n";
  g_autoptr(SyHttpRequest) request = NULL;
  g_autofree char *forwarded = NULL;

  g_assert_cmpint (parse_request (text, &request).status, ==, SY_HTTP_PARSE_OK);
  g_assert_cmpstr (request->proxy_authorization, ==, "Basic YWxpY2U6czNjcmV0");
  g_assert_true (request->keep_alive);
  g_assert_cmpint (request->framing, ==, SY_HTTP_BODY_LENGTH);
  g_assert_cmpuint (request->content_length, ==, 3);

  forwarded = serialize_request (request);
  assert_head_equal (forwarded,
                   "POST /submit HTTP/1.1\r\n"
                   "Host: example.com\r\n"
                   "X-Kept: 1\r\n"
                   "Content-Type: text/plain\r\n"
                   "Content-Length: 3\r\n"
                   "\r\n");
}

static void
test_connection_cannot_drop_framing (void)
{
  const char *text =
    "POST http://example.com/ HTTP/1.1\r\n"
    "Connection: Content-Length, Transfer-Encoding, Host, X-Gone\r\n"
    "X-Gone: 1\r\n"
    "Content-Length: 4\r\n"
    "\r\n";
  g_autoptr(SyHttpRequest) request = NULL;
  g_autofree char *forwarded = NULL;

  g_assert_cmpint (parse_request (text, &request).status, ==, SY_HTTP_PARSE_OK);
  g_assert_cmpint (request->framing, ==, SY_HTTP_BODY_LENGTH);
  forwarded = serialize_request (request);
  g_assert_cmpstr (forwarded, ==,
                   "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\n\r\n");
}

static void
test_keep_alive (void)
{
  const struct {
    const char *text;
    gboolean    keep_alive;
  } cases[] = {
    { "GET http://h/ HTTP/1.1\r\n\r\n", TRUE },
    { "GET http://h/ HTTP/1.1\r\nConnection: close\r\n\r\n", FALSE },
    { "GET http://h/ HTTP/1.1\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", FALSE },
    { "GET http://h/ HTTP/1.1\r\nProxy-Connection: close\r\n\r\n", FALSE },
    { "GET http://h/ HTTP/1.0\r\n\r\n", FALSE },
    { "GET http://h/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", TRUE },
    { "GET http://h/ HTTP/1.0\r\nProxy-Connection: Keep-Alive\r\n\r\n", TRUE },
    /* RFC 9112 §6.1: chunked from an HTTP/1.0 client is served, then closed */
    { "POST http://h/ HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyHttpRequest) request = NULL;

      g_test_message ("case %u", i);
      g_assert_cmpint (parse_request (cases[i].text, &request).status, ==, SY_HTTP_PARSE_OK);
      g_assert_cmpint (request->keep_alive, ==, cases[i].keep_alive);
    }
}

/* request framing -------------------------------------------------------- */

static void
test_request_framing (void)
{
  const struct {
    const char        *fields;
    SyHttpParseStatus  status;
    SyHttpBodyFraming  framing;
    guint64            length;
  } cases[] = {
    { "", SY_HTTP_PARSE_OK, SY_HTTP_BODY_NONE, 0 },
    { "Content-Length: 0\r\n", SY_HTTP_PARSE_OK, SY_HTTP_BODY_NONE, 0 },
    { "Content-Length: 12345\r\n", SY_HTTP_PARSE_OK, SY_HTTP_BODY_LENGTH, 12345 },
    { "Content-Length:  7 \r\n", SY_HTTP_PARSE_OK, SY_HTTP_BODY_LENGTH, 7 },
    { "Content-Length: 5, 5\r\n", SY_HTTP_PARSE_OK, SY_HTTP_BODY_LENGTH, 5 },
    { "Content-Length: 5\r\nContent-Length: 5\r\n", SY_HTTP_PARSE_OK, SY_HTTP_BODY_LENGTH, 5 },
    { "Content-Length: 5\r\nContent-Length: 6\r\n", SY_HTTP_PARSE_ERROR, 0, 0 },
    { "Content-Length: 5, 6\r\n", SY_HTTP_PARSE_ERROR, 0, 0 },
    { "Content-Length: -1\r\n", SY_HTTP_PARSE_ERROR, 0, 0 },
    { "Content-Length: +1\r\n", SY_HTTP_PARSE_ERROR, 0, 0 },
    { "Content-Length: 0x10\r\n", SY_HTTP_PARSE_ERROR, 0, 0 },
    { "Content-Length: 1 2\r\n", SY_HTTP_PARSE_ERROR, 0, 0 },
    { "Content-Length: \r\n", SY_HTTP_PARSE_ERROR, 0, 0 },
    { "Content-Length: 99999999999999999999\r\n", SY_HTTP_PARSE_ERROR, 0, 0 },
    { "Transfer-Encoding: chunked\r\n", SY_HTTP_PARSE_OK, SY_HTTP_BODY_CHUNKED, 0 },
    { "Transfer-Encoding: Chunked\r\n", SY_HTTP_PARSE_OK, SY_HTTP_BODY_CHUNKED, 0 },
    { "Transfer-Encoding: gzip, chunked\r\n", SY_HTTP_PARSE_OK, SY_HTTP_BODY_CHUNKED, 0 },
    { "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", SY_HTTP_PARSE_OK, SY_HTTP_BODY_CHUNKED, 0 },
    { "Transfer-Encoding: chunked, gzip\r\n", SY_HTTP_PARSE_ERROR, 0, 0 },
    { "Transfer-Encoding: gzip\r\n", SY_HTTP_PARSE_ERROR, 0, 0 },
    { "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", SY_HTTP_PARSE_ERROR, 0, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("PUT http://h.example/x HTTP/1.1\r\n%s\r\n",
                                               cases[i].fields);
      g_autoptr(SyHttpRequest) request = NULL;
      SyHttpParseResult r = parse_request (text, &request);

      g_test_message ("framing case %u: %s", i, cases[i].fields);
      g_assert_cmpint (r.status, ==, cases[i].status);
      if (r.status == SY_HTTP_PARSE_OK)
        {
          g_assert_cmpint (request->framing, ==, cases[i].framing);
          g_assert_cmpuint (request->content_length, ==, cases[i].length);
        }
      else
        g_assert_cmpuint (r.http_status, ==, 400);
    }

  /* chunked passes through: its Transfer-Encoding is forwarded */
  {
    g_autoptr(SyHttpRequest) request = NULL;
    g_autofree char *forwarded = NULL;

    g_assert_cmpint (parse_request ("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                                    "TE: trailers\r\n\r\n", &request).status, ==, SY_HTTP_PARSE_OK);
    forwarded = serialize_request (request);
    g_assert_cmpstr (forwarded, ==,
                     "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  }
}

/* malformed and oversized heads ----------------------------------------- */

static void
test_malformed_heads (void)
{
  const struct {
    const char *text;
    gsize       length;   /* 0: strlen */
    guint       status;
  } cases[] = {
    { "GET\r\n\r\n", 0, 400 },
    { "GET http://h/\r\n\r\n", 0, 400 },
    { "GET http://h/ HTTP/2.0\r\n\r\n", 0, 505 },
    { "GET http://h/ HTTP/0.9\r\n\r\n", 0, 505 },
    { "GET http://h/ FOO/1.1\r\n\r\n", 0, 400 },
    { "GET http://h/ HTTP/1.1 extra\r\n\r\n", 0, 400 },
    { "G(T http://h/ HTTP/1.1\r\n\r\n", 0, 400 },
    { "GET http://h/ HTTP/1.1\r\nX: a\x01" "b\r\n\r\n", 0, 400 },
    { "GET http://h/ HTTP/1.1\r\nX\x7f: a\r\n\r\n", 0, 400 },
    { "GET http://h/ HTTP/1.1\r\nX: a\0b\r\n\r\n", 34, 400 },
    { "GET http://h/ HTTP/1.1\r\nExpect: something-else\r\n\r\n", 0, 417 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyHttpRequest) request = NULL;
      gsize length = cases[i].length ? cases[i].length : strlen (cases[i].text);
      SyHttpParseResult r = sy_http_parse_request ((const guint8 *) cases[i].text, length,
                                                   NULL, &request);

      g_test_message ("malformed case %u", i);
      g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_ERROR);
      g_assert_cmpuint (r.http_status, ==, cases[i].status);
      g_assert_null (request);
    }
}

static void
test_head_edges (void)
{
  g_autoptr(SyHttpRequest) a = NULL;
  g_autoptr(SyHttpRequest) b = NULL;
  g_autoptr(SyHttpRequest) c = NULL;
  const char *leading = "\r\n\r\nGET http://h/ HTTP/1.1\r\n\r\n";
  const char *lf_only = "GET http://h/ HTTP/1.1\nHost: h\nX-A: 1\n\nrest";
  const char *expect = "POST http://h/ HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  SyHttpParseResult r;

  /* RFC 9112 §2.2: empty lines before the request-line are skipped */
  r = parse_request (leading, &a);
  g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_OK);
  g_assert_cmpuint (r.consumed, ==, strlen (leading));

  r = parse_request (lf_only, &b);
  g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_OK);
  g_assert_cmpuint (r.consumed, ==, strlen (lf_only) - 4);
  g_assert_cmpstr (soup_message_headers_get_one (b->headers, "X-A"), ==, "1");

  /* Expect: 100-continue goes through to the origin */
  r = parse_request (expect, &c);
  g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_OK);
  g_assert_cmpstr (soup_message_headers_get_one (c->headers, "Expect"), ==, "100-continue");

  /* RFC 9112 §2.2: a bare CR inside a field never reaches the origin as a
   * CR (libsoup turns it into SP), so no server can take it as a line end */
  {
    g_autoptr(SyHttpRequest) d = NULL;
    g_autofree char *forwarded = NULL;

    g_assert_cmpint (parse_request ("GET http://h/ HTTP/1.1\r\nX: a\rb\r\n\r\n", &d).status, ==,
                     SY_HTTP_PARSE_OK);
    forwarded = serialize_request (d);
    g_assert_cmpstr (forwarded, ==, "GET / HTTP/1.1\r\nHost: h\r\nX: a b\r\n\r\n");
  }

  /* only newlines so far: keep waiting */
  {
    g_autoptr(SyHttpRequest) d = NULL;

    g_assert_cmpint (parse_request ("\r\n\r\n", &d).status, ==, SY_HTTP_PARSE_NEED_MORE);
  }
}

static void
test_oversized (void)
{
  g_autoptr(GString) big = g_string_new ("GET http://h/ HTTP/1.1\r\n");
  g_autoptr(GString) line = g_string_new ("GET http://h/");
  g_autoptr(SyHttpRequest) request = NULL;
  SyHttpParseResult r;
  gsize scanned = 0;

  /* fields without an end: incomplete until the limit, then 431 */
  while (big->len < SY_HTTP_MAX_HEAD_SIZE - 100)
    g_string_append (big, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
  r = sy_http_parse_request ((const guint8 *) big->str, big->len, &scanned, &request);
  g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_NEED_MORE);
  while (big->len < SY_HTTP_MAX_HEAD_SIZE)
    g_string_append (big, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
  r = sy_http_parse_request ((const guint8 *) big->str, big->len, &scanned, &request);
  g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_ERROR);
  g_assert_cmpuint (r.http_status, ==, 431);

  /* complete but larger than the limit: 431 too */
  g_string_append (big, "\r\n");
  r = sy_http_parse_request ((const guint8 *) big->str, big->len, NULL, &request);
  g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_ERROR);
  g_assert_cmpuint (r.http_status, ==, 431);

  /* a request-line longer than 8 KiB: 414, before the head is complete */
  while (line->len <= SY_HTTP_MAX_REQUEST_LINE)
    g_string_append (line, "aaaaaaaaaaaaaaaa");
  r = sy_http_parse_request ((const guint8 *) line->str, line->len, NULL, &request);
  g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_ERROR);
  g_assert_cmpuint (r.http_status, ==, 414);
  g_assert_null (request);
}

/* responses ---------------------------------------------------------------- */

static void
test_responses (void)
{
  const struct {
    const char        *method;
    const char        *text;
    guint              status;
    SyHttpBodyFraming  framing;
    guint64            length;
    gboolean           keep_alive;
  } cases[] = {
    { "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 200, SY_HTTP_BODY_LENGTH, 5, TRUE },
    { "GET", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, SY_HTTP_BODY_NONE, 0, TRUE },
    { "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200, SY_HTTP_BODY_CHUNKED, 0, TRUE },
    { "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n",
      200, SY_HTTP_BODY_CHUNKED, 0, TRUE },
    { "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 200, SY_HTTP_BODY_UNTIL_CLOSE, 0, FALSE },
    { "GET", "HTTP/1.1 200 OK\r\n\r\n", 200, SY_HTTP_BODY_UNTIL_CLOSE, 0, FALSE },
    { "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\n",
      200, SY_HTTP_BODY_LENGTH, 5, FALSE },
    { "GET", "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n", 200, SY_HTTP_BODY_LENGTH, 5, FALSE },
    { "GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\n",
      200, SY_HTTP_BODY_LENGTH, 5, TRUE },
    { "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", 200, SY_HTTP_BODY_NONE, 0, TRUE },
    { "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200, SY_HTTP_BODY_NONE, 0, TRUE },
    { "GET", "HTTP/1.1 204 No Content\r\n\r\n", 204, SY_HTTP_BODY_NONE, 0, TRUE },
    { "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n", 304, SY_HTTP_BODY_NONE, 0, TRUE },
    { "POST", "HTTP/1.1 100 Continue\r\n\r\n", 100, SY_HTTP_BODY_NONE, 0, TRUE },
    { "GET", "HTTP/1.1 404 \r\nContent-Length: 1\r\n\r\n", 404, SY_HTTP_BODY_LENGTH, 1, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyHttpResponse) response = NULL;
      SyHttpParseResult r;

      g_test_message ("response case %u", i);
      r = sy_http_parse_response ((const guint8 *) cases[i].text, strlen (cases[i].text), NULL,
                                  cases[i].method, &response);
      g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_OK);
      g_assert_cmpuint (r.consumed, ==, strlen (cases[i].text));
      g_assert_cmpuint (response->status, ==, cases[i].status);
      g_assert_cmpint (response->framing, ==, cases[i].framing);
      g_assert_cmpuint (response->content_length, ==, cases[i].length);
      g_assert_cmpint (response->keep_alive, ==, cases[i].keep_alive);

      for (gsize j = 0; j < strlen (cases[i].text); j++)
        {
          g_autoptr(SyHttpResponse) partial = NULL;

          r = sy_http_parse_response ((const guint8 *) cases[i].text, j, NULL,
                                      cases[i].method, &partial);
          g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_NEED_MORE);
        }
    }
}

static void
test_response_malformed (void)
{
  const char *cases[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    "HTTP/2 200 OK\r\n\r\n",
    "SSH-2.0-OpenSSH_9.2\r\n\r\n",
    "HTTP/1.1 2000 OK\r\n\r\n",
    "HTTP/1.1 600 Beyond\r\n\r\n",
    "HTTP/1.1 099 Below\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyHttpResponse) response = NULL;
      SyHttpParseResult r = sy_http_parse_response ((const guint8 *) cases[i], strlen (cases[i]),
                                                    NULL, "GET", &response);

      g_test_message ("case %u", i);
      g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_ERROR);
      g_assert_cmpuint (r.http_status, ==, 502);
      g_assert_null (response);
    }

  /* an endless head from a server */
  {
    g_autofree char *big = g_strnfill (SY_HTTP_MAX_HEAD_SIZE, 'a');
    g_autoptr(SyHttpResponse) response = NULL;
    SyHttpParseResult r = sy_http_parse_response ((const guint8 *) big, SY_HTTP_MAX_HEAD_SIZE,
                                                  NULL, "GET", &response);

    g_assert_cmpint (r.status, ==, SY_HTTP_PARSE_ERROR);
    g_assert_cmpuint (r.http_status, ==, 502);
  }
}

static char *
bytes_to_string (GBytes *bytes)
{
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
test_response_serialize (void)
{
  const char *text = "HTTP/1.1 200 Fine\r\n"
                     "Connection: keep-alive, X-Hop\r\n"
                     "Keep-Alive: timeout=5\r\n"
                     "X-Hop: 1\r\n"
                     "Transfer-Encoding: chunked\r\n"
                     "Content-Type: text/html\r\n"
                     "\r\n";
  g_autoptr(SyHttpResponse) response = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(GBytes) kept = NULL;
  g_autofree char *plain_text = NULL;
  g_autofree char *decoded_text = NULL;
  g_autofree char *kept_text = NULL;

  g_assert_cmpint (sy_http_parse_response ((const guint8 *) text, strlen (text), NULL, "GET",
                                           &response).status, ==, SY_HTTP_PARSE_OK);

  plain = sy_http_response_serialize (response, SY_HTTP_SERIALIZE_NONE);
  plain_text = bytes_to_string (plain);
  g_assert_cmpstr (plain_text, ==,
                   "HTTP/1.1 200 Fine\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n");

  decoded = sy_http_response_serialize (response, SY_HTTP_SERIALIZE_DROP_FRAMING | SY_HTTP_SERIALIZE_CLOSE);
  decoded_text = bytes_to_string (decoded);
  g_assert_cmpstr (decoded_text, ==,
                   "HTTP/1.1 200 Fine\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n");

  kept = sy_http_response_serialize (response, SY_HTTP_SERIALIZE_KEEP_ALIVE);
  kept_text = bytes_to_string (kept);
  g_assert_true (g_str_has_suffix (kept_text, "Connection: keep-alive\r\n\r\n"));
}

static void
test_error_response (void)
{
  g_autoptr(GBytes) bytes = sy_http_error_response (407,
                                                    "Proxy-Authenticate: Basic realm=\"Switchyard\"\r\n",
                                                    "Proxy authentication required");
  g_autoptr(GBytes) bytes431 = sy_http_error_response (431, NULL, NULL);
  g_autofree char *text = bytes_to_string (bytes);
  g_autofree char *text431 = bytes_to_string (bytes431);

  g_assert_cmpstr (text, ==,
                   "HTTP/1.1 407 Proxy Authentication Required\r\n"
                   "Content-Type: text/plain; charset=utf-8\r\n"
                   "Content-Length: 30\r\n"
                   "Connection: close\r\n"
                   "Proxy-Authenticate: Basic realm=\"Switchyard\"\r\n"
                   "\r\n"
                   "Proxy authentication required\n");
  g_assert_true (g_str_has_prefix (text431, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
}

/* chunked coding ---------------------------------------------------------- */

static const char chunked_body[] =
  "4\r\nWiki\r\n"
  "5;name=value\r\npedia\r\n"
  "E \r\n in\r\n\r\nchunks.\r\n"
  "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n"
  "000\r\n"
  "X-Checksum: 1\r\n"
  "X-Other: 2\r\n"
  "\r\n";
static const char chunked_payload[] = "Wikipedia in\r\n\r\nchunks.abcdefghijklmnopqrstuvwxyz";

/* Feeds @data in the pieces given by @cuts and returns the decoded payload;
 * checks that exactly the body is consumed and nothing after it. */
static char *
feed_pieces (const char *data,
             gsize       length,
             gsize       body_length,
             const gsize *cuts,
             guint       n_cuts,
             gboolean    decode)
{
  SyHttpChunkDecoder decoder;
  GString *payload = g_string_new (NULL);
  gsize position = 0;
  gsize payload_seen = 0;
  gboolean done = FALSE;

  sy_http_chunk_decoder_init (&decoder);

  for (guint i = 0; i <= n_cuts && !done; i++)
    {
      gsize end = i < n_cuts ? cuts[i] : length;
      guint8 *piece = g_memdup2 (data + position, end - position);
      gsize out_length = 0;
      const char *reason = NULL;
      gssize used;

      used = sy_http_chunk_decoder_feed (&decoder, piece, end - position,
                                         decode ? piece : NULL, &out_length, &done, &reason);
      g_assert_cmpint (used, >=, 0);
      g_assert_null (reason);
      if (decode)
        g_string_append_len (payload, (const char *) piece, out_length);
      payload_seen += out_length;
      if (!done)
        g_assert_cmpint (used, ==, end - position);
      position += used;
      g_free (piece);
    }

  g_assert_true (done);
  g_assert_true (sy_http_chunk_decoder_is_done (&decoder));
  g_assert_cmpuint (position, ==, body_length);
  /* the payload size is counted even when it is not copied out */
  if (decode)
    g_assert_cmpuint (payload_seen, ==, payload->len);
  else
    g_assert_cmpuint (payload_seen, ==, strlen (chunked_payload));

  return g_string_free (payload, FALSE);
}

static void
test_chunked_splits (void)
{
  g_autofree char *data = g_strconcat (chunked_body, "GET http://next/ HTTP/1.1\r\n", NULL);
  gsize body_length = strlen (chunked_body);
  gsize length = strlen (data);

  /* one piece */
  {
    g_autofree char *payload = feed_pieces (data, length, body_length, NULL, 0, TRUE);

    g_assert_cmpstr (payload, ==, chunked_payload);
  }

  /* every split into two and three pieces */
  for (gsize a = 0; a <= length; a++)
    {
      gsize cuts[] = { a };
      g_autofree char *payload = feed_pieces (data, length, body_length, cuts, 1, TRUE);
      g_autofree char *scanned_only = feed_pieces (data, length, body_length, cuts, 1, FALSE);

      g_assert_cmpstr (payload, ==, chunked_payload);
      g_assert_cmpstr (scanned_only, ==, "");

      for (gsize b = a; b <= length; b += 7)
        {
          gsize cuts3[] = { a, b };
          g_autofree char *payload3 = feed_pieces (data, length, body_length, cuts3, 2, TRUE);

          g_assert_cmpstr (payload3, ==, chunked_payload);
        }
    }

  /* one byte at a time */
  {
    gsize *cuts = g_new (gsize, length);
    g_autofree char *payload = NULL;

    for (gsize i = 0; i < length; i++)
      cuts[i] = i + 1;
    payload = feed_pieces (data, length, body_length, cuts, length - 1, TRUE);
    g_assert_cmpstr (payload, ==, chunked_payload);
    g_free (cuts);
  }

  /* the smallest body */
  {
    const char *empty = "0\r\n\r\nNEXT";
    g_autofree char *payload = feed_pieces (empty, strlen (empty), 5, NULL, 0, TRUE);

    g_assert_cmpstr (payload, ==, "");
  }
}

static void
test_chunked_malformed (void)
{
  const char *cases[] = {
    "\r\n",                         /* no size */
    "G\r\n",
    "4\nWiki\r\n0\r\n\r\n",         /* bare LF after the size */
    "4\r\nWikiX\r\n",               /* data longer than the size */
    "4\r\nWiki\n0\r\n\r\n",         /* bare LF after the data */
    "4\r\nWiki\r\n0\r\nX: 1\n\r\n", /* bare LF in the trailer */
    "0\r\n\n",                      /* bare LF at the end */
    "0\r\n\rX",
    "1000000000000000\r\n",         /* 2^60: too large */
    "-1\r\n",
    "4;ext\nWiki",
    " 4\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SyHttpChunkDecoder decoder;
      const char *reason = NULL;
      gboolean done = FALSE;
      gssize used;

      g_test_message ("case %u", i);
      sy_http_chunk_decoder_init (&decoder);
      used = sy_http_chunk_decoder_feed (&decoder, (const guint8 *) cases[i], strlen (cases[i]),
                                         NULL, NULL, &done, &reason);
      g_assert_cmpint (used, ==, -1);
      g_assert_nonnull (reason);
    }

  /* an endless extension is cut off */
  {
    SyHttpChunkDecoder decoder;
    g_autofree char *ext = g_strnfill (8192, 'x');
    const char *reason = NULL;
    gssize used;

    sy_http_chunk_decoder_init (&decoder);
    g_assert_cmpint (sy_http_chunk_decoder_feed (&decoder, (const guint8 *) "1;", 2,
                                                 NULL, NULL, NULL, &reason), ==, 2);
    used = sy_http_chunk_decoder_feed (&decoder, (const guint8 *) ext, 8192, NULL, NULL, NULL, &reason);
    g_assert_cmpint (used, ==, -1);
    g_assert_cmpstr (reason, ==, "chunk extension too long");
  }

  /* and so is an endless trailer */
  {
    SyHttpChunkDecoder decoder;
    g_autoptr(GString) trailer = g_string_new ("0\r\n");
    const char *reason = NULL;

    while (trailer->len < 20000)
      g_string_append (trailer, "X-Trailer: aaaaaaaaaaaaaaaaaaaaa\r\n");
    sy_http_chunk_decoder_init (&decoder);
    g_assert_cmpint (sy_http_chunk_decoder_feed (&decoder, (const guint8 *) trailer->str,
                                                 trailer->len, NULL, NULL, NULL, &reason), ==, -1);
    g_assert_cmpstr (reason, ==, "trailer section too large");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/http/connect", test_connect);
  g_test_add_func ("/core/http/connect-pipelined", test_connect_pipelined);
  g_test_add_func ("/core/http/connect-malformed", test_connect_malformed);
  g_test_add_func ("/core/http/absolute-rewrite", test_absolute_rewrite);
  g_test_add_func ("/core/http/absolute-methods", test_absolute_methods);
  g_test_add_func ("/core/http/rejected-targets", test_rejected_targets);
  g_test_add_func ("/core/http/hop-by-hop", test_hop_by_hop);
  g_test_add_func ("/core/http/connection-cannot-drop-framing", test_connection_cannot_drop_framing);
  g_test_add_func ("/core/http/keep-alive", test_keep_alive);
  g_test_add_func ("/core/http/request-framing", test_request_framing);
  g_test_add_func ("/core/http/malformed-heads", test_malformed_heads);
  g_test_add_func ("/core/http/head-edges", test_head_edges);
  g_test_add_func ("/core/http/oversized", test_oversized);
  g_test_add_func ("/core/http/responses", test_responses);
  g_test_add_func ("/core/http/response-malformed", test_response_malformed);
  g_test_add_func ("/core/http/response-serialize", test_response_serialize);
  g_test_add_func ("/core/http/error-response", test_error_response);
  g_test_add_func ("/core/http/chunked-splits", test_chunked_splits);
  g_test_add_func ("/core/http/chunked-malformed", test_chunked_malformed);

  return g_test_run ();
}
