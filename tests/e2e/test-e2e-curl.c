/* test-e2e-curl.c — curl through switchyardd: SOCKS5, HTTP CONNECT and
 * absolute-form, 64 MiB each way, checksum-verified
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "sy-e2e.h"

/* Large enough that a relay bug in buffer recycling, backpressure or
 * half-close shows up as a wrong checksum or a short body. */
#define TRANSFER_SIZE (64 * 1024 * 1024)

static SyE2eService    *service;
static SyE2eHttpServer *http_server;
static guint16          proxy_port;
static char            *work_dir;
static char            *upload_file;
static char            *upload_sha256;

typedef enum
{
  VIA_SOCKS5H,        /* -x socks5h://: the proxy resolves the name */
  VIA_HTTP_CONNECT,   /* -p -x http://: a CONNECT tunnel */
  VIA_HTTP_FORWARD,   /* -x http:// with an http:// URL: absolute-form requests */
} Via;

static void
add_proxy_args (GStrvBuilder *builder,
                Via           via)
{
  g_autofree char *socks = g_strdup_printf ("socks5h://127.0.0.1:%u", proxy_port);
  g_autofree char *http = g_strdup_printf ("http://127.0.0.1:%u", proxy_port);

  switch (via)
    {
    case VIA_SOCKS5H:
      g_strv_builder_add_many (builder, "-x", socks, NULL);
      break;
    case VIA_HTTP_CONNECT:
      g_strv_builder_add_many (builder, "-p", "-x", http, NULL);
      break;
    case VIA_HTTP_FORWARD:
      g_strv_builder_add_many (builder, "-x", http, NULL);
      break;
    default:
      g_assert_not_reached ();
    }
}

static char *
server_url (Via         via,
            const char *path)
{
  /* Through SOCKS5 the name travels unresolved (ATYP 3) and switchyardd
   * resolves it; "localhost" has both an IPv6 and an IPv4 address, and the
   * server listens on both. */
  return g_strdup_printf ("http://%s:%u%s", via == VIA_SOCKS5H ? "localhost" : "127.0.0.1",
                          sy_e2e_http_server_get_port (http_server), path);
}

static void
check_download (Via via)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *path = g_strdup_printf ("/pattern/%u", TRANSFER_SIZE);
  g_autofree char *url = server_url (via, path);
  g_autofree char *output = g_build_filename (work_dir, "download", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;
  g_auto(GStrv) args = NULL;
  gsize length = 0;

  add_proxy_args (builder, via);
  g_strv_builder_add_many (builder, "--fail", "-o", output, url, NULL);
  args = g_strv_builder_end (builder);

  g_assert_cmpint (sy_e2e_run_curl ((const char * const *) args, NULL, NULL), ==, 0);

  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, sy_e2e_pattern (TRANSFER_SIZE),
                                          TRANSFER_SIZE);
  got = sy_e2e_sha256_file (output, &length);
  g_assert_cmpuint (length, ==, TRANSFER_SIZE);
  g_assert_cmpstr (got, ==, expected);
  g_unlink (output);
}

static void
check_upload (Via         via,
              const char *how)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *url = server_url (via, "/sha256");
  g_autofree char *at_file = g_strconcat ("@", upload_file, NULL);
  g_autofree char *answer = NULL;
  g_autofree char *expected = g_strdup_printf ("%s %u\n", upload_sha256, TRANSFER_SIZE);
  g_auto(GStrv) args = NULL;

  add_proxy_args (builder, via);
  g_strv_builder_add (builder, "--fail");
  /* -T is a PUT; curl sends "Expect: 100-continue" for a body this large,
   * so the proxy must pass the interim 100 response through. */
  if (g_str_equal (how, "put"))
    g_strv_builder_add_many (builder, "-T", upload_file, NULL);
  else
    g_strv_builder_add_many (builder, "-H", "Content-Type: application/octet-stream",
                             "--data-binary", at_file, NULL);
  g_strv_builder_add (builder, url);
  args = g_strv_builder_end (builder);

  g_assert_cmpint (sy_e2e_run_curl ((const char * const *) args, &answer, NULL), ==, 0);
  g_assert_cmpstr (answer, ==, expected);
}

static void
test_socks5h_download (void)
{
  check_download (VIA_SOCKS5H);
}

static void
test_socks5h_upload (void)
{
  check_upload (VIA_SOCKS5H, "put");
  check_upload (VIA_SOCKS5H, "post");
}

static void
test_connect_download (void)
{
  check_download (VIA_HTTP_CONNECT);
}

static void
test_connect_upload (void)
{
  check_upload (VIA_HTTP_CONNECT, "put");
  check_upload (VIA_HTTP_CONNECT, "post");
}

static void
test_forward_download (void)
{
  check_download (VIA_HTTP_FORWARD);
}

static void
test_forward_upload (void)
{
  check_upload (VIA_HTTP_FORWARD, "put");
  check_upload (VIA_HTTP_FORWARD, "post");
}

/* Several requests on one client connection through the forward path, each
 * with its own body: framing errors would mix one response into the next. */
static void
test_forward_keepalive (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *url1 = server_url (VIA_HTTP_FORWARD, "/pattern/100000");
  g_autofree char *url2 = server_url (VIA_HTTP_FORWARD, "/health");
  g_autofree char *url3 = server_url (VIA_HTTP_FORWARD, "/pattern/3");
  g_autofree char *out1 = g_build_filename (work_dir, "k1", NULL);
  g_autofree char *out2 = g_build_filename (work_dir, "k2", NULL);
  g_autofree char *out3 = g_build_filename (work_dir, "k3", NULL);
  g_autofree char *err = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *got = NULL;
  g_autofree char *expected = NULL;
  g_auto(GStrv) args = NULL;
  gsize length;

  add_proxy_args (builder, VIA_HTTP_FORWARD);
  g_strv_builder_add_many (builder, "-v", "--fail",
                           "-o", out1, url1, "-o", out2, url2, "-o", out3, url3, NULL);
  args = g_strv_builder_end (builder);
  g_assert_cmpint (sy_e2e_run_curl ((const char * const *) args, NULL, &err), ==, 0);

  /* curl says so when it reuses the connection for the later requests. */
  g_assert_nonnull (strstr (err, "Re-using existing connection"));

  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, sy_e2e_pattern (100000), 100000);
  got = sy_e2e_sha256_file (out1, &length);
  g_assert_cmpuint (length, ==, 100000);
  g_assert_cmpstr (got, ==, expected);
  g_assert_true (g_file_get_contents (out2, &contents, &length, NULL));
  g_assert_cmpstr (contents, ==, "ok\n");
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (out3, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, sy_e2e_pattern (3), 3);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *inbounds = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  work_dir = sy_e2e_make_temp_dir ();
  upload_file = g_build_filename (work_dir, "upload", NULL);
  /* The upload body is a different stretch of the pattern than the
   * download, so that a response echoed into a request cannot pass. */
  g_file_set_contents (upload_file, (const char *) sy_e2e_pattern (TRANSFER_SIZE + 4096) + 4096,
                       TRANSFER_SIZE, &error);
  g_assert_no_error (error);
  upload_sha256 = sy_e2e_sha256_file (upload_file, NULL);

  http_server = sy_e2e_http_server_new (&error);
  g_assert_no_error (error);

  proxy_port = sy_test_find_free_port ("127.0.0.1");
  inbounds = g_strdup_printf ("[Inbound main]\n"
                              "Listen=127.0.0.1\n"
                              "Port=%u\n"
                              "Outbound=direct\n", proxy_port);
  service = sy_e2e_service_new ();
  sy_e2e_service_write_file (service, "inbounds.conf", inbounds);
  sy_e2e_service_start (service, &error);
  g_assert_no_error (error);

  g_test_add_func ("/interop/curl/socks5h-download", test_socks5h_download);
  g_test_add_func ("/interop/curl/socks5h-upload", test_socks5h_upload);
  g_test_add_func ("/interop/curl/connect-download", test_connect_download);
  g_test_add_func ("/interop/curl/connect-upload", test_connect_upload);
  g_test_add_func ("/interop/curl/forward-download", test_forward_download);
  g_test_add_func ("/interop/curl/forward-upload", test_forward_upload);
  g_test_add_func ("/interop/curl/forward-keepalive", test_forward_keepalive);

  status = g_test_run ();

  sy_e2e_service_stop (service);
  g_clear_pointer (&service, sy_e2e_service_free);
  g_clear_pointer (&http_server, sy_e2e_http_server_free);
  sy_test_rm_rf (work_dir);
  g_free (work_dir);
  g_free (upload_file);
  g_free (upload_sha256);

  return status;
}
