/* sy-wg-profile.h — one WireGuard configuration: the interface and its peers
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model behind a userspace WireGuard outbound, read from and written to
 * the wg-quick(8) format that VPN providers hand out:
 *
 *   [Interface]                         [Peer]
 *   PrivateKey = base64                 PublicKey = base64
 *   Address = 10.8.0.2/32, fd00::2/128  PresharedKey = base64
 *   DNS = 10.8.0.1, corp.example        Endpoint = vpn.example.net:51820
 *   MTU = 1420                          AllowedIPs = 0.0.0.0/0, ::/0
 *   ListenPort = 51820                  PersistentKeepalive = 25
 *
 * A plain, reference-counted struct with public fields (also a boxed GType).
 * A profile that is shared (a device holds it) must not change; edit a copy
 * (sy_wg_profile_copy()) and hand that on.
 *
 * Keys are raw 32-byte Curve25519 values. The public key of the interface is
 * not kept here: computing it needs X25519 (the device does that).
 */

#pragma once

#include <gio/gio.h>

#include "wireguard/sy-wg-prefix.h"

G_BEGIN_DECLS

#define SY_WG_KEY_LEN          32
#define SY_WG_KEY_BASE64_LEN   44      /* without the NUL */
#define SY_WG_DEFAULT_MTU      1420
#define SY_WG_MIN_MTU          576     /* the datagram every IPv4 host must take (RFC 791) */
#define SY_WG_MAX_MTU          65535

/* ---------------------------------------------------------------------- */
/* keys                                                                    */

/* Decodes a key as wg(8) writes it: 44 characters of standard base64, the
 * last one '=', in canonical form. SY_ERROR_INVALID_ARGUMENT otherwise; the
 * message never repeats the text (it may be a private key). */
gboolean  sy_wg_key_from_base64 (const char    *base64,
                                 guint8         key[SY_WG_KEY_LEN],
                                 GError       **error);
/* Returns 44 characters + NUL. Free a private key's text with
 * sy_secret_free(). */
char     *sy_wg_key_to_base64   (const guint8   key[SY_WG_KEY_LEN]);
/* Constant-time, so comparing secrets leaks nothing through timing. */
gboolean  sy_wg_key_equal       (const guint8   a[SY_WG_KEY_LEN],
                                 const guint8   b[SY_WG_KEY_LEN]);
gboolean  sy_wg_key_is_zero     (const guint8   key[SY_WG_KEY_LEN]);

/* ---------------------------------------------------------------------- */
/* peers                                                                   */

typedef struct
{
  guint8    public_key[SY_WG_KEY_LEN];
  gboolean  has_preshared_key;
  guint8    preshared_key[SY_WG_KEY_LEN];     /* secret; zero when unset */
  char     *endpoint_host;         /* NULL: none (the peer must reach us first);
                                      a host name, an IPv4 literal or an IPv6
                                      literal without brackets */
  guint16   endpoint_port;         /* 1–65535 when endpoint_host is set */
  GArray   *allowed_ips;           /* SyWgPrefix, host bits zero, file order */
  guint16   persistent_keepalive;  /* seconds, 0: off */
} SyWgPeer;

SyWgPeer *sy_wg_peer_new             (void);
SyWgPeer *sy_wg_peer_copy            (const SyWgPeer  *peer);
/* Wipes the preshared key. */
void      sy_wg_peer_free            (SyWgPeer        *peer);
gboolean  sy_wg_peer_equal           (const SyWgPeer  *a,
                                      const SyWgPeer  *b);
/* "host:port", "[v6]:port", or NULL without an endpoint. */
char     *sy_wg_peer_format_endpoint (const SyWgPeer  *peer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyWgPeer, sy_wg_peer_free)

/* ---------------------------------------------------------------------- */
/* profiles                                                                */

#define SY_TYPE_WG_PROFILE (sy_wg_profile_get_type ())

typedef struct
{
  grefcount   ref_count;

  char       *name;          /* file name without .conf, or NULL */

  /* [Interface] */
  guint8      private_key[SY_WG_KEY_LEN];   /* secret */
  GArray     *addresses;     /* SyWgPrefix, host bits as written (10.0.0.2/24) */
  GPtrArray  *dns;           /* GInetAddress, DNS servers in order */
  GPtrArray  *dns_search;    /* char *, search domains (DNS= entries that are not addresses) */
  guint       mtu;           /* SY_WG_MIN_MTU–SY_WG_MAX_MTU, default 1420 */
  guint16     listen_port;   /* 0: any free port */

  GPtrArray  *peers;         /* SyWgPeer *, file order */

  /* What the parser accepted but Switchyard cannot honour (wg-quick's
   * hooks, Table, FwMark, SaveConfig), as "FILE:LINE: [Interface] KEY: …"
   * texts. NULL-terminated. Not part of the configuration: equality and
   * the writer ignore them. */
  GPtrArray  *warnings;
} SyWgProfile;

GType              sy_wg_profile_get_type        (void) G_GNUC_CONST;

/* An empty profile: zero private key, MTU 1420, no addresses or peers. */
SyWgProfile       *sy_wg_profile_new             (const char         *name);
SyWgProfile       *sy_wg_profile_ref             (SyWgProfile        *self);
/* The last unref wipes the keys. */
void               sy_wg_profile_unref           (SyWgProfile        *self);
/* A deep copy, warnings included, with a reference count of one. */
SyWgProfile       *sy_wg_profile_copy            (const SyWgProfile  *self);
/* Same configuration (name included, warnings not). Keys compare in
 * constant time. */
gboolean           sy_wg_profile_equal           (const SyWgProfile  *a,
                                                  const SyWgProfile  *b);

/* NULL-terminated, never NULL. */
const char * const *sy_wg_profile_get_warnings   (const SyWgProfile  *self);

/* What every file the parser accepts satisfies; for profiles built in
 * memory (D-Bus, tests). A private key that is set, peers with a public
 * key each and no two alike, the MTU in range, endpoints with a port.
 * SY_ERROR_INVALID_ARGUMENT. */
gboolean           sy_wg_profile_validate        (const SyWgProfile  *self,
                                                  GError            **error);

/* Parses wg-quick(8) / wg(8) setconf text. @filename names the text in
 * messages ("wg0.conf:7: [Peer] AllowedIPs: …") and gives the profile its
 * name (the base name without ".conf"); it may be NULL ("wg-quick text").
 *
 * The rules are wg(8)'s: '#' starts a comment anywhere on a line; section
 * and key names are case-insensitive; blanks are ignored in section lines,
 * in key names and in the values of the wg(8) keys; Address, DNS and
 * AllowedIPs take lists separated by commas and may be repeated. wg-quick's
 * own keys that need a kernel interface (Table, PreUp, PostUp, PreDown,
 * PostDown, SaveConfig) and FwMark are accepted and reported in the
 * warnings. Anything else is an SY_ERROR_CONFIG error naming the file, the
 * line and the key.
 *
 * Stricter than wg(8) and wg-quick(8), which keep the last of repeated
 * keys, merge repeated [Interface] sections and peers with the same key,
 * and take service names as ports: a second PrivateKey, ListenPort, MTU,
 * PublicKey, PresharedKey, Endpoint or PersistentKeepalive in a section, a
 * second [Interface], two peers with one public key, an all-zero private
 * or public key, ports other than decimal numbers, Endpoint port 0, an MTU
 * outside SY_WG_MIN_MTU–SY_WG_MAX_MTU and `wg set`'s +/- AllowedIPs are
 * errors. */
SyWgProfile       *sy_wg_profile_parse_wg_quick  (const char         *text,
                                                  const char         *filename,
                                                  GError            **error);
/* Reads @path (a regular file of at most 1 MiB) and parses it; messages
 * name @path as given. */
SyWgProfile       *sy_wg_profile_load_wg_quick   (const char         *path,
                                                  GError            **error);
/* wg-quick text that sy_wg_profile_parse_wg_quick() reads back to an equal
 * profile (given the same file name). It holds the private key: write it
 * with mode 0600, and free it with sy_secret_free(). */
char              *sy_wg_profile_to_wg_quick     (const SyWgProfile  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyWgProfile, sy_wg_profile_unref)

G_END_DECLS
