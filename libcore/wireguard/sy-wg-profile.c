/* sy-wg-profile.c — the WireGuard profile model, its keys and the wg-quick format
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-wireguard"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/sy-keyfile-util.h"
#include "util/sy-error.h"
#include "util/sy-secret.h"
#include "wireguard/sy-wg-profile-private.h"

/* ---------------------------------------------------------------------- */
/* keys                                                                    */

static const char base64_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

gboolean
sy_wg_key_decode (const char *text,
                  guint8      key[SY_WG_KEY_LEN],
                  gboolean    canonical_only)
{
  char buffer[SY_WG_KEY_BASE64_LEN + 1];
  const char *last;
  gsize decoded = 0;
  gint state = 0;
  guint save = 0;

  if (strlen (text) != SY_WG_KEY_BASE64_LEN || text[SY_WG_KEY_BASE64_LEN - 1] != '=')
    return FALSE;
  if (strspn (text, base64_alphabet) != SY_WG_KEY_BASE64_LEN - 1)
    return FALSE;

  /* 43 characters carry 258 bits; the last one's two low bits are padding,
   * which wg(8) wants zero so that every key has exactly one spelling. */
  last = strchr (base64_alphabet, text[SY_WG_KEY_BASE64_LEN - 2]);
  if (canonical_only && ((last - base64_alphabet) & 3) != 0)
    return FALSE;

  memcpy (buffer, text, sizeof buffer);
  decoded = g_base64_decode_step (buffer, SY_WG_KEY_BASE64_LEN, (guchar *) buffer, &state, &save);
  if (decoded == SY_WG_KEY_LEN)
    memcpy (key, buffer, SY_WG_KEY_LEN);
  sy_secret_wipe (buffer, sizeof buffer);
  sy_secret_wipe (&save, sizeof save);

  return decoded == SY_WG_KEY_LEN;
}

gboolean
sy_wg_key_from_base64 (const char  *base64,
                       guint8       key[SY_WG_KEY_LEN],
                       GError     **error)
{
  g_return_val_if_fail (base64 != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!sy_wg_key_decode (base64, key, TRUE))
    {
      memset (key, 0, SY_WG_KEY_LEN);
      g_set_error_literal (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "is not a WireGuard key (44 characters of base64 ending in '=')");
      return FALSE;
    }

  return TRUE;
}

char *
sy_wg_key_to_base64 (const guint8 key[SY_WG_KEY_LEN])
{
  g_return_val_if_fail (key != NULL, NULL);

  return g_base64_encode (key, SY_WG_KEY_LEN);
}

gboolean
sy_wg_key_equal (const guint8 a[SY_WG_KEY_LEN],
                 const guint8 b[SY_WG_KEY_LEN])
{
  volatile guint8 difference = 0;

  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  for (guint i = 0; i < SY_WG_KEY_LEN; i++)
    difference |= a[i] ^ b[i];

  return difference == 0;
}

gboolean
sy_wg_key_is_zero (const guint8 key[SY_WG_KEY_LEN])
{
  static const guint8 zero[SY_WG_KEY_LEN] = { 0 };

  return sy_wg_key_equal (key, zero);
}

/* ---------------------------------------------------------------------- */
/* helpers shared with the wireproxy parser                               */

static char *
format_where (const char *filename,
              guint       line,
              const char *section,
              const char *key)
{
  GString *where = g_string_new (NULL);

  if (filename != NULL && line > 0)
    g_string_append_printf (where, "%s:%u: ", filename, line);
  else if (filename != NULL)
    g_string_append_printf (where, "%s: ", filename);
  else if (line > 0)
    g_string_append_printf (where, "line %u: ", line);

  if (section != NULL && key != NULL)
    g_string_append_printf (where, "[%s] %s: ", section, key);
  else if (section != NULL)
    g_string_append_printf (where, "[%s]: ", section);
  else if (key != NULL)
    g_string_append_printf (where, "%s: ", key);

  return g_string_free (where, FALSE);
}

void
sy_wg_report (GError     **error,
              const char  *filename,
              guint        line,
              const char  *section,
              const char  *key,
              const char  *format,
              ...)
{
  g_autofree char *where = NULL;
  g_autofree char *text = NULL;
  va_list args;

  if (error == NULL)
    return;

  where = format_where (filename, line, section, key);
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, SY_ERROR, SY_ERROR_CONFIG, "%s%s", where, text);
}

void
sy_wg_profile_add_warning (SyWgProfile *profile,
                           const char  *filename,
                           guint        line,
                           const char  *section,
                           const char  *key,
                           const char  *format,
                           ...)
{
  g_autofree char *where = NULL;
  g_autofree char *text = NULL;
  va_list args;

  where = format_where (filename, line, section, key);
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_ptr_array_add (profile->warnings, g_strconcat (where, text, NULL));
}

char *
sy_wg_profile_name_for_file (const char *filename)
{
  g_autofree char *base = NULL;

  if (filename == NULL)
    return NULL;

  base = g_path_get_basename (filename);
  if (g_str_has_suffix (base, ".conf") && strlen (base) > strlen (".conf"))
    base[strlen (base) - strlen (".conf")] = '\0';

  return g_steal_pointer (&base);
}

char *
sy_wg_quote (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value, -1);
  GString *quoted = g_string_new (NULL);
  guint count = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p), count++)
    {
      gunichar c = g_utf8_get_char (p);

      if (count == 60)
        {
          g_string_append (quoted, "…");
          break;
        }
      if (c < 0x20 || c == 0x7f)
        g_string_append_c (quoted, '?');
      else
        g_string_append_unichar (quoted, c);
    }

  return g_string_free (quoted, FALSE);
}

gboolean
sy_wg_is_plausible_key_name (const char *key)
{
  gsize length = strlen (key);

  if (length == 0 || length > 32)
    return FALSE;

  for (const char *p = key; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (" _.-", *p) == NULL)
      return FALSE;

  return TRUE;
}

gboolean
sy_wg_parse_port (const char *text,
                  guint       min,
                  guint16    *port)
{
  guint value = 0;

  if (text[0] == '\0')
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      value = value * 10 + (guint) (*p - '0');
      if (value > G_MAXUINT16)
        return FALSE;
    }

  if (value < min)
    return FALSE;

  *port = (guint16) value;
  return TRUE;
}

gboolean
sy_wg_check_host (const char  *host,
                  char       **problem)
{
  g_autofree char *ascii = NULL;
  guint8 family;
  guint8 bytes[16];
  const char *label;
  gsize length = strlen (host);

  if (length == 0)
    {
      *problem = g_strdup ("the host is empty");
      return FALSE;
    }

  if (strchr (host, ':') != NULL)
    {
      g_autofree char *quoted = NULL;

      if (sy_wg_address_parse (host, &family, bytes))
        return TRUE;

      quoted = sy_wg_quote (host);
      *problem = g_strdup_printf ("'%s' is not an IPv6 address", quoted);
      return FALSE;
    }

  if (sy_wg_address_parse (host, &family, bytes))
    return TRUE;

  if (!g_utf8_validate (host, -1, NULL))
    {
      *problem = g_strdup ("the host name is not valid UTF-8");
      return FALSE;
    }

  /* Names go to the resolver as they are; what cannot be part of a DNS
   * name would also break the file this profile is written back to. */
  for (const char *p = host; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f || strchr (" /\\[]#,;=@%\"'`", *p) != NULL)
        {
          g_autofree char *quoted = sy_wg_quote (host);

          *problem = g_strdup_printf ("'%s' is not a host name", quoted);
          return FALSE;
        }
    }

  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL || strlen (ascii) > 253)
    {
      g_autofree char *quoted = sy_wg_quote (host);

      *problem = g_strdup_printf ("'%s' is not a host name", quoted);
      return FALSE;
    }

  label = ascii;
  while (TRUE)
    {
      const char *dot = strchr (label, '.');
      gsize label_length = dot != NULL ? (gsize) (dot - label) : strlen (label);

      /* One trailing dot (a fully qualified name) is fine. */
      if ((label_length == 0 && !(dot == NULL && label != ascii)) || label_length > 63)
        {
          g_autofree char *quoted = sy_wg_quote (host);

          *problem = g_strdup_printf ("'%s' is not a host name", quoted);
          return FALSE;
        }
      if (dot == NULL)
        break;
      label = dot + 1;
    }

  return TRUE;
}

gboolean
sy_wg_read_file (const char  *path,
                 char       **contents,
                 GError     **error)
{
  g_autofree char *buffer = NULL;
  g_autofree char *display = g_filename_display_name (path);
  struct stat st;
  gsize length = 0;
  int fd;

  /* O_NONBLOCK: a FIFO or a device given by mistake must not hang the
   * service; it is refused below anyway. */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, SY_ERROR, SY_ERROR_CONFIG, "%s: cannot be read: %s",
                   display, g_strerror (saved_errno));
      return FALSE;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                   "%s: is not a regular file; give the path of a configuration file",
                   display);
      close (fd);
      return FALSE;
    }

  buffer = g_malloc (SY_WG_FILE_MAX_SIZE + 2);
  while (length <= SY_WG_FILE_MAX_SIZE)
    {
      gssize n = read (fd, buffer + length, SY_WG_FILE_MAX_SIZE + 1 - length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, SY_ERROR, SY_ERROR_CONFIG, "%s: cannot be read: %s",
                       display, g_strerror (saved_errno));
          sy_secret_wipe (buffer, length);
          close (fd);
          return FALSE;
        }
      if (n == 0)
        break;
      length += (gsize) n;
    }
  close (fd);

  if (length > SY_WG_FILE_MAX_SIZE)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                   "%s: is larger than %u KiB, too large for a configuration file; "
                   "is this the right file?", display, SY_WG_FILE_MAX_SIZE / 1024);
      sy_secret_wipe (buffer, length);
      return FALSE;
    }
  if (memchr (buffer, '\0', length) != NULL)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                   "%s: contains NUL bytes; is this the right file?", display);
      sy_secret_wipe (buffer, length);
      return FALSE;
    }

  buffer[length] = '\0';
  *contents = g_steal_pointer (&buffer);
  return TRUE;
}

const char *
sy_wg_ignored_key_reason (const char *key)
{
  static const struct
  {
    const char *key;
    const char *reason;
  } reasons[] = {
    { "Table", "ignored: Switchyard routes inside its own tunnel and changes no routing table" },
    { "PreUp", "ignored: Switchyard runs WireGuard without a network interface, so wg-quick's "
               "commands do not run" },
    { "PostUp", "ignored: Switchyard runs WireGuard without a network interface, so wg-quick's "
                "commands do not run" },
    { "PreDown", "ignored: Switchyard runs WireGuard without a network interface, so wg-quick's "
                 "commands do not run" },
    { "PostDown", "ignored: Switchyard runs WireGuard without a network interface, so wg-quick's "
                  "commands do not run" },
    { "SaveConfig", "ignored: there is no interface whose state could be saved to this file" },
    { "FwMark", "ignored: the mark only matters for a kernel interface's routing; Switchyard's "
                "packets to the peers are not marked" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (g_str_equal (key, reasons[i].key))
      return reasons[i].reason;

  return NULL;
}

/* ---------------------------------------------------------------------- */
/* peers                                                                   */

SyWgPeer *
sy_wg_peer_new (void)
{
  SyWgPeer *peer = g_new0 (SyWgPeer, 1);

  peer->allowed_ips = g_array_new (FALSE, TRUE, sizeof (SyWgPrefix));

  return peer;
}

SyWgPeer *
sy_wg_peer_copy (const SyWgPeer *peer)
{
  SyWgPeer *copy;

  g_return_val_if_fail (peer != NULL, NULL);

  copy = sy_wg_peer_new ();
  memcpy (copy->public_key, peer->public_key, SY_WG_KEY_LEN);
  copy->has_preshared_key = peer->has_preshared_key;
  memcpy (copy->preshared_key, peer->preshared_key, SY_WG_KEY_LEN);
  copy->endpoint_host = g_strdup (peer->endpoint_host);
  copy->endpoint_port = peer->endpoint_port;
  g_array_append_vals (copy->allowed_ips, peer->allowed_ips->data, peer->allowed_ips->len);
  copy->persistent_keepalive = peer->persistent_keepalive;

  return copy;
}

void
sy_wg_peer_free (SyWgPeer *peer)
{
  if (peer == NULL)
    return;

  sy_secret_wipe (peer->preshared_key, SY_WG_KEY_LEN);
  g_free (peer->endpoint_host);
  g_array_unref (peer->allowed_ips);
  g_free (peer);
}

static gboolean
prefix_arrays_equal (GArray *a,
                     GArray *b)
{
  if (a->len != b->len)
    return FALSE;

  for (guint i = 0; i < a->len; i++)
    if (!sy_wg_prefix_equal (&g_array_index (a, SyWgPrefix, i), &g_array_index (b, SyWgPrefix, i)))
      return FALSE;

  return TRUE;
}

gboolean
sy_wg_peer_equal (const SyWgPeer *a,
                  const SyWgPeer *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return sy_wg_key_equal (a->public_key, b->public_key) &&
         a->has_preshared_key == b->has_preshared_key &&
         sy_wg_key_equal (a->preshared_key, b->preshared_key) &&
         g_strcmp0 (a->endpoint_host, b->endpoint_host) == 0 &&
         a->endpoint_port == b->endpoint_port &&
         prefix_arrays_equal (a->allowed_ips, b->allowed_ips) &&
         a->persistent_keepalive == b->persistent_keepalive;
}

char *
sy_wg_peer_format_endpoint (const SyWgPeer *peer)
{
  g_return_val_if_fail (peer != NULL, NULL);

  if (peer->endpoint_host == NULL)
    return NULL;

  if (strchr (peer->endpoint_host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", peer->endpoint_host, peer->endpoint_port);

  return g_strdup_printf ("%s:%u", peer->endpoint_host, peer->endpoint_port);
}

/* ---------------------------------------------------------------------- */
/* profiles                                                                */

G_DEFINE_BOXED_TYPE (SyWgProfile, sy_wg_profile, sy_wg_profile_ref, sy_wg_profile_unref)

SyWgProfile *
sy_wg_profile_new (const char *name)
{
  SyWgProfile *self = g_new0 (SyWgProfile, 1);

  g_ref_count_init (&self->ref_count);
  self->name = g_strdup (name);
  self->addresses = g_array_new (FALSE, TRUE, sizeof (SyWgPrefix));
  self->dns = g_ptr_array_new_with_free_func (g_object_unref);
  self->dns_search = g_ptr_array_new_with_free_func (g_free);
  self->mtu = SY_WG_DEFAULT_MTU;
  self->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_wg_peer_free);
  self->warnings = g_ptr_array_new_null_terminated (0, g_free, TRUE);

  return self;
}

SyWgProfile *
sy_wg_profile_ref (SyWgProfile *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_ref_count_inc (&self->ref_count);
  return self;
}

void
sy_wg_profile_unref (SyWgProfile *self)
{
  g_return_if_fail (self != NULL);

  if (!g_ref_count_dec (&self->ref_count))
    return;

  sy_secret_wipe (self->private_key, SY_WG_KEY_LEN);
  g_free (self->name);
  g_array_unref (self->addresses);
  g_ptr_array_unref (self->dns);
  g_ptr_array_unref (self->dns_search);
  g_ptr_array_unref (self->peers);
  g_ptr_array_unref (self->warnings);
  g_free (self);
}

SyWgProfile *
sy_wg_profile_copy (const SyWgProfile *self)
{
  SyWgProfile *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = sy_wg_profile_new (self->name);
  memcpy (copy->private_key, self->private_key, SY_WG_KEY_LEN);
  g_array_append_vals (copy->addresses, self->addresses->data, self->addresses->len);
  for (guint i = 0; i < self->dns->len; i++)
    g_ptr_array_add (copy->dns, g_object_ref (g_ptr_array_index (self->dns, i)));
  for (guint i = 0; i < self->dns_search->len; i++)
    g_ptr_array_add (copy->dns_search, g_strdup (g_ptr_array_index (self->dns_search, i)));
  copy->mtu = self->mtu;
  copy->listen_port = self->listen_port;
  for (guint i = 0; i < self->peers->len; i++)
    g_ptr_array_add (copy->peers, sy_wg_peer_copy (g_ptr_array_index (self->peers, i)));
  for (guint i = 0; i < self->warnings->len; i++)
    g_ptr_array_add (copy->warnings, g_strdup (g_ptr_array_index (self->warnings, i)));

  return copy;
}

gboolean
sy_wg_profile_equal (const SyWgProfile *a,
                     const SyWgProfile *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  if (g_strcmp0 (a->name, b->name) != 0 ||
      !sy_wg_key_equal (a->private_key, b->private_key) ||
      !prefix_arrays_equal (a->addresses, b->addresses) ||
      a->dns->len != b->dns->len ||
      a->dns_search->len != b->dns_search->len ||
      a->mtu != b->mtu ||
      a->listen_port != b->listen_port ||
      a->peers->len != b->peers->len)
    return FALSE;

  for (guint i = 0; i < a->dns->len; i++)
    if (!g_inet_address_equal (g_ptr_array_index (a->dns, i), g_ptr_array_index (b->dns, i)))
      return FALSE;
  for (guint i = 0; i < a->dns_search->len; i++)
    if (!g_str_equal (g_ptr_array_index (a->dns_search, i), g_ptr_array_index (b->dns_search, i)))
      return FALSE;
  for (guint i = 0; i < a->peers->len; i++)
    if (!sy_wg_peer_equal (g_ptr_array_index (a->peers, i), g_ptr_array_index (b->peers, i)))
      return FALSE;

  return TRUE;
}

const char * const *
sy_wg_profile_get_warnings (const SyWgProfile *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (self != NULL, NULL);

  /* A null-terminated GPtrArray has no pdata until its first element. */
  if (self->warnings->pdata == NULL)
    return none;

  return (const char * const *) self->warnings->pdata;
}

/* wg-quick decides by this pattern whether a DNS= entry is a server or a
 * search domain: digits and dots, or anything with a colon, is a server. */
static gboolean
dns_entry_is_address (const char *entry)
{
  return strchr (entry, ':') != NULL || strspn (entry, "0123456789.") == strlen (entry);
}

gboolean
sy_wg_profile_validate (const SyWgProfile  *self,
                        GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (sy_wg_key_is_zero (self->private_key))
    {
      g_set_error_literal (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "[Interface] PrivateKey: is not set");
      return FALSE;
    }

  if (self->mtu < SY_WG_MIN_MTU || self->mtu > SY_WG_MAX_MTU)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                   "[Interface] MTU: %u is out of range; write %u–%u",
                   self->mtu, SY_WG_MIN_MTU, SY_WG_MAX_MTU);
      return FALSE;
    }

  for (guint i = 0; i < self->addresses->len; i++)
    {
      const SyWgPrefix *prefix = &g_array_index (self->addresses, SyWgPrefix, i);

      if ((prefix->family != 4 && prefix->family != 6) ||
          prefix->length > (prefix->family == 4 ? 32 : 128))
        {
          g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                       "[Interface] Address: entry %u is not an IPv4 or IPv6 prefix", i + 1);
          return FALSE;
        }
    }

  for (guint i = 0; i < self->dns_search->len; i++)
    {
      const char *domain = g_ptr_array_index (self->dns_search, i);
      g_autofree char *problem = NULL;

      if (dns_entry_is_address (domain) || !sy_wg_check_host (domain, &problem))
        {
          g_autofree char *quoted = sy_wg_quote (domain);

          g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                       "[Interface] DNS: '%s' is not a search domain", quoted);
          return FALSE;
        }
    }

  for (guint i = 0; i < self->peers->len; i++)
    {
      const SyWgPeer *peer = g_ptr_array_index (self->peers, i);

      if (sy_wg_key_is_zero (peer->public_key))
        {
          g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                       "[Peer] %u: PublicKey: is not set", i + 1);
          return FALSE;
        }

      for (guint j = 0; j < i; j++)
        {
          const SyWgPeer *other = g_ptr_array_index (self->peers, j);

          if (sy_wg_key_equal (peer->public_key, other->public_key))
            {
              g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "[Peer] %u: PublicKey: is the same as peer %u's", i + 1, j + 1);
              return FALSE;
            }
        }

      if (peer->endpoint_host != NULL)
        {
          g_autofree char *problem = NULL;

          if (!sy_wg_check_host (peer->endpoint_host, &problem))
            {
              g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "[Peer] %u: Endpoint: %s", i + 1, problem);
              return FALSE;
            }
          if (peer->endpoint_port == 0)
            {
              g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "[Peer] %u: Endpoint: has no port", i + 1);
              return FALSE;
            }
        }

      for (guint j = 0; j < peer->allowed_ips->len; j++)
        {
          const SyWgPrefix *prefix = &g_array_index (peer->allowed_ips, SyWgPrefix, j);

          if ((prefix->family != 4 && prefix->family != 6) ||
              prefix->length > (prefix->family == 4 ? 32 : 128) ||
              !sy_wg_prefix_is_masked (prefix))
            {
              g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "[Peer] %u: AllowedIPs: entry %u is not a network prefix", i + 1, j + 1);
              return FALSE;
            }
        }
    }

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* the wg-quick parser                                                     */

/* How wg(8) and wg-quick(8) read a value. */
typedef enum
{
  VALUE_STRIPPED,   /* wg(8): every blank removed */
  VALUE_TRIMMED,    /* wg-quick: blanks around removed */
  VALUE_LIST,       /* wg-quick: split at commas and blanks */
} ValueStyle;

typedef enum
{
  KEY_PRIVATE_KEY,
  KEY_LISTEN_PORT,
  KEY_FW_MARK,
  KEY_ADDRESS,
  KEY_DNS,
  KEY_MTU,
  KEY_TABLE,
  KEY_PRE_UP,
  KEY_POST_UP,
  KEY_PRE_DOWN,
  KEY_POST_DOWN,
  KEY_SAVE_CONFIG,
  KEY_PUBLIC_KEY,
  KEY_PRESHARED_KEY,
  KEY_ENDPOINT,
  KEY_ALLOWED_IPS,
  KEY_PERSISTENT_KEEPALIVE,
  N_KEYS
} KeyId;

typedef struct
{
  const char *name;
  gboolean    peer;        /* [Peer], else [Interface] */
  ValueStyle  style;
  gboolean    repeatable;  /* lists and hooks; other keys appear once */
} KeySpec;

static const KeySpec wg_quick_keys[N_KEYS] = {
  [KEY_PRIVATE_KEY]          = { "PrivateKey",          FALSE, VALUE_STRIPPED, FALSE },
  [KEY_LISTEN_PORT]          = { "ListenPort",          FALSE, VALUE_STRIPPED, FALSE },
  [KEY_FW_MARK]              = { "FwMark",              FALSE, VALUE_STRIPPED, TRUE },
  [KEY_ADDRESS]              = { "Address",             FALSE, VALUE_LIST,     TRUE },
  [KEY_DNS]                  = { "DNS",                 FALSE, VALUE_LIST,     TRUE },
  [KEY_MTU]                  = { "MTU",                 FALSE, VALUE_TRIMMED,  FALSE },
  [KEY_TABLE]                = { "Table",               FALSE, VALUE_TRIMMED,  TRUE },
  [KEY_PRE_UP]               = { "PreUp",               FALSE, VALUE_TRIMMED,  TRUE },
  [KEY_POST_UP]              = { "PostUp",              FALSE, VALUE_TRIMMED,  TRUE },
  [KEY_PRE_DOWN]             = { "PreDown",             FALSE, VALUE_TRIMMED,  TRUE },
  [KEY_POST_DOWN]            = { "PostDown",            FALSE, VALUE_TRIMMED,  TRUE },
  [KEY_SAVE_CONFIG]          = { "SaveConfig",          FALSE, VALUE_TRIMMED,  TRUE },
  [KEY_PUBLIC_KEY]           = { "PublicKey",           TRUE,  VALUE_STRIPPED, FALSE },
  [KEY_PRESHARED_KEY]        = { "PresharedKey",        TRUE,  VALUE_STRIPPED, FALSE },
  [KEY_ENDPOINT]             = { "Endpoint",            TRUE,  VALUE_STRIPPED, FALSE },
  [KEY_ALLOWED_IPS]          = { "AllowedIPs",          TRUE,  VALUE_STRIPPED, TRUE },
  [KEY_PERSISTENT_KEEPALIVE] = { "PersistentKeepalive", TRUE,  VALUE_STRIPPED, FALSE },
};

typedef enum
{
  SECTION_NONE,
  SECTION_INTERFACE,
  SECTION_PEER,
} Section;

typedef struct
{
  const char   *filename;
  SyWgProfile  *profile;
  Section       section;
  guint         interface_line;      /* 0: no [Interface] yet */
  guint         private_key_line;
  SyWgPeer     *peer;                /* the current [Peer], owned by profile */
  guint         peer_line;
  guint         key_lines[N_KEYS];   /* first line of each key in the current section */
  GArray       *public_key_lines;    /* guint per peer */
} WgQuickParser;

/* wg(8)'s blanks: \t \n \v \f \r and space. */
static gboolean
wg_is_space (char c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}

static char *
strip_all_blanks (const char *text,
                  gsize       length)
{
  char *out = g_malloc (length + 1);
  gsize n = 0;

  for (gsize i = 0; i < length; i++)
    if (!wg_is_space (text[i]))
      out[n++] = text[i];
  out[n] = '\0';

  return out;
}

static char *
trim_blanks (const char *text,
             gsize       length)
{
  while (length > 0 && wg_is_space (text[0]))
    {
      text++;
      length--;
    }
  while (length > 0 && wg_is_space (text[length - 1]))
    length--;

  return g_strndup (text, length);
}

static const char *
section_name (Section section)
{
  return section == SECTION_PEER ? "Peer" : "Interface";
}

static void
report_unknown_key (WgQuickParser  *parser,
                    guint           line,
                    const char     *key,
                    int             id,
                    GError        **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_null_terminated (N_KEYS, NULL, TRUE);
  g_autofree char *quoted = sy_wg_quote (key);
  gboolean peer = parser->section == SECTION_PEER;
  const char *section = section_name (parser->section);
  const char *suggestion;

  if (key[0] == '\0')
    {
      sy_wg_report (error, parser->filename, line, section, NULL,
                    "a line starts with '='; write KEY = VALUE");
      return;
    }
  if (!sy_wg_is_plausible_key_name (key))
    {
      sy_wg_report (error, parser->filename, line, section, NULL,
                    "this line does not start with a key name; write KEY = VALUE");
      return;
    }

  /* A key of the other section: most likely a section header is missing. */
  if (id >= 0)
    {
      sy_wg_report (error, parser->filename, line, section, wg_quick_keys[id].name,
                    "belongs in [%s], not in [%s]", peer ? "Interface" : "Peer", section);
      return;
    }

  for (guint i = 0; i < N_KEYS; i++)
    if (wg_quick_keys[i].peer == peer)
      g_ptr_array_add (names, (gpointer) wg_quick_keys[i].name);

  suggestion = sy_key_file_suggest (key, (const char * const *) names->pdata);
  if (suggestion != NULL)
    {
      sy_wg_report (error, parser->filename, line, section, quoted,
                    "is not a key of [%s]; did you mean %s?", section, suggestion);
    }
  else
    {
      g_autofree char *list = g_strjoinv (", ", (char **) names->pdata);

      sy_wg_report (error, parser->filename, line, section, quoted,
                    "is not a key of [%s]; its keys are %s", section, list);
    }
}

/* Closes the current [Peer]: it must have a public key, unlike any other. */
static gboolean
finish_peer (WgQuickParser  *parser,
             GError        **error)
{
  guint index;

  if (parser->peer == NULL)
    return TRUE;

  if (parser->key_lines[KEY_PUBLIC_KEY] == 0)
    {
      sy_wg_report (error, parser->filename, parser->peer_line, "Peer", NULL,
                    "has no PublicKey; add the peer's public key, e.g. PublicKey = "
                    "(the output of `wg pubkey` on the peer)");
      return FALSE;
    }

  index = parser->profile->peers->len - 1;
  for (guint i = 0; i < index; i++)
    {
      const SyWgPeer *other = g_ptr_array_index (parser->profile->peers, i);

      if (sy_wg_key_equal (other->public_key, parser->peer->public_key))
        {
          sy_wg_report (error, parser->filename, parser->key_lines[KEY_PUBLIC_KEY], "Peer",
                        "PublicKey", "is the same as the peer's at line %u; "
                        "merge the two [Peer] sections into one",
                        g_array_index (parser->public_key_lines, guint, i));
          return FALSE;
        }
    }

  g_array_append_val (parser->public_key_lines, parser->key_lines[KEY_PUBLIC_KEY]);
  parser->peer = NULL;
  return TRUE;
}

static gboolean
begin_section (WgQuickParser  *parser,
               const char     *header,
               guint           line,
               GError        **error)
{
  if (!finish_peer (parser, error))
    return FALSE;

  memset (parser->key_lines, 0, sizeof parser->key_lines);

  if (g_ascii_strcasecmp (header, "[Interface]") == 0)
    {
      if (parser->interface_line != 0)
        {
          sy_wg_report (error, parser->filename, line, "Interface", NULL,
                        "appears a second time (first at line %u); merge the two sections "
                        "into one", parser->interface_line);
          return FALSE;
        }
      parser->section = SECTION_INTERFACE;
      parser->interface_line = line;
      return TRUE;
    }

  if (g_ascii_strcasecmp (header, "[Peer]") == 0)
    {
      parser->section = SECTION_PEER;
      parser->peer = sy_wg_peer_new ();
      parser->peer_line = line;
      g_ptr_array_add (parser->profile->peers, parser->peer);
      return TRUE;
    }

  {
    static const char * const sections[] = { "Interface", "Peer", NULL };
    const char *close = strchr (header, ']');
    g_autofree char *name = NULL;
    g_autofree char *quoted = NULL;
    const char *suggestion;

    if (close == NULL)
      {
        quoted = sy_wg_quote (header);
        sy_wg_report (error, parser->filename, line, NULL, NULL,
                      "the section header '%s' has no closing ']'", quoted);
        return FALSE;
      }
    /* The text after it may hold a key: it is not repeated. */
    if (close[1] != '\0')
      {
        g_autofree char *section = g_strndup (header, close + 1 - header);

        quoted = sy_wg_quote (section);
        sy_wg_report (error, parser->filename, line, NULL, NULL,
                      "text follows '%s' on the same line; move it to a line of its own "
                      "or start it with '#'", quoted);
        return FALSE;
      }

    name = g_strndup (header + 1, close - header - 1);
    quoted = sy_wg_quote (name);
    suggestion = sy_key_file_suggest (name, sections);
    if (suggestion != NULL)
      sy_wg_report (error, parser->filename, line, quoted, NULL,
                    "is not a section of a WireGuard configuration; did you mean [%s]?",
                    suggestion);
    else
      sy_wg_report (error, parser->filename, line, quoted, NULL,
                    "is not a section of a WireGuard configuration; the sections are "
                    "[Interface] and [Peer]");
    return FALSE;
  }
}

static gboolean
parse_key_value (WgQuickParser  *parser,
                 guint           line,
                 KeyId           id,
                 const char     *value,
                 guint8          key[SY_WG_KEY_LEN],
                 GError        **error)
{
  const KeySpec *spec = &wg_quick_keys[id];

  if (sy_wg_key_decode (value, key, TRUE))
    {
      /* wg(8) takes an all-zero private key as "none", and no peer has the
       * all-zero public key; both are placeholders someone forgot. */
      if (id != KEY_PRESHARED_KEY && sy_wg_key_is_zero (key))
        {
          sy_wg_report (error, parser->filename, line, section_name (parser->section), spec->name,
                        "is all zeros, a placeholder; %s",
                        id == KEY_PRIVATE_KEY ? "create a key with `wg genkey`"
                                              : "copy the peer's public key");
          return FALSE;
        }
      return TRUE;
    }

  sy_wg_report (error, parser->filename, line, section_name (parser->section), spec->name,
                "is not a WireGuard key (44 characters of base64 ending in '='); %s",
                id == KEY_PRIVATE_KEY ? "create one with `wg genkey`" :
                id == KEY_PRESHARED_KEY ? "create one with `wg genpsk`" :
                "copy the peer's public key exactly");
  return FALSE;
}

static gboolean
parse_endpoint (WgQuickParser  *parser,
                guint           line,
                const char     *value,
                GError        **error)
{
  g_autofree char *host = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *quoted = sy_wg_quote (value);
  const char *port;

  /* wg(8): "[host]:port", else the port follows the last colon. */
  if (value[0] == '[')
    {
      const char *close = strchr (value, ']');

      if (close == NULL || close[1] != ':')
        {
          sy_wg_report (error, parser->filename, line, "Peer", "Endpoint",
                        "'%s' is not [IPV6]:PORT; write e.g. [2001:db8::1]:51820", quoted);
          return FALSE;
        }
      host = g_strndup (value + 1, close - value - 1);
      port = close + 2;
    }
  else
    {
      const char *colon = strrchr (value, ':');

      if (colon == NULL)
        {
          sy_wg_report (error, parser->filename, line, "Peer", "Endpoint",
                        "'%s' has no port; write HOST:PORT, e.g. vpn.example.net:51820", quoted);
          return FALSE;
        }
      host = g_strndup (value, colon - value);
      port = colon + 1;
    }

  if (!sy_wg_check_host (host, &problem))
    {
      sy_wg_report (error, parser->filename, line, "Peer", "Endpoint",
                    "%s; write HOST:PORT, e.g. vpn.example.net:51820 or [2001:db8::1]:51820",
                    problem);
      return FALSE;
    }

  if (!sy_wg_parse_port (port, 1, &parser->peer->endpoint_port))
    {
      g_autofree char *quoted_port = sy_wg_quote (port);

      sy_wg_report (error, parser->filename, line, "Peer", "Endpoint",
                    "'%s' is not a port number (1–65535)", quoted_port);
      return FALSE;
    }

  g_free (parser->peer->endpoint_host);
  parser->peer->endpoint_host = g_steal_pointer (&host);
  return TRUE;
}

static gboolean
parse_prefix (WgQuickParser  *parser,
              guint           line,
              const char     *key,
              const char     *entry,
              const char     *example,
              SyWgPrefix     *prefix,
              GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *quoted = NULL;

  if (sy_wg_prefix_parse (entry, prefix, &local_error))
    return TRUE;

  quoted = sy_wg_quote (local_error->message);
  sy_wg_report (error, parser->filename, line, section_name (parser->section), key,
                "%s; write e.g. %s", quoted, example);
  return FALSE;
}

static gboolean
parse_allowed_ips (WgQuickParser  *parser,
                   guint           line,
                   const char     *value,
                   GError        **error)
{
  g_auto(GStrv) entries = NULL;

  if (value[0] == '\0')
    {
      sy_wg_report (error, parser->filename, line, "Peer", "AllowedIPs",
                    "is empty; write the addresses routed to this peer, e.g. 0.0.0.0/0, ::/0");
      return FALSE;
    }

  entries = g_strsplit (value, ",", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      SyWgPrefix prefix;

      if (entries[i][0] == '\0')
        {
          sy_wg_report (error, parser->filename, line, "Peer", "AllowedIPs",
                        "has an empty entry; separate prefixes with single commas");
          return FALSE;
        }
      if (entries[i][0] == '+' || entries[i][0] == '-')
        {
          sy_wg_report (error, parser->filename, line, "Peer", "AllowedIPs",
                        "'%c' before a prefix is for `wg set`, not for files; remove it",
                        entries[i][0]);
          return FALSE;
        }
      if (!parse_prefix (parser, line, "AllowedIPs", entries[i], "10.0.0.0/24 or fd00::/64",
                         &prefix, error))
        return FALSE;

      if (!sy_wg_prefix_is_masked (&prefix))
        {
          char written[SY_WG_PREFIX_STRING_MAX];
          char masked[SY_WG_PREFIX_STRING_MAX];

          sy_wg_prefix_format (&prefix, written);
          sy_wg_prefix_mask (&prefix);
          sy_wg_prefix_format (&prefix, masked);
          sy_wg_profile_add_warning (parser->profile, parser->filename, line, "Peer",
                                     "AllowedIPs", "%s has host bits set; it means %s",
                                     written, masked);
        }
      g_array_append_val (parser->peer->allowed_ips, prefix);
    }

  return TRUE;
}

static gboolean
parse_dns_entry (WgQuickParser  *parser,
                 guint           line,
                 const char     *entry,
                 GError        **error)
{
  g_autofree char *problem = NULL;
  guint8 family;
  guint8 bytes[16];

  if (dns_entry_is_address (entry))
    {
      if (!sy_wg_address_parse (entry, &family, bytes))
        {
          g_autofree char *quoted = sy_wg_quote (entry);

          sy_wg_report (error, parser->filename, line, "Interface", "DNS",
                        "'%s' is not an IP address; write DNS servers like 10.64.0.1 or "
                        "fd00::1, and search domains like corp.example", quoted);
          return FALSE;
        }
      g_ptr_array_add (parser->profile->dns,
                       g_inet_address_new_from_bytes (bytes, family == 4 ? G_SOCKET_FAMILY_IPV4
                                                                         : G_SOCKET_FAMILY_IPV6));
      return TRUE;
    }

  if (!sy_wg_check_host (entry, &problem))
    {
      sy_wg_report (error, parser->filename, line, "Interface", "DNS",
                    "%s, nor an IP address; write DNS servers like 10.64.0.1 and search "
                    "domains like corp.example", problem);
      return FALSE;
    }

  g_ptr_array_add (parser->profile->dns_search, g_strdup (entry));
  return TRUE;
}

static gboolean
parse_list_key (WgQuickParser  *parser,
                guint           line,
                KeyId           id,
                const char     *value,
                GError        **error)
{
  const char *p = value;

  /* wg-quick splits at commas and then at blanks (bash word splitting);
   * empty entries vanish. */
  while (*p != '\0')
    {
      gsize length;
      g_autofree char *entry = NULL;

      while (*p == ',' || wg_is_space (*p))
        p++;
      if (*p == '\0')
        break;

      length = 0;
      while (p[length] != '\0' && p[length] != ',' && !wg_is_space (p[length]))
        length++;
      entry = g_strndup (p, length);
      p += length;

      if (id == KEY_ADDRESS)
        {
          SyWgPrefix prefix;

          if (!parse_prefix (parser, line, "Address", entry, "10.8.0.2/32 or fd00::2/128",
                             &prefix, error))
            return FALSE;
          g_array_append_val (parser->profile->addresses, prefix);
        }
      else if (!parse_dns_entry (parser, line, entry, error))
        {
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
parse_number (const char *text,
              guint       max,
              guint      *number)
{
  guint value = 0;

  if (text[0] == '\0')
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      value = value * 10 + (guint) (*p - '0');
      if (value > max)
        return FALSE;
    }

  *number = value;
  return TRUE;
}

static gboolean
apply_key (WgQuickParser  *parser,
           guint           line,
           KeyId           id,
           const char     *value,
           GError        **error)
{
  const KeySpec *spec = &wg_quick_keys[id];
  const char *reason = sy_wg_ignored_key_reason (spec->name);
  guint number;

  if (reason != NULL)
    {
      sy_wg_profile_add_warning (parser->profile, parser->filename, line, "Interface",
                                 spec->name, "%s", reason);
      return TRUE;
    }

  switch (id)
    {
    case KEY_PRIVATE_KEY:
      parser->private_key_line = line;
      return parse_key_value (parser, line, id, value, parser->profile->private_key, error);

    case KEY_LISTEN_PORT:
      if (!parse_number (value, G_MAXUINT16, &number))
        {
          g_autofree char *quoted = sy_wg_quote (value);

          sy_wg_report (error, parser->filename, line, "Interface", "ListenPort",
                        "'%s' is not a port number (0–65535); remove the line to use any "
                        "free port", quoted);
          return FALSE;
        }
      parser->profile->listen_port = (guint16) number;
      return TRUE;

    case KEY_ADDRESS:
    case KEY_DNS:
      return parse_list_key (parser, line, id, value, error);

    case KEY_MTU:
      /* wg-quick treats an empty MTU as unset. */
      if (value[0] == '\0')
        return TRUE;
      if (!parse_number (value, G_MAXUINT, &number) ||
          number < SY_WG_MIN_MTU || number > SY_WG_MAX_MTU)
        {
          g_autofree char *quoted = sy_wg_quote (value);

          sy_wg_report (error, parser->filename, line, "Interface", "MTU",
                        "'%s' is not an MTU; write a number of bytes from %u to %u, "
                        "usually 1420", quoted, SY_WG_MIN_MTU, SY_WG_MAX_MTU);
          return FALSE;
        }
      parser->profile->mtu = number;
      return TRUE;

    case KEY_PUBLIC_KEY:
      return parse_key_value (parser, line, id, value, parser->peer->public_key, error);

    case KEY_PRESHARED_KEY:
      if (!parse_key_value (parser, line, id, value, parser->peer->preshared_key, error))
        return FALSE;
      parser->peer->has_preshared_key = TRUE;
      return TRUE;

    case KEY_ENDPOINT:
      return parse_endpoint (parser, line, value, error);

    case KEY_ALLOWED_IPS:
      return parse_allowed_ips (parser, line, value, error);

    case KEY_PERSISTENT_KEEPALIVE:
      if (g_ascii_strcasecmp (value, "off") == 0)
        number = 0;
      else if (!parse_number (value, G_MAXUINT16, &number))
        {
          g_autofree char *quoted = sy_wg_quote (value);

          sy_wg_report (error, parser->filename, line, "Peer", "PersistentKeepalive",
                        "'%s' is not a number of seconds (0–65535) or off; 25 is usual "
                        "behind NAT", quoted);
          return FALSE;
        }
      parser->peer->persistent_keepalive = (guint16) number;
      return TRUE;

    case KEY_FW_MARK:
    case KEY_TABLE:
    case KEY_PRE_UP:
    case KEY_POST_UP:
    case KEY_PRE_DOWN:
    case KEY_POST_DOWN:
    case KEY_SAVE_CONFIG:
    case N_KEYS:
    default:
      g_assert_not_reached ();
    }

  return FALSE;
}

static gboolean
parse_line (WgQuickParser  *parser,
            const char     *text,
            gsize           length,
            guint           line,
            GError        **error)
{
  /* The line may hold a key: every copy is wiped. */
  g_autoptr(SySecret) stripped = NULL;
  g_autoptr(SySecret) key = NULL;
  g_autoptr(SySecret) value = NULL;
  const char *comment = memchr (text, '#', length);
  const char *equals;
  int id = -1;

  /* wg(8): a comment runs from '#' to the end of the line, anywhere. */
  if (comment != NULL)
    length = comment - text;

  stripped = strip_all_blanks (text, length);
  if (stripped[0] == '\0')
    return TRUE;

  if (stripped[0] == '[')
    return begin_section (parser, stripped, line, error);

  /* Such a line may be a key without its '=': it is not repeated. */
  equals = memchr (text, '=', length);
  if (equals == NULL)
    {
      sy_wg_report (error, parser->filename, line, NULL, NULL,
                    "this line is neither a [Section] nor a KEY = VALUE line");
      return FALSE;
    }

  key = strip_all_blanks (text, equals - text);
  for (guint i = 0; i < N_KEYS; i++)
    if (g_ascii_strcasecmp (key, wg_quick_keys[i].name) == 0)
      id = (int) i;

  if (parser->section == SECTION_NONE)
    {
      g_autofree char *quoted = sy_wg_quote (key);

      if (!sy_wg_is_plausible_key_name (key))
        sy_wg_report (error, parser->filename, line, NULL, NULL,
                      "this line does not start with a key name, and comes before any section");
      else if (id >= 0)
        sy_wg_report (error, parser->filename, line, NULL, quoted,
                      "comes before any section; put it under [%s]",
                      wg_quick_keys[id].peer ? "Peer" : "Interface");
      else
        sy_wg_report (error, parser->filename, line, NULL, quoted,
                      "comes before any section, and is not a WireGuard key");
      return FALSE;
    }

  if (id < 0 || wg_quick_keys[id].peer != (parser->section == SECTION_PEER))
    {
      report_unknown_key (parser, line, key, id, error);
      return FALSE;
    }

  if (!wg_quick_keys[id].repeatable)
    {
      if (parser->key_lines[id] != 0)
        {
          sy_wg_report (error, parser->filename, line, section_name (parser->section),
                        wg_quick_keys[id].name,
                        "appears a second time (first at line %u); keep one",
                        parser->key_lines[id]);
          return FALSE;
        }
    }
  if (parser->key_lines[id] == 0)
    parser->key_lines[id] = line;

  switch (wg_quick_keys[id].style)
    {
    case VALUE_STRIPPED:
      value = strip_all_blanks (equals + 1, length - (equals + 1 - text));
      break;
    case VALUE_TRIMMED:
    case VALUE_LIST:
    default:
      value = trim_blanks (equals + 1, length - (equals + 1 - text));
      break;
    }

  /* wg(8) does not match "Key=" without a value; wg-quick's own keys may
   * be empty (nothing is added). */
  if (value[0] == '\0' && wg_quick_keys[id].style == VALUE_STRIPPED &&
      id != KEY_FW_MARK && id != KEY_ALLOWED_IPS)
    {
      sy_wg_report (error, parser->filename, line, section_name (parser->section),
                    wg_quick_keys[id].name, "is empty; write a value or remove the line");
      return FALSE;
    }

  return apply_key (parser, line, (KeyId) id, value, error);
}

SyWgProfile *
sy_wg_profile_parse_wg_quick (const char  *text,
                              const char  *filename,
                              GError     **error)
{
  g_autofree char *name = NULL;
  g_autofree char *display = NULL;
  g_autoptr(SyWgProfile) profile = NULL;
  WgQuickParser parser;
  const char *line_start;
  guint line = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Messages and names are UTF-8 whatever the file system's encoding. */
  if (filename != NULL)
    display = g_filename_display_name (filename);
  filename = display;
  name = sy_wg_profile_name_for_file (display);
  profile = sy_wg_profile_new (name);

  memset (&parser, 0, sizeof parser);
  parser.filename = filename;
  parser.profile = profile;
  parser.public_key_lines = g_array_new (FALSE, FALSE, sizeof (guint));

  line_start = text;
  while (ok && *line_start != '\0')
    {
      const char *newline = strchr (line_start, '\n');
      gsize length = newline != NULL ? (gsize) (newline - line_start) : strlen (line_start);

      line++;
      ok = parse_line (&parser, line_start, length, line, error);
      line_start += length;
      if (*line_start == '\n')
        line_start++;
    }

  if (ok)
    ok = finish_peer (&parser, error);

  if (ok && parser.interface_line == 0)
    {
      sy_wg_report (error, filename, 0, NULL, NULL,
                    "has no [Interface] section; a WireGuard configuration starts with "
                    "[Interface] and its PrivateKey");
      ok = FALSE;
    }
  else if (ok && parser.private_key_line == 0)
    {
      sy_wg_report (error, filename, parser.interface_line, "Interface", NULL,
                    "has no PrivateKey; add PrivateKey = (the output of `wg genkey`)");
      ok = FALSE;
    }

  g_array_unref (parser.public_key_lines);

  if (!ok)
    return NULL;

  return g_steal_pointer (&profile);
}

SyWgProfile *
sy_wg_profile_load_wg_quick (const char  *path,
                             GError     **error)
{
  g_autofree char *contents = NULL;
  SyWgProfile *profile;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!sy_wg_read_file (path, &contents, error))
    return NULL;

  profile = sy_wg_profile_parse_wg_quick (contents, path, error);
  sy_secret_wipe (contents, strlen (contents));

  return profile;
}

/* ---------------------------------------------------------------------- */
/* the wg-quick writer                                                     */

static void
append_key_line (GString      *out,
                 const char   *name,
                 const guint8  key[SY_WG_KEY_LEN])
{
  char *text = sy_wg_key_to_base64 (key);

  g_string_append_printf (out, "%s = %s\n", name, text);
  sy_secret_free (text);
}

static void
append_prefixes (GString    *out,
                 const char *name,
                 GArray     *prefixes)
{
  if (prefixes->len == 0)
    return;

  g_string_append_printf (out, "%s = ", name);
  for (guint i = 0; i < prefixes->len; i++)
    {
      char buffer[SY_WG_PREFIX_STRING_MAX];

      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, sy_wg_prefix_format (&g_array_index (prefixes, SyWgPrefix, i),
                                                 buffer));
    }
  g_string_append_c (out, '\n');
}

char *
sy_wg_profile_to_wg_quick (const SyWgProfile *self)
{
  GString *out;
  gsize size;

  g_return_val_if_fail (self != NULL, NULL);

  /* Sized up front so that the text holding the private key is not
   * reallocated (which would leave copies behind in freed memory). */
  size = 256 + (self->addresses->len + self->dns->len) * SY_WG_PREFIX_STRING_MAX;
  for (guint i = 0; i < self->dns_search->len; i++)
    size += strlen (g_ptr_array_index (self->dns_search, i)) + 2;
  for (guint i = 0; i < self->peers->len; i++)
    {
      const SyWgPeer *peer = g_ptr_array_index (self->peers, i);

      size += 256 + peer->allowed_ips->len * (SY_WG_PREFIX_STRING_MAX + 2);
      if (peer->endpoint_host != NULL)
        size += strlen (peer->endpoint_host);
    }
  out = g_string_sized_new (size);

  g_string_append (out, "[Interface]\n");
  append_key_line (out, "PrivateKey", self->private_key);
  append_prefixes (out, "Address", self->addresses);

  if (self->dns->len > 0 || self->dns_search->len > 0)
    {
      g_string_append (out, "DNS = ");
      for (guint i = 0; i < self->dns->len; i++)
        {
          g_autofree char *address = g_inet_address_to_string (g_ptr_array_index (self->dns, i));

          g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", address);
        }
      for (guint i = 0; i < self->dns_search->len; i++)
        g_string_append_printf (out, "%s%s", i > 0 || self->dns->len > 0 ? ", " : "",
                                (const char *) g_ptr_array_index (self->dns_search, i));
      g_string_append_c (out, '\n');
    }

  g_string_append_printf (out, "MTU = %u\n", self->mtu);
  if (self->listen_port != 0)
    g_string_append_printf (out, "ListenPort = %u\n", self->listen_port);

  for (guint i = 0; i < self->peers->len; i++)
    {
      const SyWgPeer *peer = g_ptr_array_index (self->peers, i);
      g_autofree char *endpoint = sy_wg_peer_format_endpoint (peer);

      g_string_append (out, "\n[Peer]\n");
      append_key_line (out, "PublicKey", peer->public_key);
      if (peer->has_preshared_key)
        append_key_line (out, "PresharedKey", peer->preshared_key);
      if (endpoint != NULL)
        g_string_append_printf (out, "Endpoint = %s\n", endpoint);
      append_prefixes (out, "AllowedIPs", peer->allowed_ips);
      if (peer->persistent_keepalive != 0)
        g_string_append_printf (out, "PersistentKeepalive = %u\n", peer->persistent_keepalive);
    }

  return g_string_free (out, FALSE);
}
