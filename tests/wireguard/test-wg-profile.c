/* test-wg-profile.c — WireGuard keys, prefixes, profiles and the wg-quick format
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "util/sy-error.h"
#include "util/sy-secret.h"
#include "wireguard/sy-wg-profile.h"

/* Made with wg genkey / wg pubkey / wg genpsk for these tests only. */
#define PRIV1 "wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDHng="
#define PRIV2 "wNeFgtgq2sBLgm5siQgDJ8Ix5jt3MTeI1iZJRdGTbnc="
#define PUB1  "AEwHOKu+QvQXONNdvfs3UehbrafIV27Q95QRlo4ry1k="
#define PUB2  "KdEzKD+TILrtNqias1Q3enPd5nsTSRiStDgoPmzJkFs="
#define PUB4  "1tent7mVQ9cZPZm1rYJ/bePsXlwoaDbW8v33N1Wkhw8="
#define PUB5  "dBuXvS5mCjJRbmMgMWgHp6dOxeAekpmH7NbP4ka7CVk="
#define PUB6  "y9Ns/pwsm+Yk2wXndT80UmXF9eF28z8y7wcxdWPjt28="
#define PSK1  "UmlbGO1UGjeneV+QojV4D/4acGCJK1RrQBaFmoz5CvQ="

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

static char *
data_path (const char *name)
{
  return g_build_filename (WG_TEST_DATA, name, NULL);
}

static SyWgProfile *
parse_ok (const char *text,
          const char *filename)
{
  g_autoptr(GError) error = NULL;
  SyWgProfile *profile = sy_wg_profile_parse_wg_quick (text, filename, &error);

  g_assert_no_error (error);
  g_assert_nonnull (profile);
  return profile;
}

static SyWgProfile *
load_ok (const char *name)
{
  g_autofree char *path = data_path (name);
  g_autoptr(GError) error = NULL;
  SyWgProfile *profile = sy_wg_profile_load_wg_quick (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (profile);
  return profile;
}

static char *
key_text (const guint8 key[SY_WG_KEY_LEN])
{
  return sy_wg_key_to_base64 (key);
}

static char *
prefix_text (GArray *prefixes,
             guint   index)
{
  g_assert_cmpuint (index, <, prefixes->len);
  return sy_wg_prefix_to_string (&g_array_index (prefixes, SyWgPrefix, index));
}

static char *
dns_text (SyWgProfile *profile,
          guint        index)
{
  g_assert_cmpuint (index, <, profile->dns->len);
  return g_inet_address_to_string (g_ptr_array_index (profile->dns, index));
}

static SyWgPeer *
peer_at (SyWgProfile *profile,
         guint        index)
{
  g_assert_cmpuint (index, <, profile->peers->len);
  return g_ptr_array_index (profile->peers, index);
}

#define assert_key(key, expected) G_STMT_START { \
    g_autofree char *text__ = key_text (key); \
    g_assert_cmpstr (text__, ==, expected); \
  } G_STMT_END

#define assert_prefix(array, index, expected) G_STMT_START { \
    g_autofree char *text__ = prefix_text (array, index); \
    g_assert_cmpstr (text__, ==, expected); \
  } G_STMT_END

#define assert_dns(profile, index, expected) G_STMT_START { \
    g_autofree char *text__ = dns_text (profile, index); \
    g_assert_cmpstr (text__, ==, expected); \
  } G_STMT_END

/* Parses, writes, parses again: the same profile, and the same text. */
static void
assert_round_trip (SyWgProfile *profile,
                   const char  *filename)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyWgProfile) again = NULL;
  g_autoptr(SyWgProfile) third = NULL;
  g_autoptr(SySecret) text = sy_wg_profile_to_wg_quick (profile);
  g_autoptr(SySecret) text2 = NULL;

  again = sy_wg_profile_parse_wg_quick (text, filename, &error);
  g_assert_no_error (error);
  g_assert_true (sy_wg_profile_equal (profile, again));
  g_assert_cmpuint (g_strv_length ((char **) sy_wg_profile_get_warnings (again)), ==, 0);

  text2 = sy_wg_profile_to_wg_quick (again);
  g_assert_cmpstr (text, ==, text2);

  third = sy_wg_profile_copy (again);
  g_assert_true (sy_wg_profile_equal (profile, third));
  g_assert_true (sy_wg_profile_validate (third, &error));
  g_assert_no_error (error);
}

/* ---------------------------------------------------------------------- */
/* keys                                                                    */

static void
test_key_round_trip (void)
{
  static const char * const keys[] = { PRIV1, PRIV2, PUB1, PUB2, PSK1,
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "//////////////////////////////////////////8=" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GError) error = NULL;
      guint8 key[SY_WG_KEY_LEN];
      g_autofree char *text = NULL;

      g_assert_true (sy_wg_key_from_base64 (keys[i], key, &error));
      g_assert_no_error (error);
      text = sy_wg_key_to_base64 (key);
      g_assert_cmpstr (text, ==, keys[i]);
    }
}

static void
test_key_invalid (void)
{
  static const char * const invalid[] = {
    "",
    "wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDHng",      /* no '=' */
    "wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDHn==",     /* 31 bytes */
    "wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDHngA=",    /* 45 characters */
    "wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDHnh=",     /* unused bits set */
    "wDq2rpofsQBID7tFVyTBA4bp-CXdxr9yOKgBuvVDHng=",     /* URL-safe alphabet */
    "wDq2rpofsQBID7tFVyTBA4bp CXdxr9yOKgBuvVDHng=",     /* a blank */
    "wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDH=g=",
    "0123456789abcdef0123456789abcdef0123456789ab",     /* hex is not base64 of 32 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      guint8 key[SY_WG_KEY_LEN];

      memset (key, 0xaa, sizeof key);
      g_test_message ("key '%s'", invalid[i]);
      g_assert_false (sy_wg_key_from_base64 (invalid[i], key, &error));
      g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
      g_assert_true (sy_wg_key_is_zero (key));
      /* The text may be a private key: never repeated. */
      if (invalid[i][0] != '\0')
        g_assert_null (strstr (error->message, invalid[i]));
    }
}

static void
test_key_compare (void)
{
  guint8 a[SY_WG_KEY_LEN];
  guint8 b[SY_WG_KEY_LEN];
  guint8 zero[SY_WG_KEY_LEN] = { 0 };

  g_assert_true (sy_wg_key_from_base64 (PUB1, a, NULL));
  g_assert_true (sy_wg_key_from_base64 (PUB1, b, NULL));
  g_assert_true (sy_wg_key_equal (a, b));
  b[31] ^= 1;
  g_assert_false (sy_wg_key_equal (a, b));
  g_assert_false (sy_wg_key_is_zero (a));
  g_assert_true (sy_wg_key_is_zero (zero));
}

/* ---------------------------------------------------------------------- */
/* prefixes                                                                */

static void
test_prefix_parse (void)
{
  static const struct
  {
    const char *text;
    const char *formatted;
    guint8      family;
    guint8      length;
    gboolean    masked;
  } cases[] = {
    { "10.0.0.0/8", "10.0.0.0/8", 4, 8, TRUE },
    { "10.1.2.3/8", "10.1.2.3/8", 4, 8, FALSE },
    { "10.68.113.42", "10.68.113.42/32", 4, 32, TRUE },
    { "0.0.0.0/0", "0.0.0.0/0", 4, 0, TRUE },
    { "192.168.7.0/24", "192.168.7.0/24", 4, 24, TRUE },
    { "255.255.255.255/32", "255.255.255.255/32", 4, 32, TRUE },
    { "10.0.0.0/008", "10.0.0.0/8", 4, 8, TRUE },
    { "::/0", "::/0", 6, 0, TRUE },
    { "::0/0", "::/0", 6, 0, TRUE },
    { "fd00::2", "fd00::2/128", 6, 128, TRUE },
    { "FD42:10::1/64", "fd42:10::1/64", 6, 64, FALSE },
    { "2001:db8:0:0:0:0:0:1/128", "2001:db8::1/128", 6, 128, TRUE },
    { "::ffff:10.1.2.3/104", "::ffff:10.1.2.3/104", 6, 104, FALSE },
    { "fc00:bbbb:bbbb:bb01::5:712a/128", "fc00:bbbb:bbbb:bb01::5:712a/128", 6, 128, TRUE },
  };
  static const char * const invalid[] = {
    "", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/+8",
    "10.0.0.0/8/8", "10.0.0/8", "10.0.0.256/32", "010.0.0.1/32", "10.0.0.0 /8",
    " 10.0.0.0/8", "fe80::1%eth0/64", "fe80::1%eth0", "[::1]/128", "::1::2/128",
    "10.0.0.0/0x8", "10.0.0.0/1000", "example.com/32", "1.2.3.4.5",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      char buffer[SY_WG_PREFIX_STRING_MAX];
      SyWgPrefix prefix;
      SyWgPrefix again;

      g_test_message ("prefix '%s'", cases[i].text);
      g_assert_true (sy_wg_prefix_parse (cases[i].text, &prefix, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (prefix.family, ==, cases[i].family);
      g_assert_cmpuint (prefix.length, ==, cases[i].length);
      g_assert_cmpstr (sy_wg_prefix_format (&prefix, buffer), ==, cases[i].formatted);
      g_assert_cmpint (sy_wg_prefix_is_masked (&prefix), ==, cases[i].masked);

      g_assert_true (sy_wg_prefix_parse (buffer, &again, NULL));
      g_assert_true (sy_wg_prefix_equal (&prefix, &again));
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      SyWgPrefix prefix;

      g_test_message ("invalid prefix '%s'", invalid[i]);
      g_assert_false (sy_wg_prefix_parse (invalid[i], &prefix, &error));
      g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
      g_test_message ("  → %s", error->message);
    }
}

static void
test_prefix_mask_contains (void)
{
  static const struct
  {
    const char *text;
    const char *masked;
  } cases[] = {
    { "10.1.2.3/8", "10.0.0.0/8" },
    { "10.255.255.255/9", "10.128.0.0/9" },
    { "192.168.7.129/25", "192.168.7.128/25" },
    { "192.168.7.129/31", "192.168.7.128/31" },
    { "1.2.3.4/0", "0.0.0.0/0" },
    { "1.2.3.4/32", "1.2.3.4/32" },
    { "fd42:10::1/64", "fd42:10::/64" },
    { "2001:db8:ffff:ffff::1/33", "2001:db8:8000::/33" },
    { "ffff::1/1", "8000::/1" },
    { "::1/127", "::/127" },
  };
  SyWgPrefix prefix;
  guint8 family;
  guint8 address[16];

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = NULL;

      g_assert_true (sy_wg_prefix_parse (cases[i].text, &prefix, NULL));
      sy_wg_prefix_mask (&prefix);
      g_assert_true (sy_wg_prefix_is_masked (&prefix));
      text = sy_wg_prefix_to_string (&prefix);
      g_assert_cmpstr (text, ==, cases[i].masked);
    }

  g_assert_true (sy_wg_prefix_parse ("192.168.7.128/25", &prefix, NULL));
  g_assert_true (sy_wg_address_parse ("192.168.7.200", &family, address));
  g_assert_true (sy_wg_prefix_contains (&prefix, family, address));
  g_assert_true (sy_wg_address_parse ("192.168.7.127", &family, address));
  g_assert_false (sy_wg_prefix_contains (&prefix, family, address));
  g_assert_true (sy_wg_address_parse ("fd00::1", &family, address));
  g_assert_false (sy_wg_prefix_contains (&prefix, family, address));

  g_assert_true (sy_wg_prefix_parse ("fd42:10::/61", &prefix, NULL));
  g_assert_true (sy_wg_address_parse ("fd42:10:0:7::9", &family, address));
  g_assert_true (sy_wg_prefix_contains (&prefix, family, address));
  g_assert_true (sy_wg_address_parse ("fd42:10:0:8::9", &family, address));
  g_assert_false (sy_wg_prefix_contains (&prefix, family, address));

  g_assert_true (sy_wg_prefix_parse ("0.0.0.0/0", &prefix, NULL));
  g_assert_true (sy_wg_address_parse ("203.0.113.9", &family, address));
  g_assert_true (sy_wg_prefix_contains (&prefix, family, address));
}

static void
test_prefix_inet_address (void)
{
  g_autoptr(GInetAddress) v4 = g_inet_address_new_from_string ("10.68.113.42");
  g_autoptr(GInetAddress) v6 = g_inet_address_new_from_string ("fd00::5");
  g_autoptr(GInetAddress) back = NULL;
  g_autofree char *text = NULL;
  g_autofree char *address = NULL;
  SyWgPrefix prefix;

  sy_wg_prefix_init_from_address (&prefix, v4, 24);
  text = sy_wg_prefix_to_string (&prefix);
  g_assert_cmpstr (text, ==, "10.68.113.42/24");
  back = sy_wg_prefix_get_address (&prefix);
  g_assert_true (g_inet_address_equal (back, v4));
  g_clear_object (&back);

  sy_wg_prefix_init_from_address (&prefix, v6, 200);
  g_assert_cmpuint (prefix.family, ==, 6);
  g_assert_cmpuint (prefix.length, ==, 128);
  back = sy_wg_prefix_get_address (&prefix);
  g_assert_true (g_inet_address_equal (back, v6));
  address = sy_wg_prefix_address_to_string (&prefix);
  g_assert_cmpstr (address, ==, "fd00::5");
}

/* ---------------------------------------------------------------------- */
/* parsing real files                                                      */

static void
test_parse_client (void)
{
  g_autoptr(SyWgProfile) profile = load_ok ("mullvad-se.conf");
  g_autofree char *path = data_path ("mullvad-se.conf");
  const char * const *warnings = sy_wg_profile_get_warnings (profile);
  g_autofree char *expected0 = g_strdup_printf ("%s:8: [Interface] PostUp: ignored: ", path);
  g_autofree char *expected1 = g_strdup_printf ("%s:9: [Interface] PreDown: ignored: ", path);
  SyWgPeer *peer;

  g_assert_cmpstr (profile->name, ==, "mullvad-se");
  assert_key (profile->private_key, PRIV1);
  g_assert_cmpuint (profile->addresses->len, ==, 2);
  assert_prefix (profile->addresses, 0, "10.68.113.42/32");
  assert_prefix (profile->addresses, 1, "fc00:bbbb:bbbb:bb01::5:712a/128");
  g_assert_cmpuint (profile->dns->len, ==, 1);
  assert_dns (profile, 0, "10.64.0.1");
  g_assert_cmpuint (profile->dns_search->len, ==, 0);
  g_assert_cmpuint (profile->mtu, ==, 1420);
  g_assert_cmpuint (profile->listen_port, ==, 0);

  g_assert_cmpuint (profile->peers->len, ==, 1);
  peer = peer_at (profile, 0);
  assert_key (peer->public_key, PUB2);
  g_assert_false (peer->has_preshared_key);
  g_assert_cmpstr (peer->endpoint_host, ==, "185.213.154.68");
  g_assert_cmpuint (peer->endpoint_port, ==, 51820);
  g_assert_cmpuint (peer->allowed_ips->len, ==, 2);
  assert_prefix (peer->allowed_ips, 0, "0.0.0.0/0");
  assert_prefix (peer->allowed_ips, 1, "::/0");
  g_assert_cmpuint (peer->persistent_keepalive, ==, 0);

  g_assert_cmpuint (g_strv_length ((char **) warnings), ==, 2);
  g_assert_true (g_str_has_prefix (warnings[0], expected0));
  g_assert_true (g_str_has_prefix (warnings[1], expected1));

  g_assert_true (sy_wg_profile_validate (profile, NULL));
  assert_round_trip (profile, path);
}

static void
test_parse_server (void)
{
  g_autoptr(SyWgProfile) profile = load_ok ("office-server.conf");
  g_autofree char *path = data_path ("office-server.conf");
  const char * const *warnings = sy_wg_profile_get_warnings (profile);
  SyWgPeer *peer;

  assert_key (profile->private_key, "kJHbC82AP81Jzg/CmN9bb13ayP6U3S48QM+2bIf/vUM=");
  assert_prefix (profile->addresses, 0, "10.10.0.1/24");
  assert_prefix (profile->addresses, 1, "fd42:10::1/64");
  g_assert_cmpuint (profile->listen_port, ==, 51820);
  g_assert_cmpuint (profile->mtu, ==, 1380);
  g_assert_cmpuint (profile->peers->len, ==, 3);

  peer = peer_at (profile, 0);
  assert_key (peer->public_key, PUB4);
  g_assert_true (peer->has_preshared_key);
  assert_key (peer->preshared_key, PSK1);
  g_assert_null (peer->endpoint_host);
  g_assert_cmpuint (peer->allowed_ips->len, ==, 2);
  assert_prefix (peer->allowed_ips, 1, "fd42:10::2/128");

  /* AllowedIPs given on two lines add up. */
  peer = peer_at (profile, 1);
  assert_key (peer->public_key, PUB5);
  g_assert_false (peer->has_preshared_key);
  g_assert_cmpuint (peer->allowed_ips->len, ==, 2);
  assert_prefix (peer->allowed_ips, 0, "10.10.0.3/32");
  assert_prefix (peer->allowed_ips, 1, "fd42:10::3/128");

  peer = peer_at (profile, 2);
  assert_key (peer->public_key, PUB6);
  g_assert_cmpstr (peer->endpoint_host, ==, "2001:db8:7::1");
  g_assert_cmpuint (peer->endpoint_port, ==, 51821);
  g_assert_cmpuint (peer->persistent_keepalive, ==, 25);
  assert_prefix (peer->allowed_ips, 0, "192.168.7.0/24");

  g_assert_cmpuint (g_strv_length ((char **) warnings), ==, 3);
  g_assert_nonnull (strstr (warnings[0], ".conf:7: [Interface] Table: ignored"));
  g_assert_nonnull (strstr (warnings[1], ".conf:8: [Interface] SaveConfig: ignored"));
  g_assert_nonnull (strstr (warnings[2], ".conf:9: [Interface] FwMark: ignored"));

  assert_round_trip (profile, path);
}

static void
test_parse_split_tunnel (void)
{
  g_autoptr(SyWgProfile) profile = load_ok ("corp-split.conf");
  g_autofree char *path = data_path ("corp-split.conf");
  SyWgPeer *peer;

  /* Lowercase section and key names, DNS servers and search domains
   * separated by blanks and commas, a comment after a value. */
  assert_key (profile->private_key, PRIV2);
  g_assert_cmpuint (profile->mtu, ==, 1280);
  g_assert_cmpuint (profile->dns->len, ==, 2);
  assert_dns (profile, 0, "172.16.0.53");
  assert_dns (profile, 1, "172.16.0.54");
  g_assert_cmpuint (profile->dns_search->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (profile->dns_search, 0), ==, "corp.example");
  g_assert_cmpstr (g_ptr_array_index (profile->dns_search, 1), ==, "lab.corp.example");

  peer = peer_at (profile, 0);
  g_assert_cmpstr (peer->endpoint_host, ==, "vpn.corp.example");
  g_assert_cmpuint (peer->endpoint_port, ==, 443);
  g_assert_cmpuint (peer->persistent_keepalive, ==, 0);
  g_assert_cmpuint (peer->allowed_ips->len, ==, 2);
  assert_prefix (peer->allowed_ips, 1, "10.200.0.0/14");
  g_assert_cmpuint (g_strv_length ((char **) sy_wg_profile_get_warnings (profile)), ==, 0);

  assert_round_trip (profile, path);
}

static void
test_parse_syntax (void)
{
  /* What wg(8) accepts: blanks anywhere in keys and wg values, CRLF, '#'
   * anywhere, mixed case, the last colon separating an unbracketed IPv6
   * endpoint, "off" keepalive, an empty MTU. */
  const char *text =
    "\t# leading comment\r\n"
    "  [ Interface ]  \r\n"
    "Private Key = " PRIV1 " # trailing\r\n"
    "LISTENPORT=0051820\r\n"
    "mtu =\r\n"
    "Address = 10.0.0.2/24 , fd00::2/64\r\n"
    "Address=10.0.1.2\r\n"
    "DNS=1.1.1.1,2606:4700:4700::1111 example.net\r\n"
    "\r\n"
    "[peer]\r\n"
    "PublicKey=" PUB1 "\r\n"
    "Endpoint = fd00::1:51820\r\n"
    "Allowed IPs = 10.0.0.0/24,\t10.9.0.0/16 ,fd00::/64\r\n"
    "PersistentKeepalive = OFF\r\n"
    "[PEER]\n"
    "publickey = " PUB2 "\n"
    "presharedkey=" PSK1 "\n"
    "endpoint=[fd00::9]:1\n"
    "endpoint2IsNotAKey=1\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(SyWgProfile) profile = NULL;
  g_autofree char *stripped = NULL;
  SyWgPeer *peer;

  /* The last line is a mistake; without it the text is good. */
  profile = sy_wg_profile_parse_wg_quick (text, "syntax.conf", &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_cmpstr (error->message, ==,
                   "syntax.conf:19: [Peer] endpoint2IsNotAKey: is not a key of [Peer]; "
                   "its keys are PublicKey, PresharedKey, Endpoint, AllowedIPs, "
                   "PersistentKeepalive");
  g_assert_null (profile);

  stripped = g_strndup (text, strstr (text, "endpoint2") - text);
  profile = parse_ok (stripped, "syntax.conf");
  assert_key (profile->private_key, PRIV1);
  g_assert_cmpuint (profile->listen_port, ==, 51820);
  g_assert_cmpuint (profile->mtu, ==, 1420);
  g_assert_cmpuint (profile->addresses->len, ==, 3);
  assert_prefix (profile->addresses, 2, "10.0.1.2/32");
  g_assert_cmpuint (profile->dns->len, ==, 2);
  assert_dns (profile, 1, "2606:4700:4700::1111");
  g_assert_cmpstr (g_ptr_array_index (profile->dns_search, 0), ==, "example.net");

  peer = peer_at (profile, 0);
  g_assert_cmpstr (peer->endpoint_host, ==, "fd00::1");
  g_assert_cmpuint (peer->endpoint_port, ==, 51820);
  g_assert_cmpuint (peer->allowed_ips->len, ==, 3);
  g_assert_cmpuint (peer->persistent_keepalive, ==, 0);

  peer = peer_at (profile, 1);
  g_assert_true (peer->has_preshared_key);
  g_assert_cmpstr (peer->endpoint_host, ==, "fd00::9");
  g_assert_cmpuint (peer->endpoint_port, ==, 1);

  assert_round_trip (profile, "syntax.conf");
}

static void
test_parse_host_bits (void)
{
  g_autoptr(SyWgProfile) profile = parse_ok ("[Interface]\nPrivateKey=" PRIV1 "\n"
                                             "Address = 10.0.0.2/24\n"
                                             "[Peer]\nPublicKey=" PUB1 "\n"
                                             "AllowedIPs = 10.0.0.1/24, 0.0.0.0/0\n",
                                             "bits.conf");
  const char * const *warnings = sy_wg_profile_get_warnings (profile);

  /* Interface addresses keep their host part; AllowedIPs are networks. */
  assert_prefix (profile->addresses, 0, "10.0.0.2/24");
  assert_prefix (peer_at (profile, 0)->allowed_ips, 0, "10.0.0.0/24");
  g_assert_cmpuint (g_strv_length ((char **) warnings), ==, 1);
  g_assert_cmpstr (warnings[0], ==,
                   "bits.conf:6: [Peer] AllowedIPs: 10.0.0.1/24 has host bits set; "
                   "it means 10.0.0.0/24");
}

static void
test_parse_minimal (void)
{
  g_autoptr(SyWgProfile) profile = parse_ok ("[Interface]\nPrivateKey = " PRIV1 "\n", NULL);
  g_autoptr(SySecret) text = sy_wg_profile_to_wg_quick (profile);

  /* wg setconf files need no Address and no peer. */
  g_assert_null (profile->name);
  g_assert_cmpuint (profile->addresses->len, ==, 0);
  g_assert_cmpuint (profile->peers->len, ==, 0);
  g_assert_cmpstr (text, ==, "[Interface]\nPrivateKey = " PRIV1 "\nMTU = 1420\n");
  assert_round_trip (profile, NULL);
}

static void
test_write (void)
{
  g_autoptr(SyWgProfile) profile = sy_wg_profile_new ("handmade");
  g_autoptr(SySecret) text = NULL;
  g_autoptr(GError) error = NULL;
  SyWgPeer *peer;
  SyWgPrefix prefix;

  g_assert_false (sy_wg_profile_validate (profile, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (sy_wg_key_from_base64 (PRIV2, profile->private_key, NULL));
  sy_wg_prefix_parse ("10.9.0.2/32", &prefix, NULL);
  g_array_append_val (profile->addresses, prefix);
  g_ptr_array_add (profile->dns, g_inet_address_new_from_string ("fd00::53"));
  g_ptr_array_add (profile->dns_search, g_strdup ("home.arpa"));
  profile->listen_port = 40000;
  profile->mtu = 1400;

  peer = sy_wg_peer_new ();
  g_assert_true (sy_wg_key_from_base64 (PUB1, peer->public_key, NULL));
  peer->endpoint_host = g_strdup ("2001:db8::77");
  peer->endpoint_port = 443;
  peer->persistent_keepalive = 15;
  sy_wg_prefix_parse ("0.0.0.0/0", &prefix, NULL);
  g_array_append_val (peer->allowed_ips, prefix);
  g_ptr_array_add (profile->peers, peer);

  g_assert_true (sy_wg_profile_validate (profile, &error));
  g_assert_no_error (error);

  text = sy_wg_profile_to_wg_quick (profile);
  g_assert_cmpstr (text, ==,
                   "[Interface]\n"
                   "PrivateKey = " PRIV2 "\n"
                   "Address = 10.9.0.2/32\n"
                   "DNS = fd00::53, home.arpa\n"
                   "MTU = 1400\n"
                   "ListenPort = 40000\n"
                   "\n"
                   "[Peer]\n"
                   "PublicKey = " PUB1 "\n"
                   "Endpoint = [2001:db8::77]:443\n"
                   "AllowedIPs = 0.0.0.0/0\n"
                   "PersistentKeepalive = 15\n");
  assert_round_trip (profile, "handmade.conf");

  /* Two peers with one key. */
  g_ptr_array_add (profile->peers, sy_wg_peer_copy (peer));
  g_assert_false (sy_wg_profile_validate (profile, &error));
  g_assert_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT);
}

static void
test_copy_equal (void)
{
  g_autoptr(SyWgProfile) profile = load_ok ("office-server.conf");
  g_autoptr(SyWgProfile) copy = sy_wg_profile_copy (profile);
  g_autoptr(SyWgProfile) ref = sy_wg_profile_ref (profile);
  SyWgPeer *peer;

  g_assert_true (ref == profile);
  g_assert_true (sy_wg_profile_equal (profile, copy));
  g_assert_cmpuint (g_strv_length ((char **) sy_wg_profile_get_warnings (copy)), ==, 3);

  peer = peer_at (copy, 2);
  peer->endpoint_port++;
  g_assert_false (sy_wg_profile_equal (profile, copy));
  peer->endpoint_port--;
  g_assert_true (sy_wg_profile_equal (profile, copy));

  peer->preshared_key[0] ^= 1;
  g_assert_false (sy_wg_profile_equal (profile, copy));
  peer->preshared_key[0] ^= 1;

  g_ptr_array_add (copy->dns_search, g_strdup ("example.org"));
  g_assert_false (sy_wg_profile_equal (profile, copy));
  g_ptr_array_set_size (copy->dns_search, 0);
  g_assert_true (sy_wg_profile_equal (profile, copy));

  g_free (copy->name);
  copy->name = g_strdup ("other");
  g_assert_false (sy_wg_profile_equal (profile, copy));

  g_assert_true (G_TYPE_IS_BOXED (SY_TYPE_WG_PROFILE));
}

static void
test_load_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyWgProfile) profile = NULL;
  g_autofree char *directory = g_dir_make_tmp ("sy-wg-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (directory, "missing.conf", NULL);
  g_autofree char *big = g_build_filename (directory, "big.conf", NULL);
  g_autofree char *nul = g_build_filename (directory, "nul.conf", NULL);
  g_autofree char *text = g_strnfill (1024 * 1024 + 1, '#');
  g_autofree char *expected = NULL;

  profile = sy_wg_profile_load_wg_quick (missing, &error);
  g_assert_null (profile);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  expected = g_strdup_printf ("%s: cannot be read: No such file or directory", missing);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  profile = sy_wg_profile_load_wg_quick (directory, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, ": is not a regular file"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (big, text, -1, NULL));
  profile = sy_wg_profile_load_wg_quick (big, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, ": is larger than 1024 KiB"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (nul, "[Interface]\n\0\n", 14, NULL));
  profile = sy_wg_profile_load_wg_quick (nul, &error);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, ": contains NUL bytes"));
  g_clear_error (&error);

  g_assert_no_errno (g_unlink (big));
  g_assert_no_errno (g_unlink (nul));
  g_assert_no_errno (g_rmdir (directory));
}

/* ---------------------------------------------------------------------- */
/* errors                                                                  */

typedef struct
{
  const char *text;
  const char *message;   /* the whole message, with file and line */
} InvalidCase;

#define IF "[Interface]\nPrivateKey = " PRIV1 "\n"
#define PEER1 "[Peer]\nPublicKey = " PUB1 "\n"

static const InvalidCase invalid_cases[] = {
  /* structure */
  { "",
    "bad.conf: has no [Interface] section; a WireGuard configuration starts with [Interface] "
    "and its PrivateKey" },
  { "[Interface]\nAddress = 10.0.0.2/32\n",
    "bad.conf:1: [Interface]: has no PrivateKey; add PrivateKey = (the output of `wg genkey`)" },
  { IF "[Peer]\nEndpoint = 192.0.2.1:51820\n",
    "bad.conf:3: [Peer]: has no PublicKey; add the peer's public key, e.g. PublicKey = "
    "(the output of `wg pubkey` on the peer)" },
  { IF PEER1 "[Peer]\nAllowedIPs = 10.0.0.0/8\n" PEER1,
    "bad.conf:5: [Peer]: has no PublicKey; add the peer's public key, e.g. PublicKey = "
    "(the output of `wg pubkey` on the peer)" },
  { IF PEER1 "\n[Peer]\n# the same peer again\nPublicKey = " PUB1 "\n",
    "bad.conf:8: [Peer] PublicKey: is the same as the peer's at line 4; merge the two [Peer] "
    "sections into one" },
  { IF "[Interface]\nMTU = 1280\n",
    "bad.conf:3: [Interface]: appears a second time (first at line 1); merge the two sections "
    "into one" },
  { "PrivateKey = " PRIV1 "\n[Interface]\n",
    "bad.conf:1: PrivateKey: comes before any section; put it under [Interface]" },
  { "Name = wg0\n[Interface]\n",
    "bad.conf:1: Name: comes before any section, and is not a WireGuard key" },
  { IF "[Peers]\n",
    "bad.conf:3: [Peers]: is not a section of a WireGuard configuration; did you mean [Peer]?" },
  { IF "[Socks5]\n",
    "bad.conf:3: [Socks5]: is not a section of a WireGuard configuration; the sections are "
    "[Interface] and [Peer]" },
  { IF "[Peer\n",
    "bad.conf:3: the section header '[Peer' has no closing ']'" },
  { IF "[Peer] PublicKey = " PUB1 "\n",
    "bad.conf:3: text follows '[Peer]' on the same line; move it to a line of its own or "
    "start it with '#'" },
  { IF "ListenPort 51820\n",
    "bad.conf:3: this line is neither a [Section] nor a KEY = VALUE line" },
  { "[Interface]\nPrivateKey " PRIV1 "\n",
    "bad.conf:2: [Interface]: this line does not start with a key name; write KEY = VALUE" },
  { "[Interface]\nPrivateKey: wNeFgtgq2sBLgm5siQgDJ8Ix5jt3MTeI1iZJRdGTbnc=\n",
    "bad.conf:2: [Interface]: this line does not start with a key name; write KEY = VALUE" },
  { "PrivateKey " PRIV1 "\n",
    "bad.conf:1: this line does not start with a key name, and comes before any section" },
  { IF "= 5\n",
    "bad.conf:3: [Interface]: a line starts with '='; write KEY = VALUE" },

  /* keys */
  { IF "Adress = 10.0.0.2/32\n",
    "bad.conf:3: [Interface] Adress: is not a key of [Interface]; did you mean Address?" },
  { IF "Gateway = 10.0.0.1\n",
    "bad.conf:3: [Interface] Gateway: is not a key of [Interface]; its keys are PrivateKey, "
    "ListenPort, FwMark, Address, DNS, MTU, Table, PreUp, PostUp, PreDown, PostDown, "
    "SaveConfig" },
  { IF "PublicKey = " PUB1 "\n",
    "bad.conf:3: [Interface] PublicKey: belongs in [Peer], not in [Interface]" },
  { IF PEER1 "Address = 10.0.0.2/32\n",
    "bad.conf:5: [Peer] Address: belongs in [Interface], not in [Peer]" },
  { IF PEER1 "PostUp = true\n",
    "bad.conf:5: [Peer] PostUp: belongs in [Interface], not in [Peer]" },
  { IF "MTU = 1400\n# again\nmtu = 1380\n",
    "bad.conf:5: [Interface] MTU: appears a second time (first at line 3); keep one" },
  { IF "PrivateKey = " PRIV2 "\n",
    "bad.conf:3: [Interface] PrivateKey: appears a second time (first at line 2); keep one" },
  { IF PEER1 "Endpoint = 192.0.2.1:1\nEndpoint = 192.0.2.1:2\n",
    "bad.conf:6: [Peer] Endpoint: appears a second time (first at line 5); keep one" },

  /* key values; the text of a key is never repeated */
  { "[Interface]\nPrivateKey = wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDHng\n",
    "bad.conf:2: [Interface] PrivateKey: is not a WireGuard key (44 characters of base64 "
    "ending in '='); create one with `wg genkey`" },
  { "[Interface]\nPrivateKey = wDq2rpofsQBID7tFVyTBA4bpoCXdxr9yOKgBuvVDHnh=\n",
    "bad.conf:2: [Interface] PrivateKey: is not a WireGuard key (44 characters of base64 "
    "ending in '='); create one with `wg genkey`" },
  { "[Interface]\nPrivateKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
    "bad.conf:2: [Interface] PrivateKey: is all zeros, a placeholder; create a key with "
    "`wg genkey`" },
  { "[Interface]\nPrivateKey =\n",
    "bad.conf:2: [Interface] PrivateKey: is empty; write a value or remove the line" },
  { IF "[Peer]\nPublicKey = 0123456789abcdef0123456789abcdef\n",
    "bad.conf:4: [Peer] PublicKey: is not a WireGuard key (44 characters of base64 ending in "
    "'='); copy the peer's public key exactly" },
  { IF PEER1 "PresharedKey = UmlbGO1UGjeneV+QojV4D/4acGCJK1RrQBaFmoz5CvQ\n",
    "bad.conf:5: [Peer] PresharedKey: is not a WireGuard key (44 characters of base64 ending "
    "in '='); create one with `wg genpsk`" },

  /* addresses and prefixes */
  { IF "Address = 10.0.0.300/32\n",
    "bad.conf:3: [Interface] Address: '10.0.0.300' is not an IPv4 or IPv6 address; write "
    "e.g. 10.8.0.2/32 or fd00::2/128" },
  { IF "Address = 10.0.0.2/33\n",
    "bad.conf:3: [Interface] Address: '10.0.0.2/33': an IPv4 prefix length is at most 32; "
    "write e.g. 10.8.0.2/32 or fd00::2/128" },
  { IF "Address = fd00::2/\n",
    "bad.conf:3: [Interface] Address: 'fd00::2/' has no valid prefix length after '/'; write "
    "e.g. 10.8.0.2/32 or fd00::2/128" },
  { IF PEER1 "AllowedIPs = 10.0.0.0/8,,10.1.0.0/16\n",
    "bad.conf:5: [Peer] AllowedIPs: has an empty entry; separate prefixes with single commas" },
  { IF PEER1 "AllowedIPs =\n",
    "bad.conf:5: [Peer] AllowedIPs: is empty; write the addresses routed to this peer, "
    "e.g. 0.0.0.0/0, ::/0" },
  { IF PEER1 "AllowedIPs = +10.0.0.0/8\n",
    "bad.conf:5: [Peer] AllowedIPs: '+' before a prefix is for `wg set`, not for files; "
    "remove it" },
  { IF PEER1 "AllowedIPs = 10.0.0.0/8, fe80::/64%eth0\n",
    "bad.conf:5: [Peer] AllowedIPs: 'fe80::/64%eth0' has no valid prefix length after '/'; "
    "write e.g. 10.0.0.0/24 or fd00::/64" },
  { IF "DNS = 10.64.0.1, 1.2.3\n",
    "bad.conf:3: [Interface] DNS: '1.2.3' is not an IP address; write DNS servers like "
    "10.64.0.1 or fd00::1, and search domains like corp.example" },
  { IF "DNS = corp..example\n",
    "bad.conf:3: [Interface] DNS: 'corp..example' is not a host name, nor an IP address; write "
    "DNS servers like 10.64.0.1 and search domains like corp.example" },

  /* numbers and ports */
  { IF "ListenPort = 70000\n",
    "bad.conf:3: [Interface] ListenPort: '70000' is not a port number (0–65535); remove the "
    "line to use any free port" },
  { IF "ListenPort = -1\n",
    "bad.conf:3: [Interface] ListenPort: '-1' is not a port number (0–65535); remove the line "
    "to use any free port" },
  { IF "MTU = 100\n",
    "bad.conf:3: [Interface] MTU: '100' is not an MTU; write a number of bytes from 576 to "
    "65535, usually 1420" },
  { IF "MTU = 1420 bytes\n",
    "bad.conf:3: [Interface] MTU: '1420 bytes' is not an MTU; write a number of bytes from 576 "
    "to 65535, usually 1420" },
  { IF PEER1 "PersistentKeepalive = 65536\n",
    "bad.conf:5: [Peer] PersistentKeepalive: '65536' is not a number of seconds (0–65535) or "
    "off; 25 is usual behind NAT" },
  { IF PEER1 "Endpoint = vpn.example.net\n",
    "bad.conf:5: [Peer] Endpoint: 'vpn.example.net' has no port; write HOST:PORT, e.g. "
    "vpn.example.net:51820" },
  { IF PEER1 "Endpoint = vpn.example.net:0\n",
    "bad.conf:5: [Peer] Endpoint: '0' is not a port number (1–65535)" },
  { IF PEER1 "Endpoint = vpn.example.net:wireguard\n",
    "bad.conf:5: [Peer] Endpoint: 'wireguard' is not a port number (1–65535)" },
  { IF PEER1 "Endpoint = [2001:db8::1:51820\n",
    "bad.conf:5: [Peer] Endpoint: '[2001:db8::1:51820' is not [IPV6]:PORT; write e.g. "
    "[2001:db8::1]:51820" },
  { IF PEER1 "Endpoint = :51820\n",
    "bad.conf:5: [Peer] Endpoint: the host is empty; write HOST:PORT, e.g. "
    "vpn.example.net:51820 or [2001:db8::1]:51820" },
  { IF PEER1 "Endpoint = 2001:db8::zz:51820\n",
    "bad.conf:5: [Peer] Endpoint: '2001:db8::zz' is not an IPv6 address; write HOST:PORT, e.g. "
    "vpn.example.net:51820 or [2001:db8::1]:51820" },
  { IF PEER1 "Endpoint = vpn_example/net:51820\n",
    "bad.conf:5: [Peer] Endpoint: 'vpn_example/net' is not a host name; write HOST:PORT, e.g. "
    "vpn.example.net:51820 or [2001:db8::1]:51820" },
};

static void
test_invalid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      const InvalidCase *c = &invalid_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(SyWgProfile) profile = NULL;

      g_test_message ("case %u: %s", i, c->text);
      profile = sy_wg_profile_parse_wg_quick (c->text, "bad.conf", &error);
      g_assert_null (profile);
      g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
      g_test_message ("  → %s", error->message);
      g_assert_cmpstr (error->message, ==, c->message);
      /* Private keys are never repeated. */
      g_assert_null (strstr (error->message, PRIV1));
      g_assert_null (strstr (error->message, "wDq2rpofsQBID7tFVyTBA4bp"));
    }
}

static void
test_invalid_without_filename (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyWgProfile) profile = sy_wg_profile_parse_wg_quick (IF "MTU = 1\n", NULL, &error);

  g_assert_null (profile);
  g_assert_error (error, SY_ERROR, SY_ERROR_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "line 3: [Interface] MTU: '1' is not an MTU"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/wireguard/key/round-trip", test_key_round_trip);
  g_test_add_func ("/core/wireguard/key/invalid", test_key_invalid);
  g_test_add_func ("/core/wireguard/key/compare", test_key_compare);
  g_test_add_func ("/core/wireguard/prefix/parse", test_prefix_parse);
  g_test_add_func ("/core/wireguard/prefix/mask-contains", test_prefix_mask_contains);
  g_test_add_func ("/core/wireguard/prefix/inet-address", test_prefix_inet_address);
  g_test_add_func ("/core/wireguard/profile/client", test_parse_client);
  g_test_add_func ("/core/wireguard/profile/server", test_parse_server);
  g_test_add_func ("/core/wireguard/profile/split-tunnel", test_parse_split_tunnel);
  g_test_add_func ("/core/wireguard/profile/syntax", test_parse_syntax);
  g_test_add_func ("/core/wireguard/profile/host-bits", test_parse_host_bits);
  g_test_add_func ("/core/wireguard/profile/minimal", test_parse_minimal);
  g_test_add_func ("/core/wireguard/profile/write", test_write);
  g_test_add_func ("/core/wireguard/profile/copy-equal", test_copy_equal);
  g_test_add_func ("/core/wireguard/profile/load-errors", test_load_errors);
  g_test_add_func ("/core/wireguard/profile/invalid", test_invalid);
  g_test_add_func ("/core/wireguard/profile/invalid-without-filename",
                   test_invalid_without_filename);

  return g_test_run ();
}
