/* test-config.c — the configuration files: parsing, errors, writing
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "config/sy-config.h"
#include "util/sy-error.h"

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *entry;

  if (dir != NULL)
    {
      while ((entry = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, entry, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_assert_no_errno (g_unlink (child));
        }
      g_dir_close (dir);
      g_assert_no_errno (g_rmdir (path));
    }
}

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp ("sy-config-XXXXXX", &error);

  g_assert_no_error (error);
  return path;
}

static void
write_text (const char *directory,
            const char *relative,
            const char *text)
{
  g_autofree char *path = g_build_filename (directory, relative, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_no_errno (g_mkdir_with_parents (parent, 0700));
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Sorted names in @directory (non-recursive). */
static char *
list_dir (const char *directory)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (entry));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (" ", (char **) names->pdata);
}

static guint
file_mode (const char *directory,
           const char *relative)
{
  g_autofree char *path = g_build_filename (directory, relative, NULL);
  GStatBuf st;

  g_assert_no_errno (g_stat (path, &st));
  return st.st_mode & 07777;
}

static SyUpstreamConfig *
upstream_new (const char *name,
              const char *url)
{
  g_autoptr(GError) error = NULL;
  SyUpstreamConfig *upstream = sy_upstream_config_new_from_url (url, &error);

  g_assert_no_error (error);
  upstream->name = g_strdup (name);
  return upstream;
}

/* A configuration that differs from the defaults nearly everywhere and has
 * values that need escaping, to exercise serialization. */
static SyConfig *
rich_config (void)
{
  SyConfig *config = sy_config_new_default ();
  SyInboundConfig *lan;
  SyInboundConfig *dead;
  SyPoolConfig *work;
  SyPoolConfig *spare;
  SyUpstreamConfig *upstream;
  g_autoptr(GError) error = NULL;

  config->service.autostart = FALSE;
  config->service.connect_timeout_ms = 1234;
  config->service.handshake_timeout_ms = 5678;
  config->service.idle_timeout_s = 0;
  config->service.connection_log_size = 0;
  config->service.log_size = 99999;
  config->service.bind_address = g_strdup ("::1");
  config->service.interface = g_strdup ("wg0");
  config->service.fwmark = 0xca6c;

  lan = sy_inbound_config_new ();
  lan->name = g_strdup ("lan-1.x_y");
  g_free (lan->listen_address);
  lan->listen_address = g_strdup ("0.0.0.0");
  lan->port = 1081;
  lan->username = g_strdup (" alice ");
  /* leading/trailing blanks, a backslash, '#', '=', '[' and non-ASCII */
  lan->password = g_strdup ("  p\\a=s#s [x] 密码  ");
  lan->allow_insecure = TRUE;
  g_free (lan->outbound);
  lan->outbound = g_strdup ("work");
  g_ptr_array_add (config->inbounds, lan);

  dead = sy_inbound_config_new ();
  dead->name = g_strdup ("dead");
  g_free (dead->listen_address);
  dead->listen_address = g_strdup ("::1");
  dead->port = 65535;
  g_free (dead->outbound);
  dead->outbound = g_strdup ("reject");
  g_ptr_array_add (config->inbounds, dead);

  spare = sy_pool_config_new ("spare");
  g_ptr_array_add (config->pools, spare);

  work = sy_pool_config_new ("work");
  work->strategy = SY_POOL_STRATEGY_LOWEST_LATENCY;
  work->tolerance_ms = 0;
  work->max_attempts = 32;
  work->health.enabled = FALSE;
  g_free (work->health.url);
  work->health.url = g_strdup ("https://example.com/health?x=1#y");
  work->health.interval_s = 86400;
  work->health.timeout_ms = 100;
  g_clear_pointer (&work->health.expected_status, g_array_unref);
  g_assert_true (sy_status_ranges_parse ("204, 200-299,301", &work->health.expected_status,
                                         &error));
  g_assert_no_error (error);
  work->health.latency_samples = 1;
  work->health.fail_threshold = 100;
  work->health.fail_window_s = 7;
  work->health.recover_threshold = 9;
  work->health.backoff_initial_s = 11;
  work->health.backoff_max_s = 11;

  g_ptr_array_add (work->upstreams, upstream_new ("b", "socks5://[2001:db8::1]:1080"));
  upstream = upstream_new ("a", "http://us%20er:p%40ss%3Aw%2F%25@proxy.example.com:3128");
  upstream->weight = 10000;
  upstream->enabled = FALSE;
  g_ptr_array_add (work->upstreams, upstream);
  upstream = upstream_new ("z.9", "socks5://u:%E5%AF%86@bücher.example:1");
  g_ptr_array_add (work->upstreams, upstream);
  g_ptr_array_add (work->upstreams, upstream_new ("user-only", "socks5://token@10.0.0.1:9"));
  g_ptr_array_add (config->pools, work);

  return config;
}

/* ---------------------------------------------------------------------- */
/* defaults and small functions                                            */

static void
test_defaults (void)
{
  g_autoptr(SyConfig) config = sy_config_new_default ();
  g_autoptr(SyPoolConfig) pool = sy_pool_config_new ("p");
  g_autoptr(SyUpstreamConfig) upstream = sy_upstream_config_new ();
  g_autoptr(GError) error = NULL;
  SyInboundConfig *main_inbound;

  g_assert_true (config->service.autostart);
  g_assert_cmpuint (config->service.connect_timeout_ms, ==, 10000);
  g_assert_cmpuint (config->service.handshake_timeout_ms, ==, 10000);
  g_assert_cmpuint (config->service.idle_timeout_s, ==, 300);
  g_assert_cmpuint (config->service.connection_log_size, ==, 1000);
  g_assert_cmpuint (config->service.log_size, ==, 2000);
  g_assert_null (config->service.bind_address);
  g_assert_null (config->service.interface);
  g_assert_cmpuint (config->service.fwmark, ==, 0);

  g_assert_cmpuint (config->inbounds->len, ==, 1);
  main_inbound = g_ptr_array_index (config->inbounds, 0);
  g_assert_cmpstr (main_inbound->name, ==, "main");
  g_assert_cmpstr (main_inbound->listen_address, ==, "127.0.0.1");
  g_assert_cmpuint (main_inbound->port, ==, 1080);
  g_assert_null (main_inbound->username);
  g_assert_null (main_inbound->password);
  g_assert_false (main_inbound->allow_insecure);
  g_assert_cmpstr (main_inbound->outbound, ==, "direct");
  g_assert_cmpuint (config->pools->len, ==, 0);
  g_assert_true (sy_config_validate (config, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (pool->name, ==, "p");
  g_assert_cmpint (pool->strategy, ==, SY_POOL_STRATEGY_ROUND_ROBIN);
  g_assert_cmpuint (pool->tolerance_ms, ==, 50);
  g_assert_cmpuint (pool->max_attempts, ==, 3);
  g_assert_true (pool->health.enabled);
  g_assert_cmpstr (pool->health.url, ==, "http://www.gstatic.com/generate_204");
  g_assert_cmpuint (pool->health.interval_s, ==, 60);
  g_assert_cmpuint (pool->health.timeout_ms, ==, 5000);
  g_assert_cmpuint (pool->health.latency_samples, ==, 5);
  g_assert_cmpuint (pool->health.fail_threshold, ==, 3);
  g_assert_cmpuint (pool->health.fail_window_s, ==, 60);
  g_assert_cmpuint (pool->health.recover_threshold, ==, 2);
  g_assert_cmpuint (pool->health.backoff_initial_s, ==, 5);
  g_assert_cmpuint (pool->health.backoff_max_s, ==, 300);
  g_assert_true (sy_health_check_status_ok (&pool->health, 200));
  g_assert_true (sy_health_check_status_ok (&pool->health, 399));
  g_assert_false (sy_health_check_status_ok (&pool->health, 400));
  g_assert_false (sy_health_check_status_ok (&pool->health, 199));
  g_assert_cmpuint (pool->upstreams->len, ==, 0);
  g_assert_true (sy_pool_config_validate (pool, &error));
  g_assert_no_error (error);

  g_assert_cmpint (upstream->kind, ==, SY_UPSTREAM_KIND_SOCKS5);
  g_assert_cmpuint (upstream->weight, ==, 1);
  g_assert_true (upstream->enabled);
}

static void
test_names (void)
{
  g_autofree char *long_name = g_strnfill (64, 'a');
  g_autofree char *too_long = g_strnfill (65, 'a');

  g_assert_true (sy_is_valid_name ("main"));
  g_assert_true (sy_is_valid_name ("a"));
  g_assert_true (sy_is_valid_name ("Tokyo-1.backup_2"));
  g_assert_true (sy_is_valid_name ("-x"));
  g_assert_true (sy_is_valid_name (long_name));
  g_assert_false (sy_is_valid_name (too_long));
  g_assert_false (sy_is_valid_name (NULL));
  g_assert_false (sy_is_valid_name (""));
  g_assert_false (sy_is_valid_name (".hidden"));
  g_assert_false (sy_is_valid_name ("a b"));
  g_assert_false (sy_is_valid_name ("a/b"));
  g_assert_false (sy_is_valid_name ("a]"));
  g_assert_false (sy_is_valid_name ("ü"));
}

static void
test_strings (void)
{
  static const struct { SyPoolStrategy strategy; const char *text; } strategies[] = {
    { SY_POOL_STRATEGY_ROUND_ROBIN, "round-robin" },
    { SY_POOL_STRATEGY_WEIGHTED_RANDOM, "weighted-random" },
    { SY_POOL_STRATEGY_FAILOVER, "failover" },
    { SY_POOL_STRATEGY_LEAST_CONNECTIONS, "least-connections" },
    { SY_POOL_STRATEGY_LOWEST_LATENCY, "lowest-latency" },
  };
  SyPoolStrategy strategy;
  SyUpstreamKind kind;

  for (guint i = 0; i < G_N_ELEMENTS (strategies); i++)
    {
      g_assert_cmpstr (sy_pool_strategy_to_string (strategies[i].strategy), ==,
                       strategies[i].text);
      g_assert_true (sy_pool_strategy_from_string (strategies[i].text, &strategy));
      g_assert_cmpint (strategy, ==, strategies[i].strategy);
    }
  g_assert_false (sy_pool_strategy_from_string ("Round-Robin", &strategy));
  g_assert_false (sy_pool_strategy_from_string ("", &strategy));
  g_assert_false (sy_pool_strategy_from_string (NULL, &strategy));

  g_assert_cmpstr (sy_upstream_kind_to_string (SY_UPSTREAM_KIND_SOCKS5), ==, "socks5");
  g_assert_cmpstr (sy_upstream_kind_to_string (SY_UPSTREAM_KIND_HTTP), ==, "http");
  g_assert_true (sy_upstream_kind_from_string ("socks5", &kind));
  g_assert_cmpint (kind, ==, SY_UPSTREAM_KIND_SOCKS5);
  g_assert_true (sy_upstream_kind_from_string ("socks5h", &kind));
  g_assert_cmpint (kind, ==, SY_UPSTREAM_KIND_SOCKS5);
  g_assert_true (sy_upstream_kind_from_string ("HTTP", &kind));
  g_assert_cmpint (kind, ==, SY_UPSTREAM_KIND_HTTP);
  g_assert_false (sy_upstream_kind_from_string ("https", &kind));
  g_assert_false (sy_upstream_kind_from_string ("socks4", &kind));
}

static void
test_status_ranges (void)
{
  static const struct { const char *text; const char *normal; const char *error; } cases[] = {
    { "200-299,301", "200-299,301", NULL },
    { " 204 , 200 - 299 ", "204,200-299", NULL },
    { "100-599", "100-599", NULL },
    { "204", "204", NULL },
    { "", NULL, "is empty" },
    { "200,", NULL, "has an empty item" },
    { "2xx", NULL, "'2xx' is not an HTTP status" },
    { "99", NULL, "'99' is not an HTTP status (100–599)" },
    { "600", NULL, "'600' is not an HTTP status" },
    { "200-600", NULL, "'200-600' is not a range" },
    { "299-200", NULL, "299-200 is backwards; write 200-299" },
    { "-200", NULL, "is not a range" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GArray) ranges = NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok = sy_status_ranges_parse (cases[i].text, &ranges, &error);

      g_test_message ("status ranges '%s'", cases[i].text);
      if (cases[i].normal != NULL)
        {
          g_autofree char *text = NULL;

          g_assert_no_error (error);
          g_assert_true (ok);
          text = sy_status_ranges_to_string (ranges);
          g_assert_cmpstr (text, ==, cases[i].normal);
        }
      else
        {
          g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
          g_assert_false (ok);
          g_assert_null (ranges);
          g_assert_nonnull (strstr (error->message, cases[i].error));
        }
    }

  {
    SyHealthCheckConfig health = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_true (sy_status_ranges_parse ("204,301-302", &health.expected_status, &error));
    g_assert_true (sy_health_check_status_ok (&health, 204));
    g_assert_true (sy_health_check_status_ok (&health, 301));
    g_assert_true (sy_health_check_status_ok (&health, 302));
    g_assert_false (sy_health_check_status_ok (&health, 200));
    g_assert_false (sy_health_check_status_ok (&health, 303));
    g_array_unref (health.expected_status);
  }
}

/* ---------------------------------------------------------------------- */
/* upstream URLs                                                           */

typedef struct
{
  const char     *url;
  SyUpstreamKind  kind;
  const char     *host;
  guint16         port;
  const char     *username;
  const char     *password;
  const char     *canonical;   /* to_url (…, TRUE) */
} UrlCase;

static const UrlCase valid_urls[] = {
  { "socks5://127.0.0.1:1080", SY_UPSTREAM_KIND_SOCKS5, "127.0.0.1", 1080, NULL, NULL,
    "socks5://127.0.0.1:1080" },
  { "socks5h://user:pass@proxy.example.com:1080", SY_UPSTREAM_KIND_SOCKS5, "proxy.example.com",
    1080, "user", "pass", "socks5://user:pass@proxy.example.com:1080" },
  { "SOCKS5://h:1", SY_UPSTREAM_KIND_SOCKS5, "h", 1, NULL, NULL, "socks5://h:1" },
  { "http://u:p%40ss%3Aw@[::1]:8080/", SY_UPSTREAM_KIND_HTTP, "::1", 8080, "u", "p@ss:w",
    "http://u:p%40ss%3Aw@[::1]:8080" },
  { "Http://[2001:db8::7]:65535", SY_UPSTREAM_KIND_HTTP, "2001:db8::7", 65535, NULL, NULL,
    "http://[2001:db8::7]:65535" },
  /* an unescaped '@' or '/' in the password: the last '@' ends the user info */
  { "socks5://us%20er:p@s/s@h:1", SY_UPSTREAM_KIND_SOCKS5, "h", 1, "us er", "p@s/s",
    "socks5://us%20er:p%40s%2Fs@h:1" },
  { "socks5://user@h:1", SY_UPSTREAM_KIND_SOCKS5, "h", 1, "user", NULL, "socks5://user@h:1" },
  { "socks5://user:@h:1", SY_UPSTREAM_KIND_SOCKS5, "h", 1, "user", NULL, "socks5://user@h:1" },
  { "socks5://@h:1", SY_UPSTREAM_KIND_SOCKS5, "h", 1, NULL, NULL, "socks5://h:1" },
  { "socks5://a:b:c@h:1", SY_UPSTREAM_KIND_SOCKS5, "h", 1, "a", "b:c", "socks5://a:b%3Ac@h:1" },
  { "socks5://%E7%94%A8:%E5%AF%86@h:1", SY_UPSTREAM_KIND_SOCKS5, "h", 1, "用", "密",
    "socks5://%E7%94%A8:%E5%AF%86@h:1" },
  { "http://bücher.example:3128", SY_UPSTREAM_KIND_HTTP, "bücher.example", 3128, NULL, NULL,
    "http://bücher.example:3128" },
  { "socks5://h.example.:01080", SY_UPSTREAM_KIND_SOCKS5, "h.example.", 1080, NULL, NULL,
    "socks5://h.example.:1080" },
  { "socks5://my_host-1.lan:22", SY_UPSTREAM_KIND_SOCKS5, "my_host-1.lan", 22, NULL, NULL,
    "socks5://my_host-1.lan:22" },
};

static const struct { const char *url; const char *error; } invalid_urls[] = {
  { "", "is empty; write a URL such as socks5://" },
  { "127.0.0.1:1080", "'127.0.0.1:1080' has no scheme; write socks5://127.0.0.1:1080" },
  { "socks6://x", "'socks6://x' is not a socks5:// or http:// URL" },
  { "socks4://h:1", "'socks4://h:1' is not a socks5:// or http:// URL" },
  { "https://h:1", "TLS to the proxy (https://) is not supported" },
  { "socks5://h", "'socks5://h' has no port; add one, as in socks5://h:1080" },
  { "http://h:", "'http://h:' has no port; add one, as in http://h:8080" },
  { "socks5://[::1]", "has no port; add one, as in socks5://[::1]:1080" },
  { "socks5://h:0", "'0' is not a port" },
  { "socks5://h:65536", "'65536' is not a port" },
  { "socks5://h:1x", "'1x' is not a port" },
  { "socks5://::1:1080", "write IPv6 addresses in brackets" },
  { "socks5://[::1:1080", "has a '[' without ']'" },
  { "socks5://[::1]x:1080", "write the port right after the ']'" },
  { "socks5://[1.2.3.4]:1", "[1.2.3.4] is not an IPv6 address" },
  { "socks5://[fe80::1%25eth0]:1", "is not an IPv6 address" },
  { "socks5://h:1/path", "has a path, query or fragment" },
  { "socks5://h:1?x", "has a path, query or fragment" },
  { "socks5://u:p%zz@h:1", "the password has a broken %-escape" },
  { "socks5://u%4:p@h:1", "the user name has a broken %-escape" },
  { "socks5://u:%00@h:1", "the password has a broken %-escape" },
  { "socks5://:p@h:1", "has a password but no user name" },
  { "socks5://:1080", "has no host" },
  { "socks5://u:p@", "has no host" },
  { "socks5://h..x:1", "'h..x' is not a valid host name" },
  { "socks5://h$x:1", "'h$x' is not a valid host name" },
  { "socks5://u%0A:p@h:1", "the user name contains a control character" },
  { "http://a%3Ab:p@h:1", "the user name contains ':'" },
};

static void
test_url_valid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (valid_urls); i++)
    {
      const UrlCase *c = &valid_urls[i];
      g_autoptr(SyUpstreamConfig) upstream = NULL;
      g_autoptr(SyUpstreamConfig) again = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *url = NULL;
      g_autofree char *shown = NULL;

      g_test_message ("URL %s", c->url);
      upstream = sy_upstream_config_new_from_url (c->url, &error);
      g_assert_no_error (error);
      g_assert_null (upstream->name);
      g_assert_cmpint (upstream->kind, ==, c->kind);
      g_assert_cmpstr (upstream->host, ==, c->host);
      g_assert_cmpuint (upstream->port, ==, c->port);
      g_assert_cmpstr (upstream->username, ==, c->username);
      g_assert_cmpstr (upstream->password, ==, c->password);
      g_assert_cmpuint (upstream->weight, ==, 1);
      g_assert_true (upstream->enabled);

      url = sy_upstream_config_to_url (upstream, TRUE);
      g_assert_cmpstr (url, ==, c->canonical);
      again = sy_upstream_config_new_from_url (url, &error);
      g_assert_no_error (error);
      g_assert_true (sy_upstream_config_equal (upstream, again));

      shown = sy_upstream_config_to_url (upstream, FALSE);
      if (c->password != NULL)
        g_assert_null (strstr (shown, ":" "pass@"));
      g_assert_true (g_str_has_suffix (shown, strrchr (c->canonical, '@') != NULL
                                              ? strrchr (c->canonical, '@')
                                              : strstr (c->canonical, "://") + 2));

      upstream->name = g_strdup ("x");
      g_assert_true (sy_upstream_config_validate (upstream, &error));
      g_assert_no_error (error);
    }
}

static void
test_url_invalid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid_urls); i++)
    {
      g_autoptr(SyUpstreamConfig) upstream = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("URL %s", invalid_urls[i].url);
      upstream = sy_upstream_config_new_from_url (invalid_urls[i].url, &error);
      g_assert_null (upstream);
      g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
      g_test_message ("  → %s", error->message);
      g_assert_nonnull (strstr (error->message, invalid_urls[i].error));
    }
}

static void
test_url_password_not_shown (void)
{
  static const char * const urls[] = {
    "socks5://user:hunter2@h",
    "socks5://user:hunter2@h:99999",
    "socks5://user:hunter2@h:1/x",
    "socks6://user:hunter2@h:1",
    "socks5://user:hunter2%zz@h:1",
    "socks5://user:hunter2@[::1",
    "socks5://user:hunter2@bad$host:1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(SyUpstreamConfig) upstream = NULL;
      g_autoptr(GError) error = NULL;

      upstream = sy_upstream_config_new_from_url (urls[i], &error);
      g_assert_null (upstream);
      g_assert_nonnull (error);
      g_test_message ("%s → %s", urls[i], error->message);
      g_assert_null (strstr (error->message, "hunter2"));
      g_assert_nonnull (strstr (error->message, "user:***@"));
    }

  {
    g_autoptr(SyUpstreamConfig) upstream = upstream_new ("x", "socks5://user:hunter2@h:1");
    g_autofree char *shown = sy_upstream_config_to_url (upstream, FALSE);

    g_assert_cmpstr (shown, ==, "socks5://user@h:1");
  }
}

/* ---------------------------------------------------------------------- */
/* valid files                                                             */

static void
test_parse_service (void)
{
  g_autoptr(SyConfig) config = sy_config_new_default ();
  g_autoptr(GError) error = NULL;
  const char *text =
    "# comment\n"
    "  # indented comment\n"
    "\n"
    "[Service]\r\n"
    "Autostart = false\n"
    "  ConnectTimeout=100\n"
    "HandshakeTimeout=600000  \n"
    "IdleTimeout=0\n"
    "ConnectionLogSize=100000\n"
    "LogSize=0\n"
    "[Direct]   \n"
    "BindAddress=fe80::1\n"
    "Interface=enp0s31f6\n"
    "FwMark=0xCA6C";

  g_assert_true (sy_config_parse_service (config, "service.conf", text, -1, &error));
  g_assert_no_error (error);
  g_assert_false (config->service.autostart);
  g_assert_cmpuint (config->service.connect_timeout_ms, ==, 100);
  g_assert_cmpuint (config->service.handshake_timeout_ms, ==, 600000);
  g_assert_cmpuint (config->service.idle_timeout_s, ==, 0);
  g_assert_cmpuint (config->service.connection_log_size, ==, 100000);
  g_assert_cmpuint (config->service.log_size, ==, 0);
  g_assert_cmpstr (config->service.bind_address, ==, "fe80::1");
  g_assert_cmpstr (config->service.interface, ==, "enp0s31f6");
  g_assert_cmpuint (config->service.fwmark, ==, 0xca6c);

  /* an empty file or one with only some keys gives the defaults for the rest */
  g_assert_true (sy_config_parse_service (config, "service.conf", "", 0, &error));
  g_assert_no_error (error);
  g_assert_true (config->service.autostart);
  g_assert_null (config->service.interface);
  g_assert_true (sy_config_parse_service (config, "service.conf",
                                          "\xEF\xBB\xBF[Direct]\nFwMark=4294967295\n"
                                          "Interface=\n", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->service.fwmark, ==, G_MAXUINT32);
  g_assert_null (config->service.interface);
  g_assert_cmpuint (config->service.log_size, ==, 2000);
}

static void
test_parse_inbounds (void)
{
  g_autoptr(SyConfig) config = sy_config_new_default ();
  g_autoptr(GError) error = NULL;
  SyInboundConfig *inbound;
  const char *text =
    "[Inbound main]\n"
    "\n"
    "[Inbound lan]\n"
    "Listen=0.0.0.0\n"
    "Port=1081\n"
    "Username=alice\n"
    "Password=\\sp a\\\\ss\\s\n"
    "AllowInsecure=1\n"
    "Outbound=work\n"
    "[Inbound v6]\n"
    "Listen=::\n"
    "Port=1082\n"
    "Outbound=reject\n";

  g_assert_true (sy_config_parse_inbounds (config, "inbounds.conf", text, strlen (text), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->inbounds->len, ==, 3);

  inbound = g_ptr_array_index (config->inbounds, 0);
  g_assert_cmpstr (inbound->name, ==, "main");
  g_assert_cmpstr (inbound->listen_address, ==, "127.0.0.1");
  g_assert_cmpuint (inbound->port, ==, 1080);
  g_assert_cmpstr (inbound->outbound, ==, "direct");

  inbound = g_ptr_array_index (config->inbounds, 1);
  g_assert_cmpstr (inbound->name, ==, "lan");
  g_assert_cmpstr (inbound->listen_address, ==, "0.0.0.0");
  g_assert_cmpuint (inbound->port, ==, 1081);
  g_assert_cmpstr (inbound->username, ==, "alice");
  g_assert_cmpstr (inbound->password, ==, " p a\\ss ");
  g_assert_true (inbound->allow_insecure);
  g_assert_cmpstr (inbound->outbound, ==, "work");

  inbound = g_ptr_array_index (config->inbounds, 2);
  g_assert_cmpstr (inbound->name, ==, "v6");
  g_assert_cmpstr (inbound->listen_address, ==, "::");
  g_assert_cmpstr (inbound->outbound, ==, "reject");

  /* the cross reference to "work" is sy_config_validate()'s business */
  g_assert_false (sy_config_validate (config, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_cmpstr (error->message, ==,
                   "[Inbound lan] Outbound: there is no pool 'work' (no pools/work.conf); "
                   "write direct, reject or the name of an existing pool");
  g_clear_error (&error);

  /* an existing but empty file means no inbounds */
  g_assert_true (sy_config_parse_inbounds (config, "inbounds.conf", "# none\n", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->inbounds->len, ==, 0);
}

static void
test_parse_pool (void)
{
  g_autoptr(SyPoolConfig) pool = NULL;
  g_autoptr(GError) error = NULL;
  SyUpstreamConfig *upstream;
  SyStatusRange *range;
  guint index = 0;
  const char *text =
    "[Upstream zeta]\n"
    "URL=socks5://127.0.0.1:1080\n"
    "[Pool]\n"
    "Strategy=weighted-random\n"
    "Tolerance=0\n"
    "MaxAttempts=1\n"
    "[HealthCheck]\n"
    "Enabled=false\n"
    "URL=https://example.org/ok\n"
    "Interval=1\n"
    "Timeout=120000\n"
    "ExpectedStatus=200-299,301\n"
    "LatencySamples=100\n"
    "FailThreshold=1\n"
    "FailWindow=86400\n"
    "RecoverThreshold=100\n"
    "BackoffInitial=86400\n"
    "BackoffMax=86400\n"
    "[Upstream alpha]\n"
    "Type=http\n"
    "Host=[2001:db8::2]\n"
    "Port=3128\n"
    "Username=bob\n"
    "Password=p@ss:/#word\n"
    "Weight=7\n"
    "Enabled=false\n"
    "[Upstream mid]\n"
    "Host=mid.example\n"
    "Port=1\n";

  pool = sy_config_parse_pool ("pools/work.conf", text, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pool);
  g_assert_cmpstr (pool->name, ==, "work");
  g_assert_cmpint (pool->strategy, ==, SY_POOL_STRATEGY_WEIGHTED_RANDOM);
  g_assert_cmpuint (pool->tolerance_ms, ==, 0);
  g_assert_cmpuint (pool->max_attempts, ==, 1);
  g_assert_false (pool->health.enabled);
  g_assert_cmpstr (pool->health.url, ==, "https://example.org/ok");
  g_assert_cmpuint (pool->health.interval_s, ==, 1);
  g_assert_cmpuint (pool->health.timeout_ms, ==, 120000);
  g_assert_cmpuint (pool->health.expected_status->len, ==, 2);
  range = &g_array_index (pool->health.expected_status, SyStatusRange, 0);
  g_assert_cmpuint (range->low, ==, 200);
  g_assert_cmpuint (range->high, ==, 299);
  range = &g_array_index (pool->health.expected_status, SyStatusRange, 1);
  g_assert_cmpuint (range->low, ==, 301);
  g_assert_cmpuint (range->high, ==, 301);
  g_assert_cmpuint (pool->health.latency_samples, ==, 100);
  g_assert_cmpuint (pool->health.fail_threshold, ==, 1);
  g_assert_cmpuint (pool->health.fail_window_s, ==, 86400);
  g_assert_cmpuint (pool->health.recover_threshold, ==, 100);
  g_assert_cmpuint (pool->health.backoff_initial_s, ==, 86400);
  g_assert_cmpuint (pool->health.backoff_max_s, ==, 86400);

  /* file order is priority order */
  g_assert_cmpuint (pool->upstreams->len, ==, 3);
  upstream = g_ptr_array_index (pool->upstreams, 0);
  g_assert_cmpstr (upstream->name, ==, "zeta");
  g_assert_cmpint (upstream->kind, ==, SY_UPSTREAM_KIND_SOCKS5);
  g_assert_cmpstr (upstream->host, ==, "127.0.0.1");
  g_assert_cmpuint (upstream->port, ==, 1080);
  g_assert_cmpuint (upstream->weight, ==, 1);
  g_assert_true (upstream->enabled);

  upstream = g_ptr_array_index (pool->upstreams, 1);
  g_assert_cmpstr (upstream->name, ==, "alpha");
  g_assert_cmpint (upstream->kind, ==, SY_UPSTREAM_KIND_HTTP);
  g_assert_cmpstr (upstream->host, ==, "2001:db8::2");
  g_assert_cmpuint (upstream->port, ==, 3128);
  g_assert_cmpstr (upstream->username, ==, "bob");
  g_assert_cmpstr (upstream->password, ==, "p@ss:/#word");
  g_assert_cmpuint (upstream->weight, ==, 7);
  g_assert_false (upstream->enabled);

  upstream = g_ptr_array_index (pool->upstreams, 2);
  g_assert_cmpstr (upstream->name, ==, "mid");
  g_assert_cmpint (upstream->kind, ==, SY_UPSTREAM_KIND_SOCKS5);
  g_assert_cmpstr (upstream->host, ==, "mid.example");
  g_assert_cmpuint (upstream->port, ==, 1);

  g_assert_true (sy_pool_config_find_upstream (pool, "mid", &index) == upstream);
  g_assert_cmpuint (index, ==, 2);
  g_assert_null (sy_pool_config_find_upstream (pool, "nope", NULL));

  /* an empty pool file is a pool with defaults and no upstreams */
  g_clear_pointer (&pool, sy_pool_config_free);
  pool = sy_config_parse_pool ("empty.conf", "", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pool->name, ==, "empty");
  g_assert_cmpuint (pool->upstreams->len, ==, 0);
}

/* ---------------------------------------------------------------------- */
/* invalid files                                                           */

typedef enum { SERVICE, INBOUNDS, POOL } FileKind;

typedef struct
{
  FileKind    kind;
  const char *filename;
  const char *text;
  const char *prefix;    /* the message starts with this: "FILE:LINE: [GROUP] KEY: " */
  const char *contains;  /* and contains this */
} InvalidCase;

static const InvalidCase invalid_files[] = {
  /* service.conf */
  { SERVICE, "service.conf", "[Service]\nConnectTimeout=abc\n",
    "service.conf:2: [Service] ConnectTimeout: ",
    "'abc' is not a whole number; write a number from 100 to 600000" },
  { SERVICE, "service.conf", "[Service]\nConnectTimout=1000\n",
    "service.conf:2: [Service] ConnectTimout: ", "did you mean ConnectTimeout?" },
  { SERVICE, "service.conf", "[Service]\nautostart=true\n",
    "service.conf:2: [Service] autostart: ", "did you mean Autostart?" },
  { SERVICE, "service.conf", "[Service]\nColour=red\n",
    "service.conf:2: [Service] Colour: ",
    "the keys are Autostart, ConnectTimeout, HandshakeTimeout" },
  { SERVICE, "service.conf", "[Servce]\nAutostart=true\n",
    "service.conf:1: [Servce]: ", "did you mean [Service]?" },
  { SERVICE, "service.conf", "[Proxy]\n",
    "service.conf:1: [Proxy]: ", "this file takes [Service] and [Direct]" },
  { SERVICE, "service.conf", "[Service]\nAutostart=yes\n",
    "service.conf:2: [Service] Autostart: ", "'yes' is not a boolean; write true or false" },
  { SERVICE, "service.conf", "[Service]\nIdleTimeout=604801\n",
    "service.conf:2: [Service] IdleTimeout: ", "604801 is out of range; write a number from 0" },
  { SERVICE, "service.conf", "[Service]\nLogSize=99999999999999999999999\n",
    "service.conf:2: [Service] LogSize: ", "is out of range" },
  { SERVICE, "service.conf", "[Service]\nLogSize=-1\n",
    "service.conf:2: [Service] LogSize: ", "'-1' is not a whole number" },
  { SERVICE, "service.conf", "[Service]\nLogSize=\n",
    "service.conf:2: [Service] LogSize: ", "is empty; write a number from 0 to 100000" },
  { SERVICE, "service.conf", "# comment\n[Direct]\nBindAddress=localhost\n",
    "service.conf:3: [Direct] BindAddress: ", "'localhost' is not an IP address" },
  { SERVICE, "service.conf", "[Direct]\nInterface=a/b\n",
    "service.conf:2: [Direct] Interface: ", "'a/b' is not a network interface name" },
  { SERVICE, "service.conf", "[Direct]\nInterface=averyveryverylongname\n",
    "service.conf:2: [Direct] Interface: ", "at most 15 characters" },
  { SERVICE, "service.conf", "[Direct]\nFwMark=0x1g\n",
    "service.conf:2: [Direct] FwMark: ", "'0x1g' is not a whole number" },
  { SERVICE, "service.conf", "[Direct]\nFwMark=4294967296\n",
    "service.conf:2: [Direct] FwMark: ", "is out of range" },
  { SERVICE, "service.conf", "[Direct]\nBindAddress=1.2.3.4\\x\n",
    "service.conf:2: [Direct] BindAddress: ", "contains '\\x', which is not an escape" },
  { SERVICE, "service.conf", "[Direct]\nBindAddress=1.2.3.4\\\n",
    "service.conf:2: [Direct] BindAddress: ", "ends with a lone backslash" },
  { SERVICE, "service.conf", "\nAutostart=true\n",
    "service.conf:2: Autostart: ", "comes before the first [Group] header" },
  { SERVICE, "service.conf", "[Service]\nAutostart=true\n\n[Service]\n",
    "service.conf:4: [Service]: ", "appears a second time (first at line 1)" },
  { SERVICE, "service.conf", "[Service]\nLogSize=1\nLogSize = 2\n",
    "service.conf:3: [Service] LogSize: ", "is given a second time (first at line 2)" },
  { SERVICE, "service.conf", "[Service]\nthis is junk\n",
    "service.conf:2: ", "'this is junk' is neither a [Group] header, a Key=Value line" },
  { SERVICE, "service.conf", "[Service\n",
    "service.conf:1: ", "'[Service' is not a group header" },
  { SERVICE, "service.conf", "[Service] x\n",
    "service.conf:1: ", "'[Service] x' is not a group header" },
  { SERVICE, "service.conf", "[]\n",
    "service.conf:1: ", "'[]' is not a valid group header" },
  { SERVICE, "service.conf", "[Service]\n = 1\n",
    "service.conf:2: ", "has no key before '='" },
  { SERVICE, "service.conf", "[Service]\nLogSize=1\n\xff\xfe=1\n",
    "service.conf:3: ", "is not valid UTF-8" },
  { SERVICE, "service.conf", "[Service]\r\nAutostart=true\r\nLogSize=x\r\n",
    "service.conf:3: [Service] LogSize: ", "'x' is not a whole number" },

  /* inbounds.conf */
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nPort=0\n",
    "inbounds.conf:2: [Inbound main] Port: ", "0 is out of range; write a number from 1 to 65535" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nPort=65536\n",
    "inbounds.conf:2: [Inbound main] Port: ", "65536 is out of range" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nPort=10 80\n",
    "inbounds.conf:2: [Inbound main] Port: ", "'10 80' is not a whole number" },
  { INBOUNDS, "inbounds.conf", "[Inbound]\nPort=1\n",
    "inbounds.conf:1: [Inbound]: ", "has no name; write [Inbound NAME]" },
  { INBOUNDS, "inbounds.conf", "\n[Inbound bad name]\n",
    "inbounds.conf:2: [Inbound bad name]: ", "'bad name' is not a valid inbound name" },
  { INBOUNDS, "inbounds.conf", "[Inbond main]\n",
    "inbounds.conf:1: [Inbond main]: ", "did you mean [Inbound main]?" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nUsername=u\n",
    "inbounds.conf:2: [Inbound main] Username: ", "is set without a password" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nPort=1\nPassword=p\n",
    "inbounds.conf:3: [Inbound main] Password: ", "is set without a user name" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nUsername=a:b\nPassword=x\n",
    "inbounds.conf:2: [Inbound main] Username: ", "the user name contains ':'" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nUsername=a\\tb\nPassword=x\n",
    "inbounds.conf:2: [Inbound main] Username: ", "contains a control character" },
  { INBOUNDS, "inbounds.conf", "[Inbound a]\nPort=1080\n\n[Inbound b]\nPort=1080\n",
    "inbounds.conf:5: [Inbound b] Port: ", "1080 is already used by [Inbound a] on 127.0.0.1" },
  { INBOUNDS, "inbounds.conf",
    "[Inbound a]\nListen=0.0.0.0\nPort=1080\n[Inbound b]\nListen=127.0.0.2\nPort=1080\n",
    "inbounds.conf:6: [Inbound b] Port: ", "already used by [Inbound a] on 0.0.0.0" },
  { INBOUNDS, "inbounds.conf",
    "[Inbound a]\nListen=::1\nPort=1080\n[Inbound b]\nListen=::\nPort=1080\n",
    "inbounds.conf:6: [Inbound b] Port: ", "already used by [Inbound a] on ::1" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nOutbound=no such\n",
    "inbounds.conf:2: [Inbound main] Outbound: ",
    "'no such' is not direct, reject or a pool name" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nOutbound=\n",
    "inbounds.conf:2: [Inbound main] Outbound: ", "is empty; write a value or remove the line for "
    "the default 'direct'" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nListen=::1\nPrt=1\n",
    "inbounds.conf:3: [Inbound main] Prt: ", "did you mean Port?" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nListen=127.0.0.1:1080\n",
    "inbounds.conf:2: [Inbound main] Listen: ", "'127.0.0.1:1080' is not an IP address" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nAllowInsecure=maybe\n",
    "inbounds.conf:2: [Inbound main] AllowInsecure: ", "'maybe' is not a boolean" },
  { INBOUNDS, "inbounds.conf", "[Inbound main]\nPort=1\n[Inbound main]\nPort=2\n",
    "inbounds.conf:3: [Inbound main]: ", "appears a second time (first at line 1)" },

  /* pools/NAME.conf */
  { POOL, "pools/work.conf",
    "[Pool]\nStrategy=failover\n\n[HealthCheck]\nEnabled=true\n[Upstream a]\nURL=socks6://x\n",
    "pools/work.conf:7: [Upstream a] URL: 'socks6://x' is not a socks5:// or http:// URL", "" },
  { POOL, "pools/work.conf", "[Pool]\nStrategy=fastest\n",
    "pools/work.conf:2: [Pool] Strategy: ",
    "'fastest' is not a strategy; write round-robin, weighted-random, failover, "
    "least-connections or lowest-latency" },
  { POOL, "pools/work.conf", "[Pool]\nStrategy=failovr\n",
    "pools/work.conf:2: [Pool] Strategy: ", "did you mean failover?" },
  { POOL, "pools/work.conf", "[Pool]\nMaxAttempts=33\n",
    "pools/work.conf:2: [Pool] MaxAttempts: ", "33 is out of range; write a number from 1 to 32" },
  { POOL, "pools/work.conf", "[HealthCheck]\nExpectedStatus=200-abc\n",
    "pools/work.conf:2: [HealthCheck] ExpectedStatus: ", "'200-abc' is not a range" },
  { POOL, "pools/work.conf", "[HealthCheck]\nExpectedStatus=299-200\n",
    "pools/work.conf:2: [HealthCheck] ExpectedStatus: ", "299-200 is backwards; write 200-299" },
  { POOL, "pools/work.conf", "[HealthCheck]\nInterval=5\nBackoffInitial=400\n",
    "pools/work.conf:3: [HealthCheck] BackoffInitial: ",
    "the back-off cap (300 s) is below BackoffInitial (400 s)" },
  { POOL, "pools/work.conf", "[HealthCheck]\nBackoffMax=5\nBackoffInitial=10\n",
    "pools/work.conf:2: [HealthCheck] BackoffMax: ", "write a BackoffMax of at least 10" },
  { POOL, "pools/work.conf", "[HealthCheck]\nURL=ftp://example.com/\n",
    "pools/work.conf:2: [HealthCheck] URL: ",
    "'ftp://example.com/' is not an http:// or https://" },
  { POOL, "pools/work.conf", "[HealthCheck]\nIntervall=5\n",
    "pools/work.conf:2: [HealthCheck] Intervall: ", "did you mean Interval?" },
  { POOL, "pools/work.conf", "[Upstream a]\nURL=socks5://h:1080\nHost=h\n",
    "pools/work.conf:3: [Upstream a] Host: ", "cannot be combined with URL=" },
  { POOL, "pools/work.conf", "[Upstream a]\nURL=socks5://h:1080\nWeight=0\n",
    "pools/work.conf:3: [Upstream a] Weight: ",
    "0 is out of range; write a number from 1 to 10000" },
  { POOL, "pools/work.conf", "[Upstream a]\nURL=socks5://h:1080\nUrl=x\n",
    "pools/work.conf:3: [Upstream a] Url: ", "did you mean URL?" },
  { POOL, "pools/work.conf", "[Upstream a]\nWeight=2\n",
    "pools/work.conf:1: [Upstream a]: ", "has no URL; write URL=socks5://HOST:PORT" },
  { POOL, "pools/work.conf", "[Upstream a]\n\nHost=h\n",
    "pools/work.conf:1: [Upstream a]: ", "has Host= but no Port=" },
  { POOL, "pools/work.conf", "[Upstream a]\nPort=1\n",
    "pools/work.conf:1: [Upstream a]: ", "has Port= but no Host=" },
  { POOL, "pools/work.conf", "[Upstream a]\nType=socks4\nHost=h\nPort=1\n",
    "pools/work.conf:2: [Upstream a] Type: ", "'socks4' is not an upstream type" },
  { POOL, "pools/work.conf", "[Upstream a]\nHost=h\nPort=0\n",
    "pools/work.conf:3: [Upstream a] Port: ", "'0' is not a port" },
  { POOL, "pools/work.conf", "[Upstream a]\nHost=not a host\nPort=1\n",
    "pools/work.conf:2: [Upstream a] Host: ", "'not a host' is not a valid host name" },
  { POOL, "pools/work.conf", "[Upstream a]\nHost=h\nPort=1\nPassword=p\n",
    "pools/work.conf:4: [Upstream a] Password: ", "is set without a user name" },
  { POOL, "pools/work.conf", "[Upstream a]\nType=http\nHost=h\nPort=1\nUsername=a:b\n",
    "pools/work.conf:5: [Upstream a] Username: ", "contains ':'" },
  { POOL, "pools/work.conf", "[Upstreams a]\n",
    "pools/work.conf:1: [Upstreams a]: ", "did you mean [Upstream a]?" },
  { POOL, "pools/work.conf", "[Healthcheck]\n",
    "pools/work.conf:1: [Healthcheck]: ", "did you mean [HealthCheck]?" },
  { POOL, "pools/work.conf", "[Pool work]\n",
    "pools/work.conf:1: [Pool work]: ", "takes no name: the pool is named after its file (work)" },
  { POOL, "pools/work.conf", "[Upstream]\n",
    "pools/work.conf:1: [Upstream]: ", "has no name; write [Upstream NAME]" },
  { POOL, "pools/work.conf", "[Upstream a]\nURL=socks5://h:1\n[Upstream .b]\nURL=socks5://h:1\n",
    "pools/work.conf:3: [Upstream .b]: ", "'.b' is not a valid upstream name" },
  { POOL, "pools/work.conf", "[Upstream a]\nURL=socks5://h:1\n[Upstream a]\nURL=socks5://h:2\n",
    "pools/work.conf:3: [Upstream a]: ", "appears a second time (first at line 1)" },
  { POOL, "pools/bad name.conf", "",
    "pools/bad name.conf: ", "'bad name' is not a valid pool name; rename the file" },
  { POOL, "pools/direct.conf", "[Pool]\n",
    "pools/direct.conf: ", "a pool cannot be called 'direct'" },
  { POOL, "pools/work.conf", "[Upstream a]\nURL=socks5://h\n",
    "pools/work.conf:2: [Upstream a] URL: ", "'socks5://h' has no port" },
  { POOL, "pools/work.conf", "[Upstream a]\nURL=\n",
    "pools/work.conf:2: [Upstream a] URL: ", "is empty; write a URL such as socks5://" },
  { POOL, "pools/work.conf", "# passwords stay secret\n[Upstream a]\nURL=socks5://u:hunter2@h\n",
    "pools/work.conf:3: [Upstream a] URL: ", "'socks5://u:***@h' has no port" },
};

static void
test_invalid_files (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid_files); i++)
    {
      const InvalidCase *c = &invalid_files[i];
      g_autoptr(SyConfig) config = sy_config_new_default ();
      g_autoptr(SyConfig) before = sy_config_copy (config);
      g_autoptr(GError) error = NULL;
      gboolean ok = FALSE;

      g_test_message ("%s: %s", c->filename, c->text);

      switch (c->kind)
        {
        case SERVICE:
          ok = sy_config_parse_service (config, c->filename, c->text, -1, &error);
          break;
        case INBOUNDS:
          ok = sy_config_parse_inbounds (config, c->filename, c->text, strlen (c->text), &error);
          break;
        case POOL:
          {
            SyPoolConfig *pool = sy_config_parse_pool (c->filename, c->text, -1, &error);

            ok = pool != NULL;
            g_clear_pointer (&pool, sy_pool_config_free);
          }
          break;
        default:
          g_assert_not_reached ();
        }

      g_assert_false (ok);
      g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
      g_test_message ("  → %s", error->message);
      if (!g_str_has_prefix (error->message, c->prefix))
        g_error ("'%s' does not start with '%s'", error->message, c->prefix);
      if (strstr (error->message + strlen (c->prefix), c->contains) == NULL)
        g_error ("'%s' does not contain '%s'", error->message, c->contains);
      g_assert_null (strstr (error->message, "hunter2"));

      /* a failed parse leaves the configuration as it was */
      g_assert_true (sy_config_equal (config, before));
    }
}

static void
test_invalid_nul_and_size (void)
{
  g_autoptr(SyConfig) config = sy_config_new_default ();
  g_autoptr(GError) error = NULL;
  static const char with_nul[] = "[Service]\nLogSize=1\0\n";
  g_autofree char *huge = NULL;

  g_assert_false (sy_config_parse_service (config, "service.conf", with_nul,
                                           sizeof with_nul - 1, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_cmpstr (error->message, ==,
                   "service.conf:2: contains a NUL byte; save the file as plain UTF-8 text");
  g_clear_error (&error);

  huge = g_strnfill (2 * 1024 * 1024, '#');
  g_assert_false (sy_config_parse_service (config, "service.conf", huge, -1, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "service.conf: is larger than"));
}

/* ---------------------------------------------------------------------- */
/* validation of in-memory configurations                                  */

static void
test_validate (void)
{
  g_autoptr(GError) error = NULL;

  /* port 0 (ephemeral) is fine in memory, but cannot be saved */
  {
    g_autoptr(SyConfig) config = sy_config_new_default ();
    g_autofree char *dir = make_temp_dir ();
    g_autofree char *entries = NULL;

    ((SyInboundConfig *) g_ptr_array_index (config->inbounds, 0))->port = 0;
    g_assert_true (sy_config_validate (config, &error));
    g_assert_no_error (error);
    g_assert_false (sy_config_save_dir (config, dir, &error));
    g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
    g_assert_cmpstr (error->message, ==, "[Inbound main] Port: 0 is out of range; "
                     "write a number from 1 to 65535");
    g_clear_error (&error);
    entries = list_dir (dir);
    g_assert_cmpstr (entries, ==, "");
    remove_tree (dir);
  }

  /* two ephemeral ports do not collide */
  {
    g_autoptr(SyConfig) config = sy_config_new_default ();
    SyInboundConfig *second = sy_inbound_config_new ();

    ((SyInboundConfig *) g_ptr_array_index (config->inbounds, 0))->port = 0;
    second->name = g_strdup ("second");
    second->port = 0;
    g_ptr_array_add (config->inbounds, second);
    g_assert_true (sy_config_validate (config, &error));
    g_assert_no_error (error);
  }

  {
    g_autoptr(SyConfig) config = sy_config_new_default ();
    SyInboundConfig *copy = sy_inbound_config_copy (g_ptr_array_index (config->inbounds, 0));

    copy->port = 2000;
    g_ptr_array_add (config->inbounds, copy);
    g_assert_false (sy_config_validate (config, &error));
    g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
    g_assert_cmpstr (error->message, ==,
                     "[Inbound main]: the name is used by two inbounds; rename one");
    g_clear_error (&error);
  }

  {
    g_autoptr(SyConfig) config = sy_config_new_default ();

    g_ptr_array_add (config->pools, sy_pool_config_new ("reject"));
    g_assert_false (sy_config_validate (config, &error));
    g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
    g_assert_true (g_str_has_prefix (error->message,
                                     "pool reject: a pool cannot be called 'reject'"));
    g_clear_error (&error);
  }

  {
    g_autoptr(SyConfig) config = sy_config_new_default ();

    g_ptr_array_add (config->pools, sy_pool_config_new ("p"));
    g_ptr_array_add (config->pools, sy_pool_config_new ("p"));
    g_assert_false (sy_config_validate (config, &error));
    g_assert_cmpstr (error->message, ==, "pool p: two pools have this name; rename one");
    g_clear_error (&error);
  }

  {
    g_autoptr(SyConfig) config = sy_config_new_default ();
    SyInboundConfig *main_inbound = g_ptr_array_index (config->inbounds, 0);

    g_ptr_array_add (config->pools, sy_pool_config_new ("work"));
    g_free (main_inbound->outbound);
    main_inbound->outbound = g_strdup ("wrok");
    g_assert_false (sy_config_validate (config, &error));
    g_assert_cmpstr (error->message, ==, "[Inbound main] Outbound: there is no pool 'wrok' "
                     "(no pools/wrok.conf); did you mean work?");
    g_clear_error (&error);
  }

  {
    g_autoptr(SyPoolConfig) pool = sy_pool_config_new ("p");
    SyUpstreamConfig *upstream = upstream_new ("u", "socks5://h:1");

    g_ptr_array_add (pool->upstreams, upstream);
    g_ptr_array_add (pool->upstreams, upstream_new ("u", "socks5://h:2"));
    g_assert_false (sy_pool_config_validate (pool, &error));
    g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==,
                     "pool p: [Upstream u]: the name is used by two upstreams; rename one");
    g_clear_error (&error);

    g_ptr_array_remove_index (pool->upstreams, 1);
    upstream->weight = 0;
    g_assert_false (sy_pool_config_validate (pool, &error));
    g_assert_cmpstr (error->message, ==, "pool p: [Upstream u] Weight: 0 is out of range; "
                     "write a number from 1 to 10000");
    g_clear_error (&error);
    upstream->weight = 1;

    pool->health.backoff_max_s = 1;
    g_assert_false (sy_pool_config_validate (pool, &error));
    g_assert_true (g_str_has_prefix (error->message, "pool p: [HealthCheck] BackoffMax: "));
    g_clear_error (&error);
    pool->health.backoff_max_s = 300;

    g_clear_pointer (&pool->health.url, g_free);
    g_assert_false (sy_pool_config_validate (pool, &error));
    g_assert_cmpstr (error->message, ==, "pool p: [HealthCheck] URL: is empty; write a value "
                     "such as 'http://www.gstatic.com/generate_204'");
    g_clear_error (&error);
    pool->health.url = g_strdup ("http://localhost:8080/x");

    /* NULL expected statuses mean the default */
    g_clear_pointer (&pool->health.expected_status, g_array_unref);
    g_assert_true (sy_pool_config_validate (pool, &error));
    g_assert_no_error (error);
  }

  {
    g_autoptr(SyUpstreamConfig) upstream = sy_upstream_config_new ();

    g_assert_false (sy_upstream_config_validate (upstream, &error));
    g_assert_cmpstr (error->message, ==, "[Upstream]: '' is not a valid upstream name; use "
                     "1–64 letters, digits, '.', '_' or '-', not starting with '.'");
    g_clear_error (&error);

    upstream->name = g_strdup ("u");
    g_assert_false (sy_upstream_config_validate (upstream, &error));
    g_assert_cmpstr (error->message, ==, "[Upstream u] Host: the host is empty; write a host "
                     "name or an IP address");
    g_clear_error (&error);

    upstream->host = g_strdup ("h");
    g_assert_false (sy_upstream_config_validate (upstream, &error));
    g_assert_true (g_str_has_prefix (error->message, "[Upstream u] Port: 0 is not a port"));
    g_clear_error (&error);

    upstream->port = 1;
    upstream->password = g_strdup ("secret");
    g_assert_false (sy_upstream_config_validate (upstream, &error));
    g_assert_true (g_str_has_prefix (error->message, "[Upstream u] Password: is set without"));
    g_assert_null (strstr (error->message, "secret"));
    g_clear_error (&error);

    /* "" is the same as NULL */
    upstream->username = g_strdup ("");
    g_clear_pointer (&upstream->password, g_free);
    upstream->password = g_strdup ("");
    g_assert_true (sy_upstream_config_validate (upstream, &error));
    g_assert_no_error (error);

    g_free (upstream->username);
    upstream->username = g_strnfill (256, 'u');
    g_assert_false (sy_upstream_config_validate (upstream, &error));
    g_assert_cmpstr (error->message, ==, "[Upstream u] Username: the user name is 256 bytes "
                     "long; SOCKS5 allows at most 255 (RFC 1929)");
    g_clear_error (&error);
  }

  {
    g_autoptr(SyInboundConfig) inbound = sy_inbound_config_new ();

    inbound->name = g_strdup ("i");
    g_assert_true (sy_inbound_config_validate (inbound, &error));
    g_assert_no_error (error);
    g_clear_pointer (&inbound->listen_address, g_free);
    g_assert_false (sy_inbound_config_validate (inbound, &error));
    g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==,
                     "[Inbound i] Listen: is empty; write a value such as '127.0.0.1'");
    g_clear_error (&error);
  }
}

/* ---------------------------------------------------------------------- */
/* round trips                                                             */

static void
test_copy_equal (void)
{
  g_autoptr(SyConfig) config = rich_config ();
  g_autoptr(SyConfig) copy = sy_config_copy (config);
  SyPoolConfig *pool;
  SyUpstreamConfig *upstream;

  g_assert_true (sy_config_equal (config, copy));
  g_assert_true (sy_config_equal (copy, config));

  pool = sy_config_find_pool (copy, "work", NULL);
  upstream = sy_pool_config_find_upstream (pool, "a", NULL);
  g_assert_nonnull (upstream);
  upstream->weight++;
  g_assert_false (sy_config_equal (config, copy));
  upstream->weight--;
  g_assert_true (sy_config_equal (config, copy));

  g_array_index (pool->health.expected_status, SyStatusRange, 0).high++;
  g_assert_false (sy_config_equal (config, copy));
  g_array_index (pool->health.expected_status, SyStatusRange, 0).high--;

  g_ptr_array_add (pool->upstreams, sy_upstream_config_copy (upstream));
  g_assert_false (sy_config_equal (config, copy));
  g_ptr_array_remove_index (pool->upstreams, pool->upstreams->len - 1);

  g_free (copy->service.interface);
  copy->service.interface = g_strdup ("wg1");
  g_assert_false (sy_config_equal (config, copy));
  g_free (copy->service.interface);
  copy->service.interface = g_strdup ("wg0");
  g_assert_true (sy_config_equal (config, copy));

  g_assert_nonnull (sy_config_find_inbound (copy, "dead", NULL));
  g_assert_null (sy_config_find_inbound (copy, "alive", NULL));
}

static void
test_serialize_roundtrip (void)
{
  g_autoptr(SyConfig) config = rich_config ();
  g_autoptr(SyConfig) parsed = sy_config_new_default ();
  g_autoptr(GError) error = NULL;
  g_autofree char *service = sy_config_serialize_service (config);
  g_autofree char *inbounds = sy_config_serialize_inbounds (config);

  g_assert_true (sy_config_validate (config, &error));
  g_assert_no_error (error);

  g_assert_true (g_str_has_prefix (service, "# Written by Switchyard. You may edit this file; "
                                   "run `switchyardctl reload` afterwards.\n"));
  g_assert_true (g_str_has_prefix (inbounds, SY_CONFIG_FILE_HEADER "\n"));

  g_assert_true (sy_config_parse_service (parsed, "service.conf", service, -1, &error));
  g_assert_no_error (error);
  g_assert_true (sy_config_parse_inbounds (parsed, "inbounds.conf", inbounds, -1, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < config->pools->len; i++)
    {
      SyPoolConfig *pool = g_ptr_array_index (config->pools, i);
      g_autofree char *text = sy_config_serialize_pool (pool);
      g_autofree char *filename = g_strdup_printf ("pools/%s.conf", pool->name);
      g_autofree char *again = NULL;
      SyPoolConfig *back;

      g_assert_true (g_str_has_prefix (text, SY_CONFIG_FILE_HEADER "\n"));
      back = sy_config_parse_pool (filename, text, -1, &error);
      g_assert_no_error (error);
      g_assert_true (sy_pool_config_equal (pool, back));
      again = sy_config_serialize_pool (back);
      g_assert_cmpstr (text, ==, again);
      g_ptr_array_add (parsed->pools, back);
    }

  g_assert_true (sy_config_equal (config, parsed));

  /* GKeyFile, the reference reader of this syntax, reads the same values */
  {
    g_autoptr(GKeyFile) key_file = g_key_file_new ();
    g_autofree char *password = NULL;
    g_autofree char *username = NULL;
    SyInboundConfig *lan = sy_config_find_inbound (config, "lan-1.x_y", NULL);

    g_assert_true (g_key_file_load_from_data (key_file, inbounds, -1, G_KEY_FILE_NONE, &error));
    g_assert_no_error (error);
    password = g_key_file_get_string (key_file, "Inbound lan-1.x_y", "Password", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (password, ==, lan->password);
    username = g_key_file_get_string (key_file, "Inbound lan-1.x_y", "Username", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (username, ==, lan->username);
  }
}

static void
test_dir_roundtrip (void)
{
  g_autoptr(SyConfig) config = rich_config ();
  g_autoptr(SyConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *dir = g_build_filename (tmp, "switchyard", NULL);
  g_autofree char *pools = g_build_filename (dir, "pools", NULL);
  g_autofree char *entries = NULL;
  g_autofree char *pool_entries = NULL;
  GStatBuf st;

  /* the directory is created, private */
  g_assert_true (sy_config_save_dir (config, dir, &error));
  g_assert_no_error (error);
  g_assert_no_errno (g_stat (dir, &st));
  g_assert_cmpuint (st.st_mode & 07777, ==, 0700);
  g_assert_no_errno (g_stat (pools, &st));
  g_assert_cmpuint (st.st_mode & 07777, ==, 0700);

  /* exactly the files, no temporary files left behind */
  entries = list_dir (dir);
  g_assert_cmpstr (entries, ==, "inbounds.conf pools service.conf");
  pool_entries = list_dir (pools);
  g_assert_cmpstr (pool_entries, ==, "spare.conf work.conf");

  /* files with passwords (and all others) are 0600 */
  g_assert_cmpuint (file_mode (dir, "inbounds.conf"), ==, 0600);
  g_assert_cmpuint (file_mode (dir, "pools/work.conf"), ==, 0600);
  g_assert_cmpuint (file_mode (dir, "pools/spare.conf"), ==, 0600);
  g_assert_cmpuint (file_mode (dir, "service.conf"), ==, 0600);

  loaded = sy_config_load_dir (dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_true (sy_config_equal (config, loaded));

  /* saving again over existing files: still no leftovers, still equal */
  g_assert_true (sy_config_save_dir (loaded, dir, &error));
  g_assert_no_error (error);
  g_clear_pointer (&entries, g_free);
  entries = list_dir (dir);
  g_assert_cmpstr (entries, ==, "inbounds.conf pools service.conf");
  g_clear_pointer (&pool_entries, g_free);
  pool_entries = list_dir (pools);
  g_assert_cmpstr (pool_entries, ==, "spare.conf work.conf");
  g_clear_pointer (&loaded, sy_config_free);
  loaded = sy_config_load_dir (dir, &error);
  g_assert_no_error (error);
  g_assert_true (sy_config_equal (config, loaded));

  remove_tree (tmp);
}

static void
test_dir_existing_mode (void)
{
  g_autoptr(SyConfig) config = rich_config ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "inbounds.conf", NULL);

  /* a file a person created world-readable becomes private when rewritten */
  write_text (dir, "inbounds.conf", "[Inbound main]\n");
  g_assert_no_errno (g_chmod (path, 0644));
  g_assert_true (sy_config_save_dir (config, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (file_mode (dir, "inbounds.conf"), ==, 0600);

  remove_tree (dir);
}

static void
test_dir_missing (void)
{
  g_autoptr(SyConfig) defaults = sy_config_new_default ();
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *missing = g_build_filename (tmp, "does-not-exist", NULL);

  config = sy_config_load_dir (missing, &error);
  g_assert_no_error (error);
  g_assert_true (sy_config_equal (config, defaults));
  g_clear_pointer (&config, sy_config_free);

  /* empty directory, then only a service.conf */
  config = sy_config_load_dir (tmp, &error);
  g_assert_no_error (error);
  g_assert_true (sy_config_equal (config, defaults));
  g_clear_pointer (&config, sy_config_free);

  write_text (tmp, "service.conf", "[Service]\nLogSize=5\n");
  config = sy_config_load_dir (tmp, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->service.log_size, ==, 5);
  g_assert_cmpuint (config->inbounds->len, ==, 1);
  g_clear_pointer (&config, sy_config_free);

  /* ignored in pools/: hidden files, other extensions, editor backups */
  write_text (tmp, "pools/.work.conf", "garbage\n");
  write_text (tmp, "pools/work.conf~", "garbage\n");
  write_text (tmp, "pools/work.conf.swp", "garbage\n");
  write_text (tmp, "pools/README", "garbage\n");
  config = sy_config_load_dir (tmp, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->pools->len, ==, 0);

  remove_tree (tmp);
}

static void
test_dir_pool_removal (void)
{
  g_autoptr(SyConfig) config = rich_config ();
  g_autoptr(SyConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *pools = g_build_filename (dir, "pools", NULL);
  g_autofree char *entries = NULL;
  guint index;

  g_assert_true (sy_config_save_dir (config, dir, &error));
  g_assert_no_error (error);
  write_text (dir, "pools/notes.txt", "mine\n");
  write_text (dir, "pools/.hidden.conf", "mine\n");

  g_assert_nonnull (sy_config_find_pool (config, "spare", &index));
  g_ptr_array_remove_index (config->pools, index);
  g_assert_true (sy_config_save_dir (config, dir, &error));
  g_assert_no_error (error);

  /* the removed pool's file is gone, files we do not read are left alone */
  entries = list_dir (pools);
  g_assert_cmpstr (entries, ==, ".hidden.conf notes.txt work.conf");

  loaded = sy_config_load_dir (dir, &error);
  g_assert_no_error (error);
  g_assert_true (sy_config_equal (config, loaded));

  remove_tree (dir);
}

static void
test_dir_invalid_pool (void)
{
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  config = sy_config_load_dir (CONFIG_TEST_DATA "/invalid-pool", &error);
  g_assert_null (config);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_cmpstr (error->message, ==,
                   "pools/broken.conf:6: [Upstream one] Weight: 'heavy' is not a whole number; "
                   "write a number from 1 to 10000");
}

static void
test_dir_cross_reference (void)
{
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_temp_dir ();

  write_text (dir, "pools/work.conf", "[Upstream a]\nURL=socks5://127.0.0.1:1080\n");
  write_text (dir, "inbounds.conf",
              "[Inbound main]\n"
              "Outbound=work\n"
              "\n"
              "[Inbound other]\n"
              "Port=1081\n"
              "Outbound=wrk\n");

  config = sy_config_load_dir (dir, &error);
  g_assert_null (config);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_cmpstr (error->message, ==,
                   "inbounds.conf:6: [Inbound other] Outbound: there is no pool 'wrk' "
                   "(no pools/wrk.conf); did you mean work?");
  g_clear_error (&error);

  /* fixing the pool's name makes the directory load */
  write_text (dir, "pools/wrk.conf", "");
  config = sy_config_load_dir (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->pools->len, ==, 2);
  g_assert_cmpstr (((SyPoolConfig *) g_ptr_array_index (config->pools, 0))->name, ==, "work");
  g_assert_cmpstr (((SyPoolConfig *) g_ptr_array_index (config->pools, 1))->name, ==, "wrk");

  remove_tree (dir);
}

static void
test_dir_unreadable (void)
{
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *sub = g_build_filename (dir, "inbounds.conf", NULL);

  /* a directory where a file should be */
  g_assert_no_errno (g_mkdir (sub, 0700));
  config = sy_config_load_dir (dir, &error);
  g_assert_null (config);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "inbounds.conf: cannot be read: "));

  remove_tree (dir);
}

static void
test_example (void)
{
  g_autoptr(SyConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  SyPoolConfig *work;
  SyPoolConfig *backup;
  SyInboundConfig *lan;
  SyUpstreamConfig *upstream;

  /* the example of docs/config.md */
  config = sy_config_load_dir (CONFIG_TEST_DATA "/example", &error);
  g_assert_no_error (error);

  g_assert_cmpuint (config->service.connect_timeout_ms, ==, 8000);
  g_assert_cmpstr (config->service.interface, ==, "wg0");
  g_assert_null (config->service.bind_address);
  g_assert_cmpuint (config->service.fwmark, ==, 0xca6c);

  g_assert_cmpuint (config->inbounds->len, ==, 3);
  lan = sy_config_find_inbound (config, "lan", NULL);
  g_assert_cmpstr (lan->password, ==, "correct horse battery staple");
  g_assert_cmpstr (lan->outbound, ==, "work");

  g_assert_cmpuint (config->pools->len, ==, 2);
  backup = g_ptr_array_index (config->pools, 0);
  work = g_ptr_array_index (config->pools, 1);
  g_assert_cmpstr (backup->name, ==, "backup");
  g_assert_cmpint (backup->strategy, ==, SY_POOL_STRATEGY_LOWEST_LATENCY);
  g_assert_cmpuint (backup->tolerance_ms, ==, 80);
  g_assert_cmpstr (work->name, ==, "work");
  g_assert_cmpint (work->strategy, ==, SY_POOL_STRATEGY_FAILOVER);
  g_assert_cmpuint (work->upstreams->len, ==, 3);

  upstream = g_ptr_array_index (work->upstreams, 0);
  g_assert_cmpstr (upstream->name, ==, "tokyo");
  g_assert_cmpstr (upstream->password, ==, "s3cr@t");
  upstream = g_ptr_array_index (work->upstreams, 1);
  g_assert_cmpstr (upstream->name, ==, "osaka");
  g_assert_cmpstr (upstream->host, ==, "2001:db8::10");
  g_assert_cmpstr (upstream->password, ==, "s3cr@t:/#");
  upstream = g_ptr_array_index (work->upstreams, 2);
  g_assert_cmpstr (upstream->name, ==, "office");
  g_assert_cmpint (upstream->kind, ==, SY_UPSTREAM_KIND_HTTP);
  g_assert_cmpuint (upstream->weight, ==, 2);
  g_assert_false (upstream->enabled);
  g_assert_true (sy_health_check_status_ok (&work->health, 301));
  g_assert_false (sy_health_check_status_ok (&work->health, 302));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/config/defaults", test_defaults);
  g_test_add_func ("/core/config/names", test_names);
  g_test_add_func ("/core/config/strings", test_strings);
  g_test_add_func ("/core/config/status-ranges", test_status_ranges);
  g_test_add_func ("/core/config/url/valid", test_url_valid);
  g_test_add_func ("/core/config/url/invalid", test_url_invalid);
  g_test_add_func ("/core/config/url/password-not-shown", test_url_password_not_shown);
  g_test_add_func ("/core/config/parse/service", test_parse_service);
  g_test_add_func ("/core/config/parse/inbounds", test_parse_inbounds);
  g_test_add_func ("/core/config/parse/pool", test_parse_pool);
  g_test_add_func ("/core/config/parse/invalid", test_invalid_files);
  g_test_add_func ("/core/config/parse/nul-and-size", test_invalid_nul_and_size);
  g_test_add_func ("/core/config/validate", test_validate);
  g_test_add_func ("/core/config/copy-equal", test_copy_equal);
  g_test_add_func ("/core/config/roundtrip/serialize", test_serialize_roundtrip);
  g_test_add_func ("/core/config/dir/roundtrip", test_dir_roundtrip);
  g_test_add_func ("/core/config/dir/existing-mode", test_dir_existing_mode);
  g_test_add_func ("/core/config/dir/missing", test_dir_missing);
  g_test_add_func ("/core/config/dir/pool-removal", test_dir_pool_removal);
  g_test_add_func ("/core/config/dir/invalid-pool", test_dir_invalid_pool);
  g_test_add_func ("/core/config/dir/cross-reference", test_dir_cross_reference);
  g_test_add_func ("/core/config/dir/unreadable", test_dir_unreadable);
  g_test_add_func ("/core/config/dir/example", test_example);

  return g_test_run ();
}
