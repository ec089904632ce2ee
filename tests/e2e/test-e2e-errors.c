/* test-e2e-errors.c — every malformed or failing request gets its precise
 * answer from the real switchyardd, over raw sockets
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sy-e2e.h"

static SyE2eService    *service;
static SyE2eEchoServer *echo_server;
static guint16          open_port;    /* no authentication */
static guint16          auth_port;    /* user "alice", password "s3cret" */

/* ------------------------------------------------------------- raw socket */

static GSocket *
connect_to (guint16 port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  /* A missing answer fails the test instead of hanging it. */
  g_socket_set_timeout (socket, 20);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);

  return socket;
}

static void
send_bytes (GSocket    *socket,
            const void *data,
            gsize       length)
{
  g_autoptr(GError) error = NULL;
  gssize sent = g_socket_send (socket, data, length, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (sent, ==, (gssize) length);
}

static void
read_exact (GSocket *socket,
            guint8  *buffer,
            gsize    length)
{
  gsize done = 0;

  while (done < length)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, (char *) buffer + done, length - done, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      done += (gsize) n;
    }
}

/* RFC 1928 §6: after a failure reply the server "MUST terminate the TCP
 * connection shortly after". Nothing else may arrive before the EOF. */
static void
assert_eof (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  char byte;
  gssize n = g_socket_receive (socket, &byte, 1, NULL, &error);

  /* A reset after the reply is a termination too. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    return;
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 0);
}

/* Reads everything until EOF (at most @max bytes). */
static GByteArray *
read_to_eof (GSocket *socket,
             gsize    max)
{
  GByteArray *all = g_byte_array_new ();

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      guint8 buf[1024];
      gssize n = g_socket_receive (socket, (char *) buf, sizeof buf, NULL, &error);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        break;
      g_assert_no_error (error);
      if (n == 0)
        break;
      g_byte_array_append (all, buf, (guint) n);
      g_assert_cmpuint (all->len, <=, max);
    }

  return all;
}

/* --------------------------------------------------------------- SOCKS5 */

static void
greet (GSocket *socket,
       guint8   method)
{
  const guint8 greeting[] = { 0x05, 0x01, method };
  guint8 answer[2];

  send_bytes (socket, greeting, sizeof greeting);
  read_exact (socket, answer, sizeof answer);
  g_assert_cmphex (answer[0], ==, 0x05);
  g_assert_cmphex (answer[1], ==, method);
}

static void
authenticate (GSocket    *socket,
              const char *username,
              const char *password,
              guint8      expected_status)
{
  g_autoptr(GByteArray) message = g_byte_array_new ();
  guint8 ulen = (guint8) strlen (username);
  guint8 plen = (guint8) strlen (password);
  guint8 answer[2];

  /* RFC 1929 §2 */
  g_byte_array_append (message, (const guint8 *) "\x01", 1);
  g_byte_array_append (message, &ulen, 1);
  g_byte_array_append (message, (const guint8 *) username, ulen);
  g_byte_array_append (message, &plen, 1);
  g_byte_array_append (message, (const guint8 *) password, plen);
  send_bytes (socket, message->data, message->len);
  read_exact (socket, answer, sizeof answer);
  g_assert_cmphex (answer[0], ==, 0x01);
  if (expected_status == 0)
    g_assert_cmphex (answer[1], ==, 0x00);
  else
    g_assert_cmphex (answer[1], !=, 0x00);   /* §2: anything but 0 is failure */
}

/* Reads a request reply (RFC 1928 §6) and returns REP; the bound address
 * must be well formed whatever the outcome. */
static guint8
read_reply (GSocket *socket)
{
  guint8 head[5];
  guint8 rest[260];
  gsize rest_length;

  read_exact (socket, head, sizeof head);
  g_assert_cmphex (head[0], ==, 0x05);
  g_assert_cmphex (head[2], ==, 0x00);
  switch (head[3])
    {
    case 0x01:
      rest_length = 4 - 1 + 2;
      break;
    case 0x04:
      rest_length = 16 - 1 + 2;
      break;
    case 0x03:
      rest_length = head[4] + 2;
      break;
    default:
      g_assert_not_reached ();
    }
  read_exact (socket, rest, rest_length);

  return head[1];
}

static void
send_request_ipv4 (GSocket *socket,
                   guint8   command,
                   guint16  port)
{
  const guint8 request[] = { 0x05, command, 0x00, 0x01, 127, 0, 0, 1, port >> 8, port & 0xff };

  send_bytes (socket, request, sizeof request);
}

static void
check_request_fails (guint8 command,
                     guint8 expected_rep)
{
  g_autoptr(GSocket) socket = connect_to (open_port);

  greet (socket, 0x00);
  send_request_ipv4 (socket, command, sy_e2e_echo_server_get_port (echo_server));
  g_assert_cmphex (read_reply (socket), ==, expected_rep);
  assert_eof (socket);
}

static void
test_socks5_success (void)
{
  g_autoptr(GSocket) socket = connect_to (auth_port);
  guint8 echo[5];

  /* The positive case first, so that the failures below are failures of
   * the request and not of the set-up. */
  greet (socket, 0x02);
  authenticate (socket, "alice", "s3cret", 0);
  send_request_ipv4 (socket, 0x01, sy_e2e_echo_server_get_port (echo_server));
  g_assert_cmphex (read_reply (socket), ==, 0x00);
  send_bytes (socket, "hello", 5);
  read_exact (socket, echo, sizeof echo);
  g_assert_cmpmem (echo, sizeof echo, "hello", 5);
}

static void
test_socks5_bad_version_greeting (void)
{
  g_autoptr(GSocket) socket = connect_to (open_port);
  /* A SOCKS4 CONNECT to 127.0.0.1:80 with an empty user id. */
  const guint8 socks4[] = { 0x04, 0x01, 0x00, 0x50, 127, 0, 0, 1, 0x00 };
  g_autoptr(GByteArray) answer = NULL;

  send_bytes (socket, socks4, sizeof socks4);
  answer = read_to_eof (socket, 64);
  /* The first byte is neither SOCKS5's version nor the letter an HTTP
   * method starts with: there is no protocol to answer in, so the
   * connection is closed without a byte. */
  g_assert_cmpuint (answer->len, ==, 0);
}

static void
test_socks5_bad_version_request (void)
{
  g_autoptr(GSocket) socket = connect_to (open_port);
  const guint8 request[] = { 0x04, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0, 80 };

  greet (socket, 0x00);
  send_bytes (socket, request, sizeof request);
  g_assert_cmphex (read_reply (socket), ==, 0x01);
  assert_eof (socket);
}

static void
test_socks5_no_acceptable_method (void)
{
  g_autoptr(GSocket) socket = connect_to (open_port);
  /* GSSAPI and a private method: neither is offered by us. */
  const guint8 greeting[] = { 0x05, 0x02, 0x01, 0x80 };
  guint8 answer[2];

  send_bytes (socket, greeting, sizeof greeting);
  read_exact (socket, answer, sizeof answer);
  g_assert_cmphex (answer[0], ==, 0x05);
  g_assert_cmphex (answer[1], ==, 0xff);
  assert_eof (socket);
}

static void
test_socks5_no_acceptable_method_auth (void)
{
  g_autoptr(GSocket) socket = connect_to (auth_port);
  const guint8 greeting[] = { 0x05, 0x01, 0x00 };
  guint8 answer[2];

  /* An inbound with credentials must not fall back to "no authentication". */
  send_bytes (socket, greeting, sizeof greeting);
  read_exact (socket, answer, sizeof answer);
  g_assert_cmphex (answer[0], ==, 0x05);
  g_assert_cmphex (answer[1], ==, 0xff);
  assert_eof (socket);
}

static void
test_socks5_auth_failed (void)
{
  g_autoptr(GSocket) socket = connect_to (auth_port);

  greet (socket, 0x02);
  authenticate (socket, "alice", "wrong", 1);
  /* RFC 1929 §2: on failure the server MUST close the connection. */
  assert_eof (socket);
}

static void
test_socks5_bind (void)
{
  check_request_fails (0x02, 0x07);
}

static void
test_socks5_udp_associate (void)
{
  check_request_fails (0x03, 0x07);
}

static void
test_socks5_unknown_command (void)
{
  check_request_fails (0x09, 0x07);
}

static void
test_socks5_bad_atyp (void)
{
  g_autoptr(GSocket) socket = connect_to (open_port);
  const guint8 request[] = { 0x05, 0x01, 0x00, 0x02, 127, 0, 0, 1, 0, 80 };

  greet (socket, 0x00);
  send_bytes (socket, request, sizeof request);
  g_assert_cmphex (read_reply (socket), ==, 0x08);
  assert_eof (socket);
}

static void
test_socks5_refused (void)
{
  g_autoptr(GSocket) socket = connect_to (open_port);

  greet (socket, 0x00);
  send_request_ipv4 (socket, 0x01, sy_test_find_free_port ("127.0.0.1"));
  g_assert_cmphex (read_reply (socket), ==, 0x05);
  assert_eof (socket);
}

static void
test_socks5_unresolvable (void)
{
  g_autoptr(GSocket) socket = connect_to (open_port);
  /* RFC 6761 §6.4: .invalid names never resolve. */
  const char *name = "no-such-host.invalid";
  g_autoptr(GByteArray) request = g_byte_array_new ();
  guint8 length = (guint8) strlen (name);
  const guint8 port[] = { 0, 80 };

  greet (socket, 0x00);
  g_byte_array_append (request, (const guint8 *) "\x05\x01\x00\x03", 4);
  g_byte_array_append (request, &length, 1);
  g_byte_array_append (request, (const guint8 *) name, length);
  g_byte_array_append (request, port, 2);
  send_bytes (socket, request->data, request->len);
  g_assert_cmphex (read_reply (socket), ==, 0x04);
  assert_eof (socket);
}

/* ----------------------------------------------------------------- HTTP */

/* Sends @request and returns the response head's status; @head_out gets
 * the whole head. */
static guint
http_exchange (guint16     port,
               const char *request,
               char      **head_out)
{
  g_autoptr(GSocket) socket = connect_to (port);
  g_autoptr(GString) head = g_string_new (NULL);
  guint status = 0;

  send_bytes (socket, request, strlen (request));
  while (strstr (head->str, "\r\n\r\n") == NULL)
    {
      guint8 byte;

      read_exact (socket, &byte, 1);
      g_string_append_c (head, (char) byte);
      g_assert_cmpuint (head->len, <, 16384);
    }
  g_assert_true (g_str_has_prefix (head->str, "HTTP/1."));
  g_assert_cmpint (sscanf (head->str + strlen ("HTTP/1.x"), " %u", &status), ==, 1);

  if (head_out != NULL)
    *head_out = g_strdup (head->str);
  return status;
}

static void
test_http_malformed (void)
{
  const char *requests[] = {
    "HELLO\r\n\r\n",
    "GET\r\n\r\n",
    "CONNECT example.org HTTP/1.1\r\nHost: example.org\r\n\r\n",   /* no port */
    "GET /relative HTTP/1.1\r\nHost: example.org\r\n\r\n",          /* not absolute-form */
    "CONNECT 127.0.0.1:99999 HTTP/1.1\r\nHost: 127.0.0.1:99999\r\n\r\n",   /* port range */
    "CONNECT [::1:80 HTTP/1.1\r\nHost: [::1:80\r\n\r\n",                /* open bracket */
    "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\nX-A: a\001b\r\n\r\n",
    /* RFC 9112 §5.1: whitespace between field name and colon */
    "GET http://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length : 5\r\n\r\nhello",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_test_message ("request %" G_GSIZE_FORMAT ": %s", i, requests[i]);
      g_assert_cmpuint (http_exchange (open_port, requests[i], NULL), ==, 400);
    }
}

static void
test_http_missing_auth (void)
{
  g_autofree char *request = NULL;
  g_autofree char *head = NULL;
  guint16 port = sy_e2e_echo_server_get_port (echo_server);

  request = g_strdup_printf ("CONNECT 127.0.0.1:%u HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                             port, port);
  g_assert_cmpuint (http_exchange (auth_port, request, &head), ==, 407);
  /* RFC 9110 §11.7.1: a 407 carries the challenge. */
  g_assert_nonnull (strstr (head, "\r\nProxy-Authenticate: Basic"));
}

static void
test_http_wrong_auth (void)
{
  g_autofree char *request = NULL;
  g_autofree char *credentials = g_base64_encode ((const guchar *) "alice:wrong", 11);
  guint16 port = sy_e2e_echo_server_get_port (echo_server);

  request = g_strdup_printf ("CONNECT 127.0.0.1:%u HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                             "Proxy-Authorization: Basic %s\r\n\r\n",
                             port, port, credentials);
  g_assert_cmpuint (http_exchange (auth_port, request, NULL), ==, 407);
}

static void
test_http_right_auth (void)
{
  g_autofree char *request = NULL;
  g_autofree char *credentials = g_base64_encode ((const guchar *) "alice:s3cret", 12);
  guint16 port = sy_e2e_echo_server_get_port (echo_server);

  request = g_strdup_printf ("CONNECT 127.0.0.1:%u HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                             "Proxy-Authorization: Basic %s\r\n\r\n",
                             port, port, credentials);
  g_assert_cmpuint (http_exchange (auth_port, request, NULL), ==, 200);
}

static void
test_http_dial_failure (void)
{
  g_autofree char *connect = NULL;
  g_autofree char *forward = NULL;
  guint16 port = sy_test_find_free_port ("127.0.0.1");

  connect = g_strdup_printf ("CONNECT 127.0.0.1:%u HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                             port, port);
  g_assert_cmpuint (http_exchange (open_port, connect, NULL), ==, 502);

  forward = g_strdup_printf ("GET http://127.0.0.1:%u/ HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                             port, port);
  g_assert_cmpuint (http_exchange (open_port, forward, NULL), ==, 502);
}

static void
test_http_unresolvable (void)
{
  const char *request = "CONNECT no-such-host.invalid:80 HTTP/1.1\r\n"
                        "Host: no-such-host.invalid:80\r\n\r\n";

  g_assert_cmpuint (http_exchange (open_port, request, NULL), ==, 502);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *inbounds = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  echo_server = sy_e2e_echo_server_new (&error);
  g_assert_no_error (error);

  open_port = sy_test_find_free_port ("127.0.0.1");
  do
    auth_port = sy_test_find_free_port ("127.0.0.1");
  while (auth_port == open_port);
  inbounds = g_strdup_printf ("[Inbound open]\n"
                              "Listen=127.0.0.1\n"
                              "Port=%u\n"
                              "Outbound=direct\n"
                              "\n"
                              "[Inbound auth]\n"
                              "Listen=127.0.0.1\n"
                              "Port=%u\n"
                              "Username=alice\n"
                              "Password=s3cret\n"
                              "Outbound=direct\n",
                              open_port, auth_port);
  service = sy_e2e_service_new ();
  sy_e2e_service_write_file (service, "inbounds.conf", inbounds);
  sy_e2e_service_start (service, &error);
  g_assert_no_error (error);

  g_test_add_func ("/interop/errors/socks5/success", test_socks5_success);
  g_test_add_func ("/interop/errors/socks5/bad-version-greeting", test_socks5_bad_version_greeting);
  g_test_add_func ("/interop/errors/socks5/bad-version-request", test_socks5_bad_version_request);
  g_test_add_func ("/interop/errors/socks5/no-acceptable-method", test_socks5_no_acceptable_method);
  g_test_add_func ("/interop/errors/socks5/no-acceptable-method-auth",
                   test_socks5_no_acceptable_method_auth);
  g_test_add_func ("/interop/errors/socks5/auth-failed", test_socks5_auth_failed);
  g_test_add_func ("/interop/errors/socks5/bind", test_socks5_bind);
  g_test_add_func ("/interop/errors/socks5/udp-associate", test_socks5_udp_associate);
  g_test_add_func ("/interop/errors/socks5/unknown-command", test_socks5_unknown_command);
  g_test_add_func ("/interop/errors/socks5/bad-atyp", test_socks5_bad_atyp);
  g_test_add_func ("/interop/errors/socks5/refused", test_socks5_refused);
  g_test_add_func ("/interop/errors/socks5/unresolvable", test_socks5_unresolvable);
  g_test_add_func ("/interop/errors/http/malformed", test_http_malformed);
  g_test_add_func ("/interop/errors/http/missing-auth", test_http_missing_auth);
  g_test_add_func ("/interop/errors/http/wrong-auth", test_http_wrong_auth);
  g_test_add_func ("/interop/errors/http/right-auth", test_http_right_auth);
  g_test_add_func ("/interop/errors/http/dial-failure", test_http_dial_failure);
  g_test_add_func ("/interop/errors/http/unresolvable", test_http_unresolvable);

  status = g_test_run ();

  sy_e2e_service_stop (service);
  g_clear_pointer (&service, sy_e2e_service_free);
  g_clear_pointer (&echo_server, sy_e2e_echo_server_free);

  return status;
}
