/* test-config-wireguard.c — WireGuard profiles in the configuration directory
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Profiles in wireguard/NAME.conf, their names as outbounds
 * (Outbound=wireguard:NAME) and pool members (URL=wireguard:NAME), loading
 * and saving them with the rest of the directory, and importing and
 * exporting the texts people have (wg-quick, wireproxy).
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "config/sy-config.h"
#include "config/sy-wg-import.h"
#include "util/sy-error.h"

/* RFC 7748 §6.1: Alice's and Bob's X25519 keys, base64. */
#define ALICE_PRIVATE "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="
#define ALICE_PUBLIC  "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="
#define BOB_PRIVATE   "XasIfmJKikt54X+Lg4AO5m87sSkmGLb9HC+LJ/+I4Os="
#define BOB_PUBLIC    "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="
#define PSK           "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="

/* A provider's file: comments a person wants to keep, and wg-quick keys
 * Switchyard ignores. */
static const char vpn_conf[] =
  "# Frankfurt 01, from the provider's site\n"
  "[Interface]\n"
  "PrivateKey = " ALICE_PRIVATE "\n"
  "Address = 10.64.0.2/32, fd00:64::2/128\n"
  "DNS = 10.64.0.1\n"
  "\n"
  "[Peer]\n"
  "# the server\n"
  "PublicKey = " BOB_PUBLIC "\n"
  "PresharedKey = " PSK "\n"
  "Endpoint = 198.51.100.20:51820\n"
  "AllowedIPs = 0.0.0.0/0, ::/0\n"
  "PersistentKeepalive = 25\n";

static const char inbounds_conf[] =
  "[Inbound main]\n"
  "Port=1080\n"
  "Outbound=wireguard:vpn\n";

static const char work_conf[] =
  "[Pool]\n"
  "Strategy=failover\n"
  "\n"
  "[Upstream tunnel]\n"
  "URL=wireguard:vpn\n"
  "Weight=3\n"
  "\n"
  "[Upstream proxy]\n"
  "URL=socks5://127.0.0.1:1080\n";

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, entry, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_assert_no_errno (g_unlink (child));
    }
  g_rmdir (path);
}

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp ("sy-config-wg-XXXXXX", &error);

  g_assert_no_error (error);
  return path;
}

static void
write_text (const char *directory,
            const char *relative,
            const char *text,
            int         mode)
{
  g_autofree char *path = g_build_filename (directory, relative, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_no_errno (g_mkdir_with_parents (parent, 0700));
  g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode, &error);
  g_assert_no_error (error);
}

static char *
read_text (const char *directory,
           const char *relative)
{
  g_autofree char *path = g_build_filename (directory, relative, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static guint
file_mode (const char *directory,
           const char *relative)
{
  g_autofree char *path = g_build_filename (directory, relative, NULL);
  GStatBuf st;

  g_assert_no_errno (g_stat (path, &st));
  return st.st_mode & 0777;
}

static gboolean
file_exists (const char *directory,
             const char *relative)
{
  g_autofree char *path = g_build_filename (directory, relative, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static char *
write_example (void)
{
  char *dir = make_temp_dir ();

  write_text (dir, "wireguard/vpn.conf", vpn_conf, 0600);
  write_text (dir, SY_CONFIG_INBOUNDS_FILE, inbounds_conf, 0600);
  write_text (dir, "pools/work.conf", work_conf, 0600);

  return dir;
}

static SyConfig *
load (const char *dir)
{
  g_autoptr(GError) error = NULL;
  SyConfig *config = sy_config_load_dir (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static SyWgProfile *
parse_profile (const char *text,
               const char *filename)
{
  g_autoptr(GError) error = NULL;
  SyWgProfile *profile = sy_wg_profile_parse_wg_quick (text, filename, &error);

  g_assert_no_error (error);
  return profile;
}

/* ---------------------------------------------------------------------- */
/* names                                                                   */

static void
test_names (void)
{
  g_autofree char *outbound = sy_outbound_name_for_wireguard ("vpn");

  g_assert_cmpstr (outbound, ==, "wireguard:vpn");
  g_assert_cmpstr (sy_outbound_name_get_wireguard ("wireguard:vpn"), ==, "vpn");
  g_assert_null (sy_outbound_name_get_wireguard ("vpn"));
  g_assert_null (sy_outbound_name_get_wireguard ("direct"));
  g_assert_null (sy_outbound_name_get_wireguard (NULL));
}

static void
test_upstream_url (void)
{
  static const struct
  {
    const char *url;
    const char *problem;   /* NULL: accepted */
  } cases[] = {
    { "wireguard:vpn", NULL },
    { "WireGuard:vpn", NULL },           /* schemes are case-insensitive, as socks5:// */
    { "wireguard:", "'wireguard:' names no profile; write wireguard:PROFILE for "
                    "wireguard/PROFILE.conf" },
    { "wireguard:bad name", "'wireguard:bad name': 'bad name' is not a WireGuard profile name" },
    { "wireguard:.hidden", "'.hidden' is not a WireGuard profile name" },
    { "wireguard://vpn", "'//vpn' is not a WireGuard profile name" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SyUpstreamConfig) upstream = NULL;

      upstream = sy_upstream_config_new_from_url (cases[i].url, &error);
      if (cases[i].problem == NULL)
        {
          g_autofree char *url = NULL;

          g_assert_no_error (error);
          g_assert_cmpint (upstream->kind, ==, SY_UPSTREAM_KIND_WIREGUARD);
          g_assert_cmpstr (upstream->profile, ==, "vpn");
          g_assert_null (upstream->host);
          g_assert_cmpuint (upstream->port, ==, 0);
          url = sy_upstream_config_to_url (upstream, TRUE);
          g_assert_cmpstr (url, ==, "wireguard:vpn");
          g_assert_cmpstr (sy_upstream_kind_to_string (upstream->kind), ==, "wireguard");
        }
      else
        {
          g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
          if (strstr (error->message, cases[i].problem) == NULL)
            g_error ("%s: expected “%s” in “%s”", cases[i].url, cases[i].problem, error->message);
        }
    }

  /* A member reaches no proxy server: a host next to the profile is refused. */
  {
    g_autoptr(SyUpstreamConfig) upstream = sy_upstream_config_new_from_url ("wireguard:vpn", NULL);
    g_autoptr(GError) error = NULL;

    upstream->name = g_strdup ("a");
    g_assert_true (sy_upstream_config_validate (upstream, NULL));
    upstream->host = g_strdup ("example.com");
    upstream->port = 1080;
    g_assert_false (sy_upstream_config_validate (upstream, &error));
    g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "[Upstream a] URL: a WireGuard member has no host"));
  }
}

/* ---------------------------------------------------------------------- */
/* loading and saving                                                      */

static void
test_load (void)
{
  g_autofree char *dir = write_example ();
  g_autoptr(SyConfig) config = load (dir);
  const SyInboundConfig *inbound;
  const SyPoolConfig *pool;
  const SyUpstreamConfig *member;
  const SyWgProfile *profile;
  const SyWgPeer *peer;
  g_auto(GStrv) inbounds = NULL;
  g_auto(GStrv) pools = NULL;

  g_assert_cmpuint (config->wireguard->len, ==, 1);
  profile = sy_config_find_wireguard (config, "vpn", NULL);
  g_assert_nonnull (profile);
  g_assert_cmpstr (profile->name, ==, "vpn");
  g_assert_cmpuint (profile->addresses->len, ==, 2);
  g_assert_cmpuint (profile->peers->len, ==, 1);
  peer = g_ptr_array_index (profile->peers, 0);
  g_assert_cmpstr (peer->endpoint_host, ==, "198.51.100.20");
  g_assert_cmpuint (peer->persistent_keepalive, ==, 25);
  g_assert_true (peer->has_preshared_key);

  inbound = sy_config_find_inbound (config, "main", NULL);
  g_assert_cmpstr (inbound->outbound, ==, "wireguard:vpn");

  pool = sy_config_find_pool (config, "work", NULL);
  member = sy_pool_config_find_upstream (pool, "tunnel", NULL);
  g_assert_cmpint (member->kind, ==, SY_UPSTREAM_KIND_WIREGUARD);
  g_assert_cmpstr (member->profile, ==, "vpn");
  g_assert_cmpuint (member->weight, ==, 3);

  inbounds = sy_config_dup_wireguard_inbounds (config, "vpn");
  pools = sy_config_dup_wireguard_pools (config, "vpn");
  g_assert_cmpstrv (inbounds, ((const char * const []) { "main", NULL }));
  g_assert_cmpstrv (pools, ((const char * const []) { "work", NULL }));

  remove_tree (dir);
}

static void
test_round_trip (void)
{
  g_autofree char *dir = write_example ();
  g_autofree char *copy = make_temp_dir ();
  g_autoptr(SyConfig) config = load (dir);
  g_autoptr(SyConfig) again = NULL;
  g_autoptr(SyConfig) copied = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *pool_text = NULL;

  /* Into an empty directory: every file is written. */
  g_assert_true (sy_config_save_dir (config, copy, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (file_mode (copy, "wireguard"), ==, 0700);
  g_assert_cmpuint (file_mode (copy, "wireguard/vpn.conf"), ==, 0600);
  text = read_text (copy, "wireguard/vpn.conf");
  g_assert_true (g_str_has_prefix (text, SY_CONFIG_FILE_HEADER "\n"));
  g_assert_nonnull (strstr (text, "PrivateKey = " ALICE_PRIVATE "\n"));
  g_assert_nonnull (strstr (text, "PresharedKey = " PSK "\n"));
  pool_text = read_text (copy, "pools/work.conf");
  g_assert_nonnull (strstr (pool_text, "[Upstream tunnel]\nURL=wireguard:vpn\nWeight=3\n"));

  again = load (copy);
  g_assert_true (sy_config_equal (config, again));

  /* A copy shares the profiles, and is equal. */
  copied = sy_config_copy (config);
  g_assert_true (g_ptr_array_index (copied->wireguard, 0) ==
                 g_ptr_array_index (config->wireguard, 0));
  g_assert_true (sy_config_equal (config, copied));

  remove_tree (dir);
  remove_tree (copy);
}

/* A provider's file keeps its comments while its profile does not change,
 * but never stays readable by others. */
static void
test_unchanged_kept (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  write_text (dir, "wireguard/vpn.conf", vpn_conf, 0644);
  write_text (dir, SY_CONFIG_INBOUNDS_FILE, inbounds_conf, 0600);
  config = load (dir);

  g_assert_true (sy_config_save_dir (config, dir, &error));
  g_assert_no_error (error);

  text = read_text (dir, "wireguard/vpn.conf");
  g_assert_cmpstr (text, ==, vpn_conf);
  g_assert_cmpuint (file_mode (dir, "wireguard/vpn.conf"), ==, 0600);

  remove_tree (dir);
}

static void
test_changed_rewritten (void)
{
  g_autofree char *dir = write_example ();
  g_autoptr(SyConfig) config = load (dir);
  g_autoptr(SyConfig) again = NULL;
  g_autoptr(SyWgProfile) edited = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint index;

  g_assert_nonnull (sy_config_find_wireguard (config, "vpn", &index));
  edited = sy_wg_profile_copy (g_ptr_array_index (config->wireguard, index));
  edited->mtu = 1280;
  sy_wg_profile_unref (g_ptr_array_index (config->wireguard, index));
  g_ptr_array_index (config->wireguard, index) = sy_wg_profile_ref (edited);

  g_assert_true (sy_config_save_dir (config, dir, &error));
  g_assert_no_error (error);

  text = read_text (dir, "wireguard/vpn.conf");
  g_assert_null (strstr (text, "Frankfurt"));
  g_assert_nonnull (strstr (text, "MTU = 1280\n"));
  g_assert_cmpuint (file_mode (dir, "wireguard/vpn.conf"), ==, 0600);

  again = load (dir);
  g_assert_cmpuint (((SyWgProfile *) g_ptr_array_index (again->wireguard, 0))->mtu, ==, 1280);
  g_assert_true (sy_config_equal (config, again));

  remove_tree (dir);
}

static void
test_stale_removed (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  write_text (dir, "wireguard/vpn.conf", vpn_conf, 0600);
  write_text (dir, "wireguard/old.conf", vpn_conf, 0600);
  write_text (dir, "wireguard/README", "notes\n", 0644);
  write_text (dir, "wireguard/.vpn.conf.swp", "x", 0600);
  config = load (dir);
  g_assert_cmpuint (config->wireguard->len, ==, 2);
  /* Loaded in name order. */
  g_assert_cmpstr (((SyWgProfile *) g_ptr_array_index (config->wireguard, 0))->name, ==, "old");

  g_ptr_array_remove_index (config->wireguard, 0);
  g_assert_true (sy_config_save_dir (config, dir, &error));
  g_assert_no_error (error);

  g_assert_false (file_exists (dir, "wireguard/old.conf"));
  g_assert_true (file_exists (dir, "wireguard/vpn.conf"));
  g_assert_true (file_exists (dir, "wireguard/README"));
  g_assert_true (file_exists (dir, "wireguard/.vpn.conf.swp"));

  remove_tree (dir);
}

/* ---------------------------------------------------------------------- */
/* errors                                                                  */

typedef struct
{
  const char *file;      /* relative path, written over the example */
  const char *text;
  const char *message;   /* the error starts with this */
} BadCase;

static const BadCase bad_cases[] = {
  /* The parser's own errors carry the file and the line. */
  { "wireguard/vpn.conf",
    "[Interface]\nPrivateKey = " ALICE_PRIVATE "\nAddress = 10.64.0.2/33\n",
    "wireguard/vpn.conf:3: [Interface] Address: " },
  { "wireguard/vpn.conf",
    "[Interface]\nPrivateKey = " ALICE_PRIVATE "\n\n[Peer]\nPublicKey = " BOB_PUBLIC "\n"
    "Endpont = 198.51.100.20:51820\n",
    "wireguard/vpn.conf:6: [Peer] Endpont: " },
  { "wireguard/vpn.conf", "[Interface]\nAddress = 10.64.0.2/32\n",
    "wireguard/vpn.conf:1: [Interface]: has no PrivateKey" },
  /* The name is the file's name. */
  { "wireguard/bad name.conf", vpn_conf,
    "wireguard/bad name.conf: 'bad name' is not a valid WireGuard profile name" },
  /* Cross references name the line that refers. */
  { SY_CONFIG_INBOUNDS_FILE, "[Inbound main]\nPort=1080\nOutbound=wireguard:vnp\n",
    "inbounds.conf:3: [Inbound main] Outbound: there is no WireGuard profile 'vnp' (no "
    "wireguard/vnp.conf); did you mean wireguard:vpn?" },
  { SY_CONFIG_INBOUNDS_FILE, "[Inbound main]\nPort=1080\nOutbound=wireguard:elsewhere\n",
    "inbounds.conf:3: [Inbound main] Outbound: there is no WireGuard profile 'elsewhere' (no "
    "wireguard/elsewhere.conf); import one with `switchyardctl wireguard import FILE`" },
  { SY_CONFIG_INBOUNDS_FILE, "[Inbound main]\nOutbound=wireguard:\n",
    "inbounds.conf:2: [Inbound main] Outbound: 'wireguard:' is not direct, reject or a pool "
    "name, nor wireguard:PROFILE" },
  { "pools/work.conf", "[Pool]\n\n[Upstream a]\nURL=wireguard:vpm\n",
    "pools/work.conf:4: [Upstream a] URL: there is no WireGuard profile 'vpm' (no "
    "wireguard/vpm.conf); did you mean wireguard:vpn?" },
  { "pools/work.conf", "[Upstream a]\nURL=wireguard:vpn\nHost=example.com\n",
    "pools/work.conf:3: [Upstream a] Host: cannot be combined with URL=" },
  { "pools/work.conf", "[Upstream a]\nType=wireguard\nHost=vpn\nPort=1\n",
    "pools/work.conf:2: [Upstream a] Type: a WireGuard member is given as URL=wireguard:PROFILE" },
};

static void
test_bad_files (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *dir = write_example ();
      g_autoptr(GError) error = NULL;
      g_autoptr(SyConfig) config = NULL;

      write_text (dir, bad_cases[i].file, bad_cases[i].text, 0600);

      /* All or nothing: no configuration at all. */
      config = sy_config_load_dir (dir, &error);
      g_assert_null (config);
      g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
      g_test_message ("%s", error->message);
      if (!g_str_has_prefix (error->message, bad_cases[i].message))
        g_error ("case %u: expected “%s…”, got “%s”", i, bad_cases[i].message, error->message);
      /* Private keys never appear in messages. */
      g_assert_null (strstr (error->message, ALICE_PRIVATE));

      remove_tree (dir);
    }
}

static void
test_validate (void)
{
  g_autoptr(SyConfig) config = sy_config_new_default ();
  g_autoptr(SyWgProfile) profile = parse_profile (vpn_conf, "vpn.conf");
  g_autoptr(GError) error = NULL;
  SyInboundConfig *inbound = g_ptr_array_index (config->inbounds, 0);

  g_free (inbound->outbound);
  inbound->outbound = g_strdup ("wireguard:vpn");
  g_assert_false (sy_config_validate (config, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "there is no WireGuard profile 'vpn'"));
  g_clear_error (&error);

  g_ptr_array_add (config->wireguard, sy_wg_profile_ref (profile));
  g_assert_true (sy_config_validate (config, &error));
  g_assert_no_error (error);

  /* Two profiles of one name. */
  g_ptr_array_add (config->wireguard, sy_wg_profile_ref (profile));
  g_assert_false (sy_config_validate (config, &error));
  g_assert_cmpstr (error->message, ==,
                   "wireguard/vpn.conf: two WireGuard profiles have this name; rename one");
  g_clear_error (&error);
  g_ptr_array_set_size (config->wireguard, 1);

  /* A profile in memory without a name, or without a private key. */
  {
    g_autoptr(SyWgProfile) unnamed = sy_wg_profile_copy (profile);
    g_autoptr(SyWgProfile) keyless = sy_wg_profile_copy (profile);

    g_clear_pointer (&unnamed->name, g_free);
    g_assert_false (sy_config_wireguard_validate (unnamed, &error));
    g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);

    memset (keyless->private_key, 0, sizeof keyless->private_key);
    g_assert_false (sy_config_wireguard_validate (keyless, &error));
    g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
    g_assert_true (g_str_has_prefix (error->message, "WireGuard profile vpn: "));
    g_clear_error (&error);
  }

  /* A pool member whose profile is gone. */
  {
    g_autoptr(SyPoolConfig) pool = sy_pool_config_new ("work");
    SyUpstreamConfig *member = sy_upstream_config_new_from_url ("wireguard:gone", NULL);

    member->name = g_strdup ("tunnel");
    g_ptr_array_add (pool->upstreams, member);
    g_ptr_array_add (config->pools, g_steal_pointer (&pool));
    g_assert_false (sy_config_validate (config, &error));
    g_assert_cmpstr (error->message, ==,
                     "pool work: [Upstream tunnel] URL: there is no WireGuard profile 'gone' (no "
                     "wireguard/gone.conf); import one with `switchyardctl wireguard import "
                     "FILE`");
  }
}

/* ---------------------------------------------------------------------- */
/* import and export                                                       */

static const char wireproxy_ini[] =
  "; wireproxy's own comment style\n"
  "[Interface]\n"
  "PrivateKey = " ALICE_PRIVATE "\n"
  "Address = 10.64.0.2/32\n"
  "DNS = 10.64.0.1\n"
  "CheckAlive = 1.1.1.1\n"
  "\n"
  "[Peer]\n"
  "PublicKey = " BOB_PUBLIC "\n"
  "Endpoint = 198.51.100.20:51820\n"
  "\n"
  "[Socks5]\n"
  "BindAddress = 127.0.0.1:25344\n"
  "\n"
  "[TCPClientTunnel]\n"
  "BindAddress = 127.0.0.1:2222\n"
  "Target = 10.64.0.1:22\n";

static void
test_detect_format (void)
{
  g_assert_cmpint (sy_wg_import_detect_format (vpn_conf), ==, SY_WG_IMPORT_WG_QUICK);
  g_assert_cmpint (sy_wg_import_detect_format (wireproxy_ini), ==, SY_WG_IMPORT_WIREPROXY);
  /* Case and blanks as either tool reads them. */
  g_assert_cmpint (sy_wg_import_detect_format ("[Interface]\n[ socks5 ]\n"), ==,
                   SY_WG_IMPORT_WIREPROXY);
  g_assert_cmpint (sy_wg_import_detect_format ("[Interface]\ncheckalive = 1.1.1.1\n"), ==,
                   SY_WG_IMPORT_WIREPROXY);
  g_assert_cmpint (sy_wg_import_detect_format ("WGConfig: wg0.conf\n"), ==,
                   SY_WG_IMPORT_WIREPROXY);
  /* A comment naming a section is no section. */
  g_assert_cmpint (sy_wg_import_detect_format ("[Interface]\n# [Socks5]\n"), ==,
                   SY_WG_IMPORT_WG_QUICK);
}

static void
test_import (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SyWgProfile) expected = parse_profile (vpn_conf, "vpn.conf");
  g_autoptr(SyWgProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *with_hooks = NULL;

  /* wg-quick, with a hook that needs a kernel interface. */
  with_hooks = g_strconcat ("[Interface]\nPostUp = iptables -A FORWARD -j ACCEPT\n",
                            strstr (vpn_conf, "PrivateKey"), NULL);
  profile = sy_wg_import ("vpn", with_hooks, SY_WG_IMPORT_AUTO, warnings, &error);
  g_assert_no_error (error);
  g_assert_true (sy_wg_profile_equal (profile, expected));
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (warnings, 0), "vpn.conf:2: "));
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), "PostUp"));
  g_clear_pointer (&profile, sy_wg_profile_unref);
  g_ptr_array_set_size (warnings, 0);

  /* wireproxy: the tunnel is the profile, the rest is said. */
  profile = sy_wg_import ("fra", wireproxy_ini, SY_WG_IMPORT_AUTO, warnings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (profile->name, ==, "fra");
  g_assert_cmpuint (profile->peers->len, ==, 1);
  g_assert_cmpuint (profile->dns->len, ==, 1);
  g_assert_cmpuint (warnings->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (warnings, 0), ==,
                   "fra.ini:12: [Socks5] (a proxy on 127.0.0.1:25344) is not imported: a "
                   "profile has no listeners; route an inbound to it with "
                   "Outbound=wireguard:fra");
  g_assert_true (g_str_has_prefix (g_ptr_array_index (warnings, 1),
                                   "fra.ini:15: [TCPClientTunnel] is not imported"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (warnings, 2),
                                   "fra.ini: CheckAlive is not imported"));
  g_clear_pointer (&profile, sy_wg_profile_unref);

  /* The same text forced through the wg-quick parser fails at [Socks5]. */
  profile = sy_wg_import ("fra", wireproxy_ini, SY_WG_IMPORT_WG_QUICK, NULL, &error);
  g_assert_null (profile);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "fra.conf:1: "));
  g_clear_error (&error);

  /* WGConfig names a file: never read on the caller's behalf. */
  profile = sy_wg_import ("x", "WGConfig = /etc/wireguard/wg0.conf\n[Socks5]\n"
                          "BindAddress = 127.0.0.1:1080\n", SY_WG_IMPORT_AUTO, NULL, &error);
  g_assert_null (profile);
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "import that wg-quick file instead"));
  g_clear_error (&error);

  /* Names are file names. */
  profile = sy_wg_import ("../etc", vpn_conf, SY_WG_IMPORT_WG_QUICK, NULL, &error);
  g_assert_null (profile);
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Errors name the line and never the private key. */
  profile = sy_wg_import ("vpn", "[Interface]\nPrivateKey = " ALICE_PRIVATE "\nMTU = 5\n",
                          SY_WG_IMPORT_WG_QUICK, NULL, &error);
  g_assert_null (profile);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "vpn.conf:3: [Interface] MTU: "));
  g_assert_null (strstr (error->message, ALICE_PRIVATE));
}

static void
test_export (void)
{
  g_autoptr(SyWgProfile) profile = parse_profile (vpn_conf, "vpn.conf");
  g_autoptr(SyWgProfile) back = NULL;
  g_autofree char *key = sy_wg_profile_dup_public_key (profile);
  g_autofree char *plain = sy_wg_export (profile, FALSE);
  g_autofree char *full = sy_wg_export (profile, TRUE);
  g_autoptr(GError) error = NULL;

  /* X25519 of Alice's private key is Alice's public key (RFC 7748 §6.1). */
  g_assert_cmpstr (key, ==, ALICE_PUBLIC);

  g_assert_null (strstr (plain, ALICE_PRIVATE));
  g_assert_null (strstr (plain, PSK));
  g_assert_nonnull (strstr (plain, "# PrivateKey = (not exported)\n"));
  g_assert_nonnull (strstr (plain, "# PresharedKey = (not exported)\n"));
  g_assert_nonnull (strstr (plain, "# This interface's public key: " ALICE_PUBLIC "\n"));
  g_assert_nonnull (strstr (plain, "PublicKey = " BOB_PUBLIC "\n"));
  g_assert_nonnull (strstr (plain, "Endpoint = 198.51.100.20:51820\n"));

  /* With the keys, the text is the profile. */
  g_assert_nonnull (strstr (full, "PrivateKey = " ALICE_PRIVATE "\n"));
  back = sy_wg_profile_parse_wg_quick (full, "vpn.conf", &error);
  g_assert_no_error (error);
  g_assert_true (sy_wg_profile_equal (back, profile));

  /* Without them it is for reading: it has no private key to run on. */
  g_clear_pointer (&back, sy_wg_profile_unref);
  back = sy_wg_profile_parse_wg_quick (plain, "vpn.conf", &error);
  g_assert_true (back == NULL || !sy_wg_profile_validate (back, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/wireguard/names", test_names);
  g_test_add_func ("/config/wireguard/upstream-url", test_upstream_url);
  g_test_add_func ("/config/wireguard/load", test_load);
  g_test_add_func ("/config/wireguard/round-trip", test_round_trip);
  g_test_add_func ("/config/wireguard/unchanged-kept", test_unchanged_kept);
  g_test_add_func ("/config/wireguard/changed-rewritten", test_changed_rewritten);
  g_test_add_func ("/config/wireguard/stale-removed", test_stale_removed);
  g_test_add_func ("/config/wireguard/bad-files", test_bad_files);
  g_test_add_func ("/config/wireguard/validate", test_validate);
  g_test_add_func ("/config/wireguard/detect-format", test_detect_format);
  g_test_add_func ("/config/wireguard/import", test_import);
  g_test_add_func ("/config/wireguard/export", test_export);

  return g_test_run ();
}
