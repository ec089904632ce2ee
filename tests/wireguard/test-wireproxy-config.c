/* test-wireproxy-config.c — wireproxy's configuration files
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "util/sy-error.h"
#include "wireguard/sy-wireproxy-config.h"

/* Made with wg genkey / wg pubkey / wg genpsk for these tests only. */
#define PRIV1 "wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDHng="
#define PRIV2 "wNeFgtgq2sBLgm5siQgDJ8Ix5jt3MTeI1iZJRdGTbnc="
#define PUB1  "AEwHOKu+QvQXONNdvfs3UehbrafIV27Q95QRlo4ry1k="
#define PUB2  "KdEzKD+TILrtNqias1Q3enPd5nsTSRiStDgoPmzJkFs="
#define PUB3  "jzPetNlMzOUYU9dFW/A37sO6wOrVRySH8iZ1n/h+ylc="
#define PUB4  "1tent7mVQ9cZPZm1rYJ/bePsXlwoaDbW8v33N1Wkhw8="
#define PSK2  "5IqC+vjySIxDy8+l6ys9vk4mQZV1nPWbVNsPZom9ikE="

/* Lines 1–3 and 4–5 of most texts below. */
#define WP_IF "[Interface]\nAddress = 10.0.0.2/32\nPrivateKey = " PRIV1 "\n"
#define WP_PEER "[Peer]\nPublicKey = " PUB1 "\n"

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

static char *
data_path (const char *name)
{
  return g_build_filename (WG_TEST_DATA, name, NULL);
}

static SyWireproxyConfig *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  SyWireproxyConfig *config = sy_wireproxy_config_parse (text, "wp.conf", &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static SyWireproxyConfig *
load_ok (const char *name)
{
  g_autofree char *path = data_path (name);
  g_autoptr(GError) error = NULL;
  SyWireproxyConfig *config = sy_wireproxy_config_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static SyWireproxyRoutine *
routine_at (SyWireproxyConfig *config,
            guint              index)
{
  g_assert_cmpuint (index, <, config->routines->len);
  return g_ptr_array_index (config->routines, index);
}

static SyWgPeer *
peer_at (SyWireproxyConfig *config,
         guint              index)
{
  g_assert_cmpuint (index, <, config->profile->peers->len);
  return g_ptr_array_index (config->profile->peers, index);
}

/* The value of the Password of the first routine after @lines. */
static char *
password_of (const char *lines)
{
  g_autofree char *text = g_strconcat (WP_IF WP_PEER "[Socks5]\nBindAddress = 127.0.0.1:1080\n"
                                       "Username = u\n", lines, NULL);
  g_autoptr(SyWireproxyConfig) config = parse_ok (text);

  return g_strdup (routine_at (config, 0)->password);
}

#define assert_key(key, expected) G_STMT_START { \
    g_autofree char *text__ = sy_wg_key_to_base64 (key); \
    g_assert_cmpstr (text__, ==, expected); \
  } G_STMT_END

#define assert_prefix(array, index, expected) G_STMT_START { \
    g_autofree char *text__ = NULL; \
    g_assert_cmpuint (index, <, (array)->len); \
    text__ = sy_wg_prefix_to_string (&g_array_index (array, SyWgPrefix, index)); \
    g_assert_cmpstr (text__, ==, expected); \
  } G_STMT_END

#define assert_address(array, index, expected) G_STMT_START { \
    g_autofree char *text__ = NULL; \
    g_assert_cmpuint (index, <, (array)->len); \
    text__ = g_inet_address_to_string (g_ptr_array_index (array, index)); \
    g_assert_cmpstr (text__, ==, expected); \
  } G_STMT_END

#define assert_password(lines, expected) G_STMT_START { \
    g_autofree char *password__ = password_of (lines); \
    g_assert_cmpstr (password__, ==, expected); \
  } G_STMT_END

/* ---------------------------------------------------------------------- */
/* real files                                                              */

static void
test_basic (void)
{
  g_autoptr(SyWireproxyConfig) config = load_ok ("wireproxy-basic.conf");
  g_autofree char *path = data_path ("wireproxy-basic.conf");
  SyWireproxyRoutine *routine;
  SyWgPeer *peer;

  g_assert_cmpstr (config->path, ==, path);
  g_assert_null (config->wg_config_path);
  g_assert_cmpstr (config->profile->name, ==, "wireproxy-basic");
  assert_key (config->profile->private_key, PRIV1);
  assert_prefix (config->profile->addresses, 0, "10.200.200.2/32");
  assert_address (config->profile->dns, 0, "10.200.200.1");
  g_assert_cmpuint (config->profile->mtu, ==, 1420);
  g_assert_cmpuint (config->profile->listen_port, ==, 0);
  g_assert_cmpuint (config->check_alive->len, ==, 0);
  g_assert_cmpuint (config->check_alive_interval, ==, 5);
  g_assert_cmpint (config->resolve_strategy, ==, SY_WIREPROXY_RESOLVE_AUTO);
  g_assert_cmpint (sy_wireproxy_config_get_effective_resolve_strategy (config), ==,
                   SY_WIREPROXY_RESOLVE_IPV4);
  g_assert_null (sy_wireproxy_config_get_warnings (config)[0]);

  peer = peer_at (config, 0);
  assert_key (peer->public_key, PUB2);
  g_assert_false (peer->has_preshared_key);
  g_assert_cmpstr (peer->endpoint_host, ==, "my.ddns.example.com");
  g_assert_cmpuint (peer->endpoint_port, ==, 51820);
  g_assert_cmpuint (peer->persistent_keepalive, ==, 25);
  /* wireproxy routes everything to a peer without AllowedIPs. */
  g_assert_cmpuint (peer->allowed_ips->len, ==, 2);
  assert_prefix (peer->allowed_ips, 0, "0.0.0.0/0");
  assert_prefix (peer->allowed_ips, 1, "::/0");

  g_assert_cmpuint (config->routines->len, ==, 4);

  routine = routine_at (config, 0);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_TCP_CLIENT_TUNNEL);
  g_assert_cmpstr (sy_wireproxy_routine_kind_name (routine->kind), ==, "TCPClientTunnel");
  g_assert_cmpuint (routine->line, ==, 13);
  g_assert_cmpstr (routine->bind_host, ==, "127.0.0.1");
  g_assert_cmpuint (routine->bind_port, ==, 25565);
  g_assert_cmpstr (routine->target_host, ==, "play.cubecraft.net");
  g_assert_cmpuint (routine->target_port, ==, 25565);

  routine = routine_at (config, 1);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_TCP_SERVER_TUNNEL);
  g_assert_cmpuint (routine->line, ==, 18);
  g_assert_null (routine->bind_host);
  g_assert_cmpuint (routine->listen_port, ==, 3422);
  g_assert_cmpstr (routine->target_host, ==, "localhost");
  g_assert_cmpuint (routine->target_port, ==, 25545);

  routine = routine_at (config, 2);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_SOCKS5);
  g_assert_cmpstr (routine->bind_host, ==, "127.0.0.1");
  g_assert_cmpuint (routine->bind_port, ==, 25344);
  g_assert_cmpstr (routine->username, ==, "alice");
  g_assert_cmpstr (routine->password, ==, "correct-horse");
  g_assert_true (routine->require_auth);

  routine = routine_at (config, 3);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_HTTP);
  g_assert_cmpuint (routine->bind_port, ==, 25345);
  g_assert_null (routine->username);
  g_assert_null (routine->password);
  g_assert_false (routine->require_auth);
  g_assert_null (routine->cert_file);
}

static void
test_wg_config (void)
{
  g_autoptr(SyWireproxyConfig) config = load_ok ("wireproxy-wgconfig.conf");
  g_autofree char *wg_path = data_path ("wg-home.conf");
  g_autofree char *warning = g_strdup_printf ("%s:7: [Interface] PostUp: ignored: ", wg_path);
  const char * const *warnings = sy_wireproxy_config_get_warnings (config);
  SyWireproxyRoutine *routine;
  SyWgPeer *peer;

  g_assert_cmpstr (config->wg_config_path, ==, wg_path);
  g_assert_cmpstr (config->profile->name, ==, "wireproxy-wgconfig");
  assert_key (config->profile->private_key, "EMIaYjy5v7la/kgjGQXrxcEg4Bnek+nGtZ6RIioK02Y=");
  assert_prefix (config->profile->addresses, 0, "10.20.0.5/24");

  /* CheckAlive comes from the WGConfig file's [Interface], as in wireproxy. */
  g_assert_cmpuint (config->check_alive->len, ==, 2);
  assert_address (config->check_alive, 0, "10.20.0.1");
  assert_address (config->check_alive, 1, "1.1.1.1");
  g_assert_cmpuint (config->check_alive_interval, ==, 10);

  peer = peer_at (config, 0);
  assert_key (peer->public_key, PUB3);
  g_assert_true (peer->has_preshared_key);
  assert_key (peer->preshared_key, PSK2);
  /* wireproxy lowercases the endpoint. */
  g_assert_cmpstr (peer->endpoint_host, ==, "home.example.net");
  assert_prefix (peer->allowed_ips, 0, "10.20.0.0/24");
  g_assert_cmpuint (peer->allowed_ips->len, ==, 1);

  g_assert_nonnull (warnings[0]);
  g_assert_true (g_str_has_prefix (warnings[0], warning));
  g_assert_null (warnings[1]);

  g_assert_cmpint (config->resolve_strategy, ==, SY_WIREPROXY_RESOLVE_IPV4);
  g_assert_cmpuint (config->routines->len, ==, 2);
  routine = routine_at (config, 0);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_SOCKS5);
  g_assert_cmpstr (routine->bind_host, ==, "::1");
  g_assert_cmpuint (routine->bind_port, ==, 1080);
  g_assert_false (routine->require_auth);

  routine = routine_at (config, 1);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_UDP_PROXY_TUNNEL);
  g_assert_cmpstr (routine->bind_host, ==, "127.0.0.1");
  g_assert_cmpuint (routine->bind_port, ==, 5353);
  g_assert_cmpstr (routine->target_host, ==, "10.20.0.1");
  g_assert_cmpuint (routine->target_port, ==, 53);
  g_assert_cmpuint (routine->inactivity_timeout, ==, 60);
}

static void
test_everything (void)
{
  g_autoptr(SyWireproxyConfig) config = NULL;
  g_autofree char *cert = data_path ("tls/cert.pem");
  SyWireproxyRoutine *routine;
  SyWgPeer *peer;

  g_setenv ("WG_TEST_PRIVATE_KEY", PRIV2, TRUE);
  config = load_ok ("wireproxy-everything.conf");
  g_unsetenv ("WG_TEST_PRIVATE_KEY");

  assert_key (config->profile->private_key, PRIV2);
  g_assert_cmpuint (config->profile->addresses->len, ==, 2);
  assert_prefix (config->profile->addresses, 0, "10.5.0.2/32");
  assert_prefix (config->profile->addresses, 1, "fd00:5::2/64");
  assert_address (config->profile->dns, 1, "fd00:5::1");
  g_assert_cmpuint (config->profile->mtu, ==, 0x500);
  g_assert_cmpuint (config->profile->listen_port, ==, 51999);
  assert_address (config->check_alive, 0, "10.5.0.1");
  g_assert_cmpuint (config->check_alive_interval, ==, 5);
  g_assert_cmpint (config->resolve_strategy, ==, SY_WIREPROXY_RESOLVE_IPV6);

  peer = peer_at (config, 0);
  assert_key (peer->public_key, PUB1);
  g_assert_cmpstr (peer->endpoint_host, ==, "2001:db8::10");
  g_assert_cmpuint (peer->endpoint_port, ==, 51820);
  assert_prefix (peer->allowed_ips, 0, "10.5.0.0/16");
  assert_prefix (peer->allowed_ips, 1, "10.0.0.0/8");
  peer = peer_at (config, 1);
  assert_key (peer->public_key, PUB4);
  g_assert_null (peer->endpoint_host);
  /* Go's integer syntax: a leading 0 is octal. */
  g_assert_cmpuint (peer->persistent_keepalive, ==, 8);

  g_assert_cmpuint (config->routines->len, ==, 5);
  routine = routine_at (config, 0);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_SOCKS5);
  g_assert_cmpstr (routine->username, ==, "bob");
  g_assert_cmpstr (routine->password, ==, "p;a#ss");

  routine = routine_at (config, 1);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_HTTP);
  g_assert_cmpstr (routine->bind_host, ==, "");
  g_assert_cmpuint (routine->bind_port, ==, 8443);
  g_assert_cmpstr (routine->password, ==, "carol-secret");
  g_assert_true (routine->require_auth);
  g_assert_cmpstr (routine->cert_file, ==, cert);
  g_assert_cmpstr (routine->key_file, ==, "/etc/ssl/private/proxy.key");

  routine = routine_at (config, 2);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_SNI);
  g_assert_cmpuint (routine->bind_port, ==, 443);

  routine = routine_at (config, 3);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_STDIO_TUNNEL);
  g_assert_null (routine->bind_host);
  g_assert_cmpstr (routine->target_host, ==, "ssh.internal.example");
  g_assert_cmpuint (routine->target_port, ==, 22);

  routine = routine_at (config, 4);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_UDP_PROXY_TUNNEL);
  g_assert_cmpstr (routine->bind_host, ==, "0.0.0.0");
  g_assert_cmpstr (routine->target_host, ==, "fd00:5::53");
  g_assert_cmpuint (routine->inactivity_timeout, ==, 0);
}

/* ---------------------------------------------------------------------- */
/* go-ini's syntax                                                         */

static void
test_values (void)
{
  /* Inline comments start at the first '#' or ';' of an unquoted value,
   * even inside quotes, before the quotes are stripped. */
  assert_password ("Password = secret # the password\n", "secret");
  assert_password ("Password = sec;ret\n", "sec");
  assert_password ("Password = \"a#b\"\n", "\"a");
  assert_password ("Password = \"a b\"\n", "a b");
  assert_password ("Password = 'a b' \n", "a b");
  assert_password ("Password = \"a\"b\"\n", "\"a\"b\"");
  assert_password ("Password = `a#b;c`  ; comment\n", "a#b;c");
  assert_password ("Password = \"\"\"a \"quoted\" #b\"\"\"\n", "a \"quoted\" #b");
  /* Backticks and triple quotes may span lines. */
  assert_password ("Password = `first\nsecond` ignored\n", "first\nsecond");
  /* A backslash continues the value on the next line, trimmed. */
  assert_password ("Password = abc\\\n   def # not a comment\n", "abcdef # not a comment");
  /* "Key: value" is "Key = value"; the first of '=' and ':' splits. */
  assert_password ("Password: a=b:c\n", "a=b:c");
  assert_password ("Password = a:b\n", "a:b");
  assert_password ("\"Password\" = quoted key\n", "quoted key");
  assert_password ("`Password` = x\n", "x");
}

static void
test_syntax (void)
{
  g_autoptr(SyWireproxyConfig) config = NULL;
  SyWireproxyRoutine *routine;

  /* A UTF-8 byte order mark, names in any case (and the Kelvin sign, which
   * Go lowercases to 'k'), Unicode blanks, comments after section headers,
   * ';' comment lines, CRLF. */
  config = parse_ok ("\xef\xbb\xbf; wireproxy\r\n"
                     "[INTERFACE]  # the tunnel\r\n"
                     "\xc2\xa0 address = 10.0.0.2/32\r\n"
                     "Private\xe2\x84\xaa" "ey = " PRIV1 "\r\n"
                     "[peer]\r\n"
                     "PUBLICKEY = " PUB1 "\r\n"
                     "[sOcKs5] ; main proxy\r\n"
                     "bindaddress = 127.0.0.1:1080\r\n");
  assert_key (config->profile->private_key, PRIV1);
  routine = routine_at (config, 0);
  g_assert_cmpint (routine->kind, ==, SY_WIREPROXY_ROUTINE_SOCKS5);
  g_assert_cmpuint (routine->line, ==, 7);
  g_assert_cmpuint (routine->bind_port, ==, 1080);
}

static void
test_numbers (void)
{
  static const struct
  {
    const char *text;
    guint       mtu;
  } cases[] = {
    { "1420", 1420 }, { "+1420", 1420 }, { "1_420", 1420 }, { "0x58c", 1420 },
    { "0X58C", 1420 }, { "0o2614", 1420 }, { "02614", 1420 }, { "0b10110001100", 1420 },
    { "0x_58c", 1420 }, { "576", 576 }, { "65535", 65535 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf (WP_IF "MTU = %s\n" WP_PEER, cases[i].text);
      g_autoptr(SyWireproxyConfig) config = parse_ok (text);

      g_test_message ("MTU = %s", cases[i].text);
      g_assert_cmpuint (config->profile->mtu, ==, cases[i].mtu);
    }
}

static void
test_env (void)
{
  g_setenv ("SY_TEST_PASSWORD", "from the environment", TRUE);
  g_setenv ("SY_TEST_EMPTY", "", TRUE);
  g_unsetenv ("SY_TEST_UNSET");

  assert_password ("Password = $SY_TEST_PASSWORD\n", "from the environment");
  /* Switchyard also takes ${NAME} as a whole value. */
  assert_password ("Password = ${SY_TEST_PASSWORD}\n", "from the environment");
  /* Only whole values; "$$" escapes a literal leading '$'. */
  assert_password ("Password = $$SY_TEST_PASSWORD\n", "$SY_TEST_PASSWORD");
  assert_password ("Password = $$$\n", "$$");
  assert_password ("Password = pa$SY_TEST_PASSWORD\n", "pa$SY_TEST_PASSWORD");
  assert_password ("Password = $SY_TEST_EMPTY\n", NULL);
  /* %(key)s references are replaced first, from the section, else the root. */
  assert_password ("Password = %(username)s-%(username)s\n", "u-u");
  assert_password ("Password = %(nothing)s\n", "%(nothing)s");
  assert_password ("Password = 100%(\n", "100%(");

  g_unsetenv ("SY_TEST_PASSWORD");
  g_unsetenv ("SY_TEST_EMPTY");
}

static void
test_keys_go_base64 (void)
{
  /* Go's decoder ignores the unused low bits of the last character; wg(8)
   * does not. wireproxy takes both spellings of the same key. */
  g_autoptr(SyWireproxyConfig) config =
    parse_ok ("[Interface]\nAddress = 10.0.0.2\nPrivateKey = "
              "wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDHnh=\n" WP_PEER
              "PresharedKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");

  assert_key (config->profile->private_key, PRIV1);
  /* wireproxy's "no preshared key" is all zeros. */
  g_assert_false (peer_at (config, 0)->has_preshared_key);
}

static void
test_effective_resolve (void)
{
  static const struct
  {
    const char                 *addresses;
    const char                 *strategy;
    SyWireproxyResolveStrategy  effective;
  } cases[] = {
    { "10.0.0.2", NULL, SY_WIREPROXY_RESOLVE_IPV4 },
    { "fd00::2", NULL, SY_WIREPROXY_RESOLVE_IPV6 },
    { "10.0.0.2, fd00::2", "auto", SY_WIREPROXY_RESOLVE_IPV6 },
    { "10.0.0.2", "ipv6", SY_WIREPROXY_RESOLVE_IPV6 },
    { "fd00::2", "ipv4", SY_WIREPROXY_RESOLVE_IPV4 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *resolve = cases[i].strategy == NULL ? g_strdup ("[Resolve]\n")
                                   : g_strdup_printf ("[Resolve]\nResolveStrategy = %s\n",
                                                      cases[i].strategy);
      g_autofree char *text = g_strdup_printf ("[Interface]\nAddress = %s\nPrivateKey = "
                                               PRIV1 "\n" WP_PEER "%s",
                                               cases[i].addresses, resolve);
      g_autoptr(SyWireproxyConfig) config = parse_ok (text);

      g_assert_cmpint (sy_wireproxy_config_get_effective_resolve_strategy (config), ==,
                       cases[i].effective);
    }
}

static void
test_wg_config_paths (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *directory = g_dir_make_tmp ("sy-wireproxy-XXXXXX", NULL);
  g_autofree char *sub = g_build_filename (directory, "sub", NULL);
  g_autofree char *wg = g_build_filename (sub, "wg0.conf", NULL);
  g_autofree char *bad = g_build_filename (sub, "bad.conf", NULL);
  g_autofree char *main_path = g_build_filename (directory, "wireproxy.conf", NULL);
  g_autofree char *absolute = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(SyWireproxyConfig) config = NULL;

  g_assert_no_errno (g_mkdir (sub, 0700));
  g_assert_true (g_file_set_contents (wg, WP_IF WP_PEER, -1, NULL));
  g_assert_true (g_file_set_contents (bad, WP_IF WP_PEER "\n[Socks5]\n", -1, NULL));

  /* Relative to the configuration's directory, not the working directory. */
  config = sy_wireproxy_config_parse ("WGConfig = sub/wg0.conf\n", main_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->wg_config_path, ==, wg);
  g_clear_pointer (&config, sy_wireproxy_config_free);

  absolute = g_strdup_printf ("WGConfig = %s\n[http]\nBindAddress = 127.0.0.1:8080\n", wg);
  config = sy_wireproxy_config_parse (absolute, "elsewhere/wp.conf", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->wg_config_path, ==, wg);
  g_assert_cmpuint (config->routines->len, ==, 1);
  g_clear_pointer (&config, sy_wireproxy_config_free);

  /* Errors in the WGConfig file name that file. */
  config = sy_wireproxy_config_parse ("# comment\nWGConfig = sub/bad.conf\n", main_path, &error);
  g_assert_null (config);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  expected = g_strdup_printf ("%s:7: [Socks5]: does not belong in a WGConfig file, which holds "
                              "only [Interface] and [Peer]; move it to the wireproxy "
                              "configuration", bad);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_clear_pointer (&expected, g_free);

  config = sy_wireproxy_config_parse ("\nWGConfig = sub/missing.conf\n", main_path, &error);
  g_assert_null (config);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  expected = g_strdup_printf ("%s:2: WGConfig: %s/sub/missing.conf: cannot be read: No such "
                              "file or directory", main_path, directory);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_clear_pointer (&expected, g_free);

  g_assert_true (g_file_set_contents (bad, "Name = x\n" WP_IF WP_PEER, -1, NULL));
  config = sy_wireproxy_config_parse ("WGConfig = sub/bad.conf\n", main_path, &error);
  g_assert_null (config);
  expected = g_strdup_printf ("%s:1: Name: comes before any section; a WGConfig file holds only "
                              "[Interface] and [Peer]", bad);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  g_assert_no_errno (g_unlink (wg));
  g_assert_no_errno (g_unlink (bad));
  g_assert_no_errno (g_rmdir (sub));
  g_assert_no_errno (g_rmdir (directory));
}

static void
test_load_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyWireproxyConfig) config = sy_wireproxy_config_load ("/nonexistent/wireproxy.conf",
                                                                   &error);

  g_assert_null (config);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_cmpstr (error->message, ==,
                   "/nonexistent/wireproxy.conf: cannot be read: No such file or directory");
}

/* ---------------------------------------------------------------------- */
/* errors                                                                  */

typedef struct
{
  const char *text;
  const char *message;   /* the whole message, with file and line */
} InvalidCase;

#define SOCKS "[Socks5]\nBindAddress = 127.0.0.1:1080\n"   /* lines 6–7 */

static const InvalidCase invalid_cases[] = {
  /* structure */
  { "",
    "wp.conf: has no [Interface] section; add one with the PrivateKey and Address of this end "
    "of the tunnel, or point WGConfig = at a wg-quick file" },
  { WP_IF,
    "wp.conf: has no [Peer] section; add the server as [Peer] with its PublicKey and Endpoint" },
  { WP_IF WP_PEER "[Interface]\n",
    "wp.conf:6: [Interface]: appears a second time (first at line 1); wireproxy takes exactly "
    "one [Interface]" },
  { "[Interface]\nAddress = 10.0.0.2/32\n" WP_PEER,
    "wp.conf:1: [Interface]: has no PrivateKey; add PrivateKey = (the output of `wg genkey`)" },
  { "[Interface]\nPrivateKey = " PRIV1 "\n" WP_PEER,
    "wp.conf:1: [Interface]: has no Address; add the tunnel address the server gave you, "
    "e.g. Address = 10.8.0.2/32" },
  { WP_IF "[Peer]\nEndpoint = 192.0.2.1:51820\n",
    "wp.conf:4: [Peer]: has no PublicKey; add the peer's public key, e.g. PublicKey = (the "
    "output of `wg pubkey` on the peer)" },
  { WP_IF WP_PEER WP_PEER,
    "wp.conf:7: [Peer] PublicKey: is the same as an earlier peer's; merge the two [Peer] "
    "sections into one" },
  { WP_IF WP_PEER "[Sock5]\n",
    "wp.conf:6: [Sock5]: is not a wireproxy section; did you mean [Socks5]?" },
  { WP_IF WP_PEER "[ Socks5 ]\n",
    "wp.conf:6: [ Socks5 ]: blanks inside the brackets make this a different section; "
    "write [Socks5]" },
  { WP_IF WP_PEER "[Wireguard]\n",
    "wp.conf:6: [Wireguard]: is not a wireproxy section; the sections are [Interface], [Peer], "
    "[Socks5], [http], [SNI], [TCPClientTunnel], [TCPServerTunnel], [STDIOTunnel], "
    "[UDPProxyTunnel] and [Resolve]" },
  { WP_IF WP_PEER "[http] BindAddress = 127.0.0.1:8080\n",
    "wp.conf:6: text follows '[http]' on the same line; move it to a line of its own or start "
    "it with '#'" },
  { WP_IF WP_PEER "[http\n",
    "wp.conf:6: the section header '[http' has no closing ']'" },
  { WP_IF WP_PEER "[]\n",
    "wp.conf:6: '[]' is a section without a name" },
  { WP_IF WP_PEER SOCKS "Pasword = x\n",
    "wp.conf:8: [Socks5] Pasword: is not a key of [Socks5]; did you mean Password?" },
  { WP_IF WP_PEER SOCKS "Target = example.org:80\n",
    "wp.conf:8: [Socks5] Target: is not a key of [Socks5]; its keys are BindAddress, Username, "
    "Password" },
  { WP_IF WP_PEER "AllowedIPs = 10.0.0.0/8\nAllowedIPs = 10.1.0.0/16\n",
    "wp.conf:7: [Peer] AllowedIPs: appears a second time (first at line 6), and wireproxy reads "
    "only the first; put all values on one line, separated by commas" },
  { WP_IF WP_PEER "Endpoint = 192.0.2.1:1\nendpoint = 192.0.2.1:2\n",
    "wp.conf:7: [Peer] Endpoint: appears a second time (first at line 6), and wireproxy reads "
    "only the first; keep one" },
  { "Name = x\n" WP_IF WP_PEER,
    "wp.conf:1: Name: comes before any section; only WGConfig may, and the rest belongs under "
    "a [Section]" },
  { "WGConfg = wg0.conf\n" WP_IF WP_PEER,
    "wp.conf:1: WGConfg: comes before any section and is not WGConfig; did you mean WGConfig?" },
  { "WGConfig = wg0.conf\n" WP_IF WP_PEER,
    "wp.conf:2: [Interface]: is ignored by wireproxy because WGConfig (line 1) names the "
    "WireGuard configuration; remove one of the two" },
  { "WGConfig =\n",
    "wp.conf:1: WGConfig: is empty; write the path of a wg-quick file, e.g. WGConfig = wg0.conf" },
  { "WGConfig = $WG\n",
    "wp.conf:1: WGConfig: ./$WG: cannot be read: No such file or directory (wireproxy expands "
    "no $VARIABLE in WGConfig)" },

  /* lexing */
  { WP_IF WP_PEER SOCKS "Password = `abc\n\n",
    "wp.conf:8: the value opened with ` has no closing `" },
  { WP_IF WP_PEER SOCKS "\"Username = x\n",
    "wp.conf:8: the key name opened with \" has no closing \"" },
  { WP_IF WP_PEER SOCKS "Username alice\n",
    "wp.conf:8: this line is neither a [Section] nor a KEY = VALUE (or KEY: VALUE) line" },
  { WP_IF WP_PEER SOCKS "= alice\n",
    "wp.conf:8: a line starts with '='; write KEY = VALUE" },
  { WP_IF WP_PEER SOCKS "\"\" = alice\n",
    "wp.conf:8: the key name is empty; write KEY = VALUE" },

  /* [Interface] values */
  { "[Interface]\nAddress = 10.0.0.2/32\nPrivateKey = " PRIV1 "\nCheckAliveInterval = 10\n"
    WP_PEER,
    "wp.conf:4: [Interface] CheckAliveInterval: is only valid when CheckAlive is set; add "
    "CheckAlive = (addresses to ping) or remove this line" },
  { WP_IF "CheckAlive = 1.1.1.1\nCheckAliveInterval = 0\n" WP_PEER,
    "wp.conf:5: [Interface] CheckAliveInterval: '0' is not a number from 1 to 86400; seconds "
    "between pings" },
  { WP_IF "DNS = 10.0.0.1, corp.example\n" WP_PEER,
    "wp.conf:4: [Interface] DNS: 'corp.example' is not an IP address; wireproxy takes DNS "
    "server addresses only, no search domains, e.g. DNS = 10.64.0.1" },
  { WP_IF "DNS = fe80::1%eth0\n" WP_PEER,
    "wp.conf:4: [Interface] DNS: 'fe80::1%eth0' has a zone (%…), which means nothing inside "
    "the tunnel; remove it" },
  { WP_IF "CheckAlive = 1.1.1\n" WP_PEER,
    "wp.conf:4: [Interface] CheckAlive: '1.1.1' is not an IP address; write the addresses to "
    "ping through the tunnel, e.g. CheckAlive = 1.1.1.1" },
  { "[Interface]\nAddress = 10.0.0.2/33\nPrivateKey = " PRIV1 "\n" WP_PEER,
    "wp.conf:2: [Interface] Address: '10.0.0.2/33': an IPv4 prefix length is at most 32; "
    "write e.g. 10.8.0.2/32 or fd00::2/128" },
  { WP_IF "MTU = $MTU\n" WP_PEER,
    "wp.conf:4: [Interface] MTU: '$MTU' is not a number from 576 to 65535; usually 1420, or "
    "1280 when in doubt (wireproxy expands no $VARIABLE in MTU)" },
  { WP_IF "MTU = 1__420\n" WP_PEER,
    "wp.conf:4: [Interface] MTU: '1__420' is not a number from 576 to 65535; usually 1420, or "
    "1280 when in doubt" },
  { WP_IF "MTU = 0x\n" WP_PEER,
    "wp.conf:4: [Interface] MTU: '0x' is not a number from 576 to 65535; usually 1420, or "
    "1280 when in doubt" },
  { WP_IF "MTU = 01480\n" WP_PEER,
    "wp.conf:4: [Interface] MTU: '01480' is not a number from 576 to 65535; usually 1420, or "
    "1280 when in doubt" },
  { WP_IF "ListenPort = 65536\n" WP_PEER,
    "wp.conf:4: [Interface] ListenPort: '65536' is not a number from 0 to 65535; or remove the "
    "line to use any free port" },
  { "[Interface]\nAddress = 10.0.0.2/32\nPrivateKey = wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDH\n"
    WP_PEER,
    "wp.conf:3: [Interface] PrivateKey: is not a WireGuard key (44 characters of base64 ending "
    "in '='); create one with `wg genkey`" },
  { "[Interface]\nAddress = 10.0.0.2/32\nPrivateKey =\n" WP_PEER,
    "wp.conf:3: [Interface] PrivateKey: is empty, not a WireGuard key (44 characters of base64 "
    "ending in '='); create one with `wg genkey`" },
  { "[Interface]\nAddress = 10.0.0.2/32\nPrivateKey = $SY_TEST_UNSET\n" WP_PEER,
    "wp.conf:3: [Interface] PrivateKey: refers to the environment variable SY_TEST_UNSET, which "
    "is not set; set it, or write $$ for a value that starts with a literal $" },

  /* [Peer] values */
  { WP_IF WP_PEER "AllowedIPs = 10.0.0.1\n",
    "wp.conf:6: [Peer] AllowedIPs: '10.0.0.1' has no /length, which wireproxy requires here; "
    "write e.g. 10.0.0.0/24 or 0.0.0.0/0" },
  { WP_IF WP_PEER "AllowedIPs = 10.0.0.0/08\n",
    "wp.conf:6: [Peer] AllowedIPs: '10.0.0.0/08': the length after '/' is a number without "
    "sign or leading zeros" },
  { WP_IF WP_PEER "PresharedKey =\n",
    "wp.conf:6: [Peer] PresharedKey: is empty, not a WireGuard key (44 characters of base64 "
    "ending in '='); create one with `wg genpsk`" },
  { WP_IF WP_PEER "PersistentKeepalive = off\n",
    "wp.conf:6: [Peer] PersistentKeepalive: 'off' is not a number from 0 to 65535; seconds; 25 "
    "is usual behind NAT, 0 is off" },
  { WP_IF WP_PEER "Endpoint = $EP\n",
    "wp.conf:6: [Peer] Endpoint: '$ep' has no port; write HOST:PORT, e.g. vpn.example.net:51820 "
    "(wireproxy expands no $VARIABLE in Endpoint)" },
  { WP_IF WP_PEER "Endpoint = 2001:db8::1:51820\n",
    "wp.conf:6: [Peer] Endpoint: '2001:db8::1:51820' has too many colons; put an IPv6 address "
    "in brackets, e.g. [::1]:1080" },
  { WP_IF WP_PEER "Endpoint = [2001:db8::1]51820\n",
    "wp.conf:6: [Peer] Endpoint: '[2001:db8::1]51820' is not [IPV6]:PORT; write e.g. "
    "[::1]:1080" },
  { WP_IF WP_PEER "Endpoint = :51820\n",
    "wp.conf:6: [Peer] Endpoint: ':51820' has no host; write HOST:PORT, e.g. "
    "vpn.example.net:51820" },
  { WP_IF WP_PEER "Endpoint = [fe80::1%eth0]:51820\n",
    "wp.conf:6: [Peer] Endpoint: '[fe80::1%eth0]:51820': IPv6 zones (%…) are not supported; "
    "remove it" },

  /* routines */
  { WP_IF WP_PEER SOCKS "Password = x\n",
    "wp.conf:8: [Socks5] Password: is set without Username, so wireproxy would let everyone in; "
    "add Username = or remove the password" },
  { WP_IF WP_PEER "[http]\nBindAddress = 127.0.0.1:8443\nCertFile = cert.pem\n",
    "wp.conf:8: [http] CertFile: is set without KeyFile; TLS needs both the certificate and its "
    "key" },
  { WP_IF WP_PEER "[http]\nBindAddress = 127.0.0.1:8443\nKeyFile = key.pem\nCertFile =\n",
    "wp.conf:8: [http] KeyFile: is set without CertFile; TLS needs both the certificate and its "
    "key" },
  { WP_IF WP_PEER "[http]\nBindAddress = 127.0.0.1:8080\nUsername = a:b\n",
    "wp.conf:8: [http] Username: contains ':', which HTTP Basic authentication cannot carry in "
    "a user name; choose another name" },
  { WP_IF WP_PEER "[http]\nUsername = a\n",
    "wp.conf:6: [http]: has no BindAddress; add the local address to listen on, e.g. "
    "BindAddress = 127.0.0.1:8080" },
  { WP_IF WP_PEER "[SNI]\n",
    "wp.conf:6: [SNI]: has no BindAddress; add the local address to listen on, e.g. "
    "BindAddress = 127.0.0.1:443" },
  { WP_IF WP_PEER "[TCPClientTunnel]\nBindAddress = 127.0.0.1:2222\n",
    "wp.conf:6: [TCPClientTunnel]: has no Target; add where connections go, e.g. Target = "
    "example.org:80" },
  { WP_IF WP_PEER "[STDIOTunnel]\n",
    "wp.conf:6: [STDIOTunnel]: has no Target; add where connections go, e.g. Target = "
    "example.org:80" },
  { WP_IF WP_PEER "[TCPServerTunnel]\nTarget = localhost:22\n",
    "wp.conf:6: [TCPServerTunnel]: has no ListenPort; add the port to listen on inside the "
    "tunnel, e.g. ListenPort = 3422" },
  { WP_IF WP_PEER "[TCPServerTunnel]\nListenPort = 0\nTarget = localhost:22\n",
    "wp.conf:7: [TCPServerTunnel] ListenPort: '0' is not a number from 1 to 65535; the TCP port "
    "to listen on inside the tunnel" },
  { WP_IF WP_PEER "[Socks5]\nBindAddress = 1080\n",
    "wp.conf:7: [Socks5] BindAddress: '1080' has no port; write HOST:PORT, e.g. 127.0.0.1:1080" },
  { WP_IF WP_PEER "[Socks5]\nBindAddress = ::1:1080\n",
    "wp.conf:7: [Socks5] BindAddress: '::1:1080' has too many colons; put an IPv6 address in "
    "brackets, e.g. [::1]:1080" },
  { WP_IF WP_PEER "[Socks5]\nBindAddress = 127.0.0.1:0\n",
    "wp.conf:7: [Socks5] BindAddress: '0' is not a port number (1–65535)" },
  { WP_IF WP_PEER "[Socks5]\nBindAddress = localhost:socks\n",
    "wp.conf:7: [Socks5] BindAddress: 'socks' is not a port number (1–65535)" },
  { WP_IF WP_PEER "[Socks5]\nBindAddress =\n",
    "wp.conf:7: [Socks5] BindAddress: is empty; write HOST:PORT, e.g. 127.0.0.1:1080" },
  { WP_IF WP_PEER "[TCPClientTunnel]\nBindAddress = 127.0.0.1:2222\nTarget = :80\n",
    "wp.conf:8: [TCPClientTunnel] Target: ':80' has no host; write HOST:PORT, e.g. "
    "example.org:80" },
  { WP_IF WP_PEER "[UDPProxyTunnel]\nBindAddress = 127.0.0.1:53\nTarget = 10.0.0.1:53\n"
    "InactivityTimeout = -1\n",
    "wp.conf:9: [UDPProxyTunnel] InactivityTimeout: '-1' is not a number from 0 to 2147483647; "
    "seconds of silence before a client's session ends; 0 never" },
  { WP_IF WP_PEER "[http]\nBindAddress = 127.0.0.1:8080\nUsername = %(password)s%(password)s\n"
    "Password = %(certfile)s%(certfile)s\nCertFile = %(password)s%(password)s\n",
    "wp.conf:8: [http] Username: its %(key)s references grow without end; write the value out" },
  { WP_IF WP_PEER SOCKS "Username = u\nPassword = $SY_TEST_UNSET\n",
    "wp.conf:9: [Socks5] Password: refers to the environment variable SY_TEST_UNSET, which is "
    "not set; set it, or write $$ for a value that starts with a literal $" },
  { WP_IF WP_PEER SOCKS "Username = ${SY_TEST_UNSET}\n",
    "wp.conf:8: [Socks5] Username: refers to the environment variable SY_TEST_UNSET, which is "
    "not set; set it, or write $$ for a value that starts with a literal $" },

  /* [Resolve] */
  { WP_IF WP_PEER "[Resolve]\nResolveStrategy = IPv4\n",
    "wp.conf:7: [Resolve] ResolveStrategy: 'IPv4' is not a strategy; did you mean ipv4? "
    "(wireproxy knows only the lowercase names)" },
  { WP_IF WP_PEER "[Resolve]\nResolveStrategy = fastest\n",
    "wp.conf:7: [Resolve] ResolveStrategy: 'fastest' is not a strategy; write auto, ipv4 or "
    "ipv6" },
  { WP_IF WP_PEER "[Resolve]\nResolveStrategy =\n",
    "wp.conf:7: [Resolve] ResolveStrategy: is empty; write auto, ipv4 or ipv6" },
  { WP_IF WP_PEER "[Resolve]\nResolveStrategy = ipv4\n[resolve]\n",
    "wp.conf:8: [Resolve]: appears a second time (first at line 6), and wireproxy reads only "
    "the first; keep one" },
};

static void
test_invalid (void)
{
  g_unsetenv ("SY_TEST_UNSET");

  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      const InvalidCase *c = &invalid_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(SyWireproxyConfig) config = NULL;

      g_test_message ("case %u: %s", i, c->text);
      config = sy_wireproxy_config_parse (c->text, "wp.conf", &error);
      g_assert_null (config);
      g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
      g_test_message ("  → %s", error->message);
      g_assert_cmpstr (error->message, ==, c->message);
      /* Private keys are never repeated. */
      g_assert_null (strstr (error->message, PRIV1));
      g_assert_null (strstr (error->message, "wDq2rpofsQBID7tFVyTBA4bp"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/wireguard/wireproxy/basic", test_basic);
  g_test_add_func ("/core/wireguard/wireproxy/wg-config", test_wg_config);
  g_test_add_func ("/core/wireguard/wireproxy/everything", test_everything);
  g_test_add_func ("/core/wireguard/wireproxy/values", test_values);
  g_test_add_func ("/core/wireguard/wireproxy/syntax", test_syntax);
  g_test_add_func ("/core/wireguard/wireproxy/numbers", test_numbers);
  g_test_add_func ("/core/wireguard/wireproxy/env", test_env);
  g_test_add_func ("/core/wireguard/wireproxy/go-base64", test_keys_go_base64);
  g_test_add_func ("/core/wireguard/wireproxy/effective-resolve", test_effective_resolve);
  g_test_add_func ("/core/wireguard/wireproxy/wg-config-paths", test_wg_config_paths);
  g_test_add_func ("/core/wireguard/wireproxy/load-missing", test_load_missing);
  g_test_add_func ("/core/wireguard/wireproxy/invalid", test_invalid);

  return g_test_run ();
}
