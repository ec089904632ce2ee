/* test-e2e-wireproxy-config.c — switchyardd -n -c: wireproxy's configtest, and
 * the command line of wireproxy mode
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real binary on files written here. Nothing listens and nothing
 * is sent, so no root and no peers are needed.
 */

#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "sy-e2e.h"

static char *work_dir;

typedef struct
{
  int   status;     /* exit status, -1 when killed */
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs switchyardd with @args and $HOME set to @home (NULL: the work
 * directory, where there is no ~/.config/wireproxy.conf). */
static void
run_switchyardd (Run                *run,
                 const char * const *args,
                 const char         *home)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  const char *binary = g_getenv ("SWITCHYARDD");
  int wait_status = 0;

  g_assert_nonnull (binary);
  g_strv_builder_add (builder, binary);
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);
  envp = g_environ_setenv (envp, "HOME", home != NULL ? home : work_dir, TRUE);
  envp = g_environ_unsetenv (envp, "DBUS_SESSION_BUS_ADDRESS");

  g_spawn_sync (NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);

  if (WIFEXITED (wait_status))
    run->status = WEXITSTATUS (wait_status);
  else
    run->status = -1;

  g_test_message ("switchyardd %s → %d\nstdout: %s\nstderr: %s",
                  args[0] != NULL ? args[0] : "", run->status, run->out, run->err);
}

static char *
random_key (void)
{
  guint8 key[32];

  for (guint i = 0; i < sizeof key; i += 4)
    {
      guint32 r = g_random_int ();

      memcpy (key + i, &r, 4);
    }
  return g_base64_encode (key, sizeof key);
}

static char *
write_file (const char *name,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (work_dir, name, NULL);

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);

  return path;
}

/* tests/e2e/tls/@name into the work directory as @as. */
static void
copy_test_file (const char *name,
                const char *as)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;

  g_file_get_contents (g_test_get_filename (G_TEST_DIST, "e2e", "tls", name, NULL),
                       &text, NULL, &error);
  g_assert_no_error (error);
  path = write_file (as, text);
}

/* A complete configuration: the tunnel, and a SOCKS5 proxy on top. */
static char *
good_config (void)
{
  g_autofree char *private_key = random_key ();
  g_autofree char *peer_key = random_key ();

  return g_strdup_printf ("[Interface]\n"
                          "Address = 10.77.0.2/32\n"
                          "PrivateKey = %s\n"
                          "DNS = 10.77.0.1\n"
                          "\n"
                          "[Peer]\n"
                          "PublicKey = %s\n"
                          "Endpoint = 192.0.2.1:51820\n"
                          "AllowedIPs = 10.77.0.0/24\n"
                          "\n"
                          "[Socks5]\n"
                          "BindAddress = 127.0.0.1:25344\n",
                          private_key, peer_key);
}

static void
assert_configtest_fails (const char *name,
                         const char *text,
                         guint       line,
                         const char *needle)
{
  g_autofree char *path = write_file (name, text);
  g_autofree char *where = g_strdup_printf ("%s:%u:", path, line);
  const char *args[] = { "-n", "-c", path, NULL };
  g_auto(Run) run = { 0 };

  run_switchyardd (&run, args, NULL);
  g_assert_cmpint (run.status, ==, 1);
  /* The file and line come first, then what is wrong. */
  g_assert_nonnull (strstr (run.err, where));
  g_assert_nonnull (strstr (run.err, needle));
  g_assert_null (strstr (run.out, "Config OK"));
}

static void
test_configtest_ok (void)
{
  g_autofree char *text = good_config ();
  g_autofree char *path = write_file ("good.conf", text);
  const char *short_args[] = { "-n", "-c", path, NULL };
  const char *long_args[] = { "--configtest", "--config", path, NULL };
  g_auto(Run) run = { 0 };
  g_auto(Run) run_long = { 0 };

  run_switchyardd (&run, short_args, NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* wireproxy's words, on stdout, and nothing else there. */
  g_assert_cmpstr (run.out, ==, "Config OK\n");

  run_switchyardd (&run_long, long_args, NULL);
  g_assert_cmpint (run_long.status, ==, 0);
  g_assert_cmpstr (run_long.out, ==, "Config OK\n");
}

static void
test_configtest_everything (void)
{
  g_autofree char *private_key = random_key ();
  g_autofree char *peer_key = random_key ();
  g_autofree char *peer2_key = random_key ();
  g_autofree char *psk = random_key ();
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  const char *args[] = { "-n", "-c", NULL, NULL };
  g_auto(Run) run = { 0 };

  copy_test_file ("localhost.pem", "cert.pem");
  copy_test_file ("localhost.key", "key.pem");

  /* Every section switchyardd runs, with the TLS files relative to the
   * configuration's directory. */
  text = g_strdup_printf ("[Interface]\n"
                          "Address = 10.77.0.2/32, fd77::2/128\n"
                          "PrivateKey = %s\n"
                          "CheckAlive = 10.77.0.1, fd77::1\n"
                          "CheckAliveInterval = 3\n"
                          "\n"
                          "[Peer]\n"
                          "PublicKey = %s\n"
                          "PresharedKey = %s\n"
                          "Endpoint = localhost:51820\n"
                          "AllowedIPs = 10.77.0.0/24, fd77::/64\n"
                          "PersistentKeepalive = 25\n"
                          "\n"
                          "[Peer]\n"
                          "PublicKey = %s\n"
                          "AllowedIPs = 10.77.1.0/24\n"
                          "\n"
                          "[Socks5]\n"
                          "BindAddress = 127.0.0.1:25344\n"
                          "Username = alice\n"
                          "Password = secret\n"
                          "\n"
                          "[http]\n"
                          "BindAddress = [::1]:25345\n"
                          "CertFile = cert.pem\n"
                          "KeyFile = key.pem\n"
                          "\n"
                          "[TCPClientTunnel]\n"
                          "BindAddress = :25346\n"
                          "Target = web.wg.test:8080\n"
                          "\n"
                          "[TCPServerTunnel]\n"
                          "ListenPort = 3422\n"
                          "Target = localhost:22\n"
                          "\n"
                          "[STDIOTunnel]\n"
                          "Target = 10.77.0.1:22\n"
                          "\n"
                          "[UDPProxyTunnel]\n"
                          "BindAddress = 127.0.0.1:25347\n"
                          "Target = 10.77.0.1:53\n"
                          "InactivityTimeout = 30\n"
                          "\n"
                          "[Resolve]\n"
                          "ResolveStrategy = ipv4\n",
                          private_key, peer_key, psk, peer2_key);
  path = write_file ("everything.conf", text);
  args[2] = path;

  run_switchyardd (&run, args, "/nonexistent");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Config OK\n");
}

static void
test_configtest_missing_key (void)
{
  g_autofree char *peer_key = random_key ();
  g_autofree char *text = g_strdup_printf ("[Interface]\n"
                                           "Address = 10.77.0.2/32\n"
                                           "\n"
                                           "[Peer]\n"
                                           "PublicKey = %s\n",
                                           peer_key);

  /* No PrivateKey: the error names the section's line. */
  assert_configtest_fails ("missing-key.conf", text, 1, "PrivateKey");
}

static void
test_configtest_bad_base64 (void)
{
  g_autofree char *peer_key = random_key ();
  g_autofree char *text = g_strdup_printf ("[Interface]\n"
                                           "Address = 10.77.0.2/32\n"
                                           "PrivateKey = not*base64*at*all*but*44*characters*long=\n"
                                           "\n"
                                           "[Peer]\n"
                                           "PublicKey = %s\n",
                                           peer_key);
  g_autofree char *path = NULL;

  assert_configtest_fails ("bad-base64.conf", text, 3, "PrivateKey");

  /* A private key is never repeated in a message. */
  path = g_build_filename (work_dir, "bad-base64.conf", NULL);
  {
    const char *args[] = { "-n", "-c", path, NULL };
    g_auto(Run) run = { 0 };

    run_switchyardd (&run, args, NULL);
    g_assert_null (strstr (run.err, "not*base64"));
  }
}

static void
test_configtest_unknown_section (void)
{
  g_autofree char *base = good_config ();
  g_autofree char *text = g_strconcat (base, "\n[Socks6]\nBindAddress = 127.0.0.1:1\n", NULL);
  guint line = 1;

  for (const char *p = base; *p != '\0'; p++)
    line += *p == '\n';
  /* base ends with a newline, then one blank line before the header */
  assert_configtest_fails ("unknown-section.conf", text, line + 1, "Socks6");
}

static void
test_configtest_bad_certificate (void)
{
  g_autofree char *base = good_config ();
  g_autofree char *garbage = write_file ("garbage.pem", "not a certificate\n");
  g_autofree char *text = NULL;
  guint line = 1;

  for (const char *p = base; *p != '\0'; p++)
    line += *p == '\n';
  text = g_strdup_printf ("%s\n[http]\nBindAddress = 127.0.0.1:25345\n"
                          "CertFile = %s\nKeyFile = %s\n", base, garbage, garbage);

  /* Loading the certificate is part of the check, not left to start-up. */
  assert_configtest_fails ("bad-cert.conf", text, line + 1, "[http]");
}

static void
test_missing_file (void)
{
  g_autofree char *path = g_build_filename (work_dir, "does-not-exist.conf", NULL);
  const char *args[] = { "-c", path, NULL };
  g_auto(Run) run = { 0 };

  run_switchyardd (&run, args, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, path));
  g_assert_cmpstr (run.out, ==, "");
}

static void
test_default_paths (void)
{
  g_autofree char *home = g_build_filename (work_dir, "home", NULL);
  g_autofree char *dot_config = g_build_filename (home, ".config", NULL);
  g_autofree char *user_config = g_build_filename (dot_config, "wireproxy.conf", NULL);
  g_autofree char *text = good_config ();
  const char *args[] = { "-n", NULL };
  g_autoptr(GError) error = NULL;

  if (g_file_test ("/etc/wireproxy/wireproxy.conf", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("/etc/wireproxy/wireproxy.conf exists on this machine and would be used");
      return;
    }

  g_assert_no_errno (g_mkdir_with_parents (dot_config, 0700));

  /* Like wireproxy, -n without -c looks for a configuration … */
  {
    g_auto(Run) run = { 0 };

    run_switchyardd (&run, args, home);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "-c FILE"));
  }

  /* … and takes ~/.config/wireproxy.conf when there is one. */
  g_file_set_contents (user_config, text, -1, &error);
  g_assert_no_error (error);
  {
    g_auto(Run) run = { 0 };

    run_switchyardd (&run, args, home);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "Config OK\n");
  }
}

static void
test_version (void)
{
  const char *short_args[] = { "-v", NULL };
  const char *long_args[] = { "--version", NULL };
  g_autofree char *expected = g_strdup_printf ("switchyardd %s\n", PACKAGE_VERSION);
  g_auto(Run) run = { 0 };
  g_auto(Run) run_long = { 0 };

  /* -v is wireproxy's --version now; --verbose has no short form. */
  run_switchyardd (&run, short_args, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, expected);

  run_switchyardd (&run_long, long_args, NULL);
  g_assert_cmpint (run_long.status, ==, 0);
  g_assert_cmpstr (run_long.out, ==, expected);
}

static void
test_conflicting_options (void)
{
  g_autofree char *text = good_config ();
  g_autofree char *path = write_file ("conflict.conf", text);
  const char *with_dir[] = { "-c", path, "--config-dir", work_dir, NULL };
  const char *with_no_dbus[] = { "-n", "-c", path, "--no-dbus", NULL };
  const char *bad_info[] = { "-c", path, "-i", "no-port-here", NULL };
  g_auto(Run) run = { 0 };
  g_auto(Run) run2 = { 0 };
  g_auto(Run) run3 = { 0 };

  run_switchyardd (&run, with_dir, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "--config-dir"));

  run_switchyardd (&run2, with_no_dbus, NULL);
  g_assert_cmpint (run2.status, ==, 1);
  g_assert_nonnull (strstr (run2.err, "--no-dbus"));

  /* A health address without a port is refused before anything starts
   * listening or sending. */
  run_switchyardd (&run3, bad_info, NULL);
  g_assert_cmpint (run3.status, ==, 1);
  g_assert_nonnull (strstr (run3.err, "no-port-here"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  work_dir = sy_e2e_make_temp_dir ();

  g_test_add_func ("/wireproxy/config/configtest-ok", test_configtest_ok);
  g_test_add_func ("/wireproxy/config/configtest-everything", test_configtest_everything);
  g_test_add_func ("/wireproxy/config/missing-key", test_configtest_missing_key);
  g_test_add_func ("/wireproxy/config/bad-base64", test_configtest_bad_base64);
  g_test_add_func ("/wireproxy/config/unknown-section", test_configtest_unknown_section);
  g_test_add_func ("/wireproxy/config/bad-certificate", test_configtest_bad_certificate);
  g_test_add_func ("/wireproxy/config/missing-file", test_missing_file);
  g_test_add_func ("/wireproxy/config/default-paths", test_default_paths);
  g_test_add_func ("/wireproxy/config/version", test_version);
  g_test_add_func ("/wireproxy/config/conflicting-options", test_conflicting_options);

  status = g_test_run ();

  sy_test_rm_rf (work_dir);
  g_free (work_dir);

  return status;
}
