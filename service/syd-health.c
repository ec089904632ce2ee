/* syd-health.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "syd-health"

#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

#include "syd-health.h"
#include "util/sy-error.h"

/* wireproxy's allowance for the ping itself on top of the interval
 * (routine.go: "+2 seconds to account for the time it takes to ping"). */
#define READYZ_GRACE_S 2

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct
{
  char       *profile;
  SyWgDevice *device;
} Device;

struct _SydHealth
{
  GObject         parent_instance;

  SyDispatcher   *dispatcher;
  GArray         *devices;       /* Device */
  SydCheckAlive  *check_alive;
  SoupServer     *server;
};

G_DEFINE_FINAL_TYPE (SydHealth, syd_health, G_TYPE_OBJECT)

static void
device_clear (gpointer data)
{
  Device *device = data;

  g_clear_pointer (&device->profile, g_free);
  g_clear_object (&device->device);
}

static void
syd_health_dispose (GObject *object)
{
  SydHealth *self = SYD_HEALTH (object);

  syd_health_stop (self);
  g_clear_object (&self->check_alive);
  g_clear_object (&self->dispatcher);
  if (self->devices != NULL)
    g_array_set_size (self->devices, 0);

  G_OBJECT_CLASS (syd_health_parent_class)->dispose (object);
}

static void
syd_health_finalize (GObject *object)
{
  SydHealth *self = SYD_HEALTH (object);

  g_clear_pointer (&self->devices, g_array_unref);

  G_OBJECT_CLASS (syd_health_parent_class)->finalize (object);
}

static void
syd_health_class_init (SydHealthClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = syd_health_dispose;
  object_class->finalize = syd_health_finalize;
}

static void
syd_health_init (SydHealth *self)
{
  self->devices = g_array_new (FALSE, TRUE, sizeof (Device));
  g_array_set_clear_func (self->devices, device_clear);
}

SydHealth *
syd_health_new (SyDispatcher *dispatcher)
{
  SydHealth *self;

  g_return_val_if_fail (SY_IS_DISPATCHER (dispatcher), NULL);

  self = g_object_new (SYD_TYPE_HEALTH, NULL);
  self->dispatcher = g_object_ref (dispatcher);

  return self;
}

void
syd_health_add_device (SydHealth  *self,
                       const char *profile,
                       SyWgDevice *device)
{
  Device entry;

  g_return_if_fail (SYD_IS_HEALTH (self));
  g_return_if_fail (profile != NULL);
  g_return_if_fail (SY_IS_WG_DEVICE (device));

  entry.profile = g_strdup (profile);
  entry.device = g_object_ref (device);
  g_array_append_val (self->devices, entry);
}

void
syd_health_set_check_alive (SydHealth     *self,
                            SydCheckAlive *check_alive)
{
  g_return_if_fail (SYD_IS_HEALTH (self));
  g_return_if_fail (check_alive == NULL || SYD_IS_CHECK_ALIVE (check_alive));

  g_set_object (&self->check_alive, check_alive);
}

/* /readyz ----------------------------------------------------------------- */

typedef struct
{
  const char *address;
  gint64      last_pong;
} Record;

static int
record_compare (gconstpointer a,
                gconstpointer b)
{
  return strcmp (((const Record *) a)->address, ((const Record *) b)->address);
}

char *
syd_health_format_readyz (const char * const *addresses,
                          const gint64       *last_pongs,
                          guint               n_addresses,
                          guint               interval_s,
                          gint64              now_us,
                          guint              *status)
{
  g_autofree Record *records = g_new0 (Record, MAX (n_addresses, 1));
  gint64 limit_us = ((gint64) interval_s + READYZ_GRACE_S) * G_USEC_PER_SEC;
  GString *body = g_string_new ("{");
  guint n = 0;

  g_return_val_if_fail (status != NULL, NULL);

  for (guint i = 0; i < n_addresses; i++)
    {
      records[i].address = addresses[i];
      records[i].last_pong = last_pongs[i];
    }

  /* wireproxy keeps a map keyed by the address text, which encoding/json
   * writes with its keys sorted; an address listed twice is one key. */
  qsort (records, n_addresses, sizeof (Record), record_compare);
  *status = SOUP_STATUS_OK;
  for (guint i = 0; i < n_addresses; i++)
    {
      if (n > 0 && strcmp (records[n - 1].address, records[i].address) == 0)
        {
          records[n - 1].last_pong = MAX (records[n - 1].last_pong, records[i].last_pong);
          continue;
        }
      records[n++] = records[i];
    }

  for (guint i = 0; i < n; i++)
    {
      /* 0 is the epoch, long past: not ready until the first reply. */
      if (now_us - records[i].last_pong * G_USEC_PER_SEC > limit_us)
        *status = SOUP_STATUS_SERVICE_UNAVAILABLE;
      g_string_append_printf (body, "%s\"%s\":%" G_GINT64_FORMAT,
                              i > 0 ? "," : "", records[i].address, records[i].last_pong);
    }
  g_string_append (body, "}\n");

  return g_string_free (body, FALSE);
}

static char *
readyz (SydHealth *self,
        guint     *status)
{
  guint n = self->check_alive != NULL ? syd_check_alive_get_n_addresses (self->check_alive) : 0;
  g_autofree const char **addresses = g_new0 (const char *, n + 1);
  g_autofree gint64 *pongs = g_new0 (gint64, n + 1);

  for (guint i = 0; i < n; i++)
    {
      addresses[i] = syd_check_alive_get_address (self->check_alive, i);
      pongs[i] = syd_check_alive_get_last_pong (self->check_alive, i);
    }

  return syd_health_format_readyz (addresses, pongs, n,
                                   n > 0 ? syd_check_alive_get_interval (self->check_alive) : 0,
                                   g_get_real_time (), status);
}

/* /uapi ------------------------------------------------------------------- */

static void
append_hex_key (GString      *out,
                const char   *name,
                const guint8  key[SY_WG_KEY_LEN])
{
  g_string_append_printf (out, "%s=", name);
  for (guint i = 0; i < SY_WG_KEY_LEN; i++)
    g_string_append_printf (out, "%02x", key[i]);
  g_string_append_c (out, '\n');
}

void
syd_health_append_uapi (GString           *out,
                        const SyWgProfile *profile,
                        guint16            listen_port,
                        GPtrArray         *peers)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (profile != NULL);

  /* The order and names of wireguard-go's IpcGet; the secrets are replaced
   * by "REDACTED" exactly as wireproxy's /metrics does, so that scripts
   * written against wireproxy keep working. */
  g_string_append (out, "private_key=REDACTED\n");
  if (listen_port != 0)
    g_string_append_printf (out, "listen_port=%u\n", listen_port);

  for (guint i = 0; i < profile->peers->len; i++)
    {
      const SyWgPeer *peer = g_ptr_array_index (profile->peers, i);
      const SyWgPeerStatus *status = peers != NULL && i < peers->len
                                     ? g_ptr_array_index (peers, i) : NULL;

      append_hex_key (out, "public_key", peer->public_key);
      g_string_append (out, "preshared_key=REDACTED\n");
      g_string_append (out, "protocol_version=1\n");
      if (status != NULL && status->endpoint != NULL)
        g_string_append_printf (out, "endpoint=%s\n", status->endpoint);
      g_string_append_printf (out,
                              "last_handshake_time_sec=%" G_GINT64_FORMAT "\n"
                              "last_handshake_time_nsec=%" G_GINT64_FORMAT "\n"
                              "tx_bytes=%" G_GUINT64_FORMAT "\n"
                              "rx_bytes=%" G_GUINT64_FORMAT "\n"
                              "persistent_keepalive_interval=%u\n",
                              status != NULL ? status->last_handshake / G_USEC_PER_SEC : 0,
                              status != NULL ? status->last_handshake % G_USEC_PER_SEC * 1000 : 0,
                              status != NULL ? status->tx_bytes : 0,
                              status != NULL ? status->rx_bytes : 0,
                              peer->persistent_keepalive);
      for (guint j = 0; j < peer->allowed_ips->len; j++)
        {
          SyWgPrefix prefix = g_array_index (peer->allowed_ips, SyWgPrefix, j);
          char text[SY_WG_PREFIX_STRING_MAX];

          sy_wg_prefix_mask (&prefix);
          g_string_append_printf (out, "allowed_ip=%s\n", sy_wg_prefix_format (&prefix, text));
        }
    }
}

static char *
uapi (SydHealth *self)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < self->devices->len; i++)
    {
      Device *device = &g_array_index (self->devices, Device, i);
      g_autoptr(GPtrArray) peers = sy_wg_device_dup_peer_status (device->device);

      /* wireguard-go has one device per process; with several, a blank
       * line separates them, as between UAPI replies. */
      if (i > 0)
        g_string_append_c (out, '\n');
      syd_health_append_uapi (out, sy_wg_device_get_profile (device->device),
                              sy_wg_device_get_listen_port (device->device), peers);
    }

  return g_string_free (out, FALSE);
}

/* /metrics ---------------------------------------------------------------- */

static void
family (GString    *out,
        const char *name,
        const char *type,
        const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The exposition format's label value escapes: backslash, quote, newline. */
static void
append_label (GString    *out,
              const char *name,
              const char *value)
{
  g_string_append_printf (out, "%s=\"", name);
  for (const char *p = value != NULL ? value : ""; *p != '\0'; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '"')
        g_string_append (out, "\\\"");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
peer_sample (GString              *out,
             const char           *name,
             const char           *profile,
             const SyWgPeerStatus *status)
{
  g_string_append_printf (out, "%s{", name);
  append_label (out, "profile", profile);
  g_string_append_c (out, ',');
  append_label (out, "public_key", status->public_key);
}

static const char *
peer_state_name (SyWgPeerState state)
{
  switch (state)
    {
    case SY_WG_PEER_STATE_IDLE:
      return "idle";
    case SY_WG_PEER_STATE_HANDSHAKING:
      return "handshaking";
    case SY_WG_PEER_STATE_UP:
      return "up";
    case SY_WG_PEER_STATE_FAILING:
      return "failing";
    default:
      g_assert_not_reached ();
    }
}

typedef enum
{
  PEER_LAST_HANDSHAKE,
  PEER_RX,
  PEER_TX,
  PEER_HANDSHAKES,
  PEER_STATE,
} PeerMetric;

static const struct
{
  const char *name;
  const char *type;
  const char *help;
} peer_metrics[] = {
  [PEER_LAST_HANDSHAKE] = { "switchyard_wireguard_peer_last_handshake_seconds", "gauge",
                            "Time of the last completed handshake with the peer, in seconds "
                            "since the epoch (0: never)." },
  [PEER_RX] = { "switchyard_wireguard_peer_receive_bytes_total", "counter",
                "Bytes of IP packets received from the peer through the tunnel (decrypted)." },
  [PEER_TX] = { "switchyard_wireguard_peer_transmit_bytes_total", "counter",
                "Bytes of IP packets sent to the peer through the tunnel (before encryption)." },
  [PEER_HANDSHAKES] = { "switchyard_wireguard_peer_handshakes_total", "counter",
                        "Handshakes completed with the peer since the tunnel started." },
  [PEER_STATE] = { "switchyard_wireguard_peer_state", "gauge",
                   "1 for the peer's current state, 0 for the others." },
};

static void
append_peer_metric (GString    *out,
                    PeerMetric  metric,
                    GPtrArray  *devices)
{
  static const SyWgPeerState states[] = {
    SY_WG_PEER_STATE_IDLE, SY_WG_PEER_STATE_HANDSHAKING,
    SY_WG_PEER_STATE_UP, SY_WG_PEER_STATE_FAILING,
  };
  const char *name = peer_metrics[metric].name;

  family (out, name, peer_metrics[metric].type, peer_metrics[metric].help);

  /* devices: pairs of (profile, GPtrArray of SyWgPeerStatus) */
  for (guint d = 0; d + 1 < devices->len; d += 2)
    {
      const char *profile = g_ptr_array_index (devices, d);
      GPtrArray *peers = g_ptr_array_index (devices, d + 1);

      for (guint i = 0; i < peers->len; i++)
        {
          const SyWgPeerStatus *status = g_ptr_array_index (peers, i);

          switch (metric)
            {
            case PEER_LAST_HANDSHAKE:
              peer_sample (out, name, profile, status);
              g_string_append_printf (out, "} %" G_GINT64_FORMAT ".%06d\n",
                                      status->last_handshake / G_USEC_PER_SEC,
                                      (int) (status->last_handshake % G_USEC_PER_SEC));
              break;
            case PEER_RX:
              peer_sample (out, name, profile, status);
              g_string_append_printf (out, "} %" G_GUINT64_FORMAT "\n", status->rx_bytes);
              break;
            case PEER_TX:
              peer_sample (out, name, profile, status);
              g_string_append_printf (out, "} %" G_GUINT64_FORMAT "\n", status->tx_bytes);
              break;
            case PEER_HANDSHAKES:
              peer_sample (out, name, profile, status);
              g_string_append_printf (out, "} %u\n", status->handshakes);
              break;
            case PEER_STATE:
              for (guint s = 0; s < G_N_ELEMENTS (states); s++)
                {
                  peer_sample (out, name, profile, status);
                  g_string_append_c (out, ',');
                  append_label (out, "state", peer_state_name (states[s]));
                  g_string_append_printf (out, "} %d\n", status->state == states[s]);
                }
              break;
            default:
              g_assert_not_reached ();
            }
        }
    }
}

char *
syd_health_format_metrics (SydHealth *self)
{
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func (NULL);
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  const SyTraffic *traffic;
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (SYD_IS_HEALTH (self), NULL);

  /* One snapshot per device, so that every family shows the same moment. */
  for (guint i = 0; i < self->devices->len; i++)
    {
      Device *device = &g_array_index (self->devices, Device, i);
      GPtrArray *peers = sy_wg_device_dup_peer_status (device->device);

      g_ptr_array_add (owned, peers);
      g_ptr_array_add (devices, device->profile);
      g_ptr_array_add (devices, peers);
    }

  for (PeerMetric metric = PEER_LAST_HANDSHAKE; metric <= PEER_STATE; metric++)
    append_peer_metric (out, metric, devices);

  traffic = sy_dispatcher_get_traffic (self->dispatcher);
  family (out, "switchyard_sessions_active", "gauge", "Proxied connections open now.");
  g_string_append_printf (out, "switchyard_sessions_active %u\n", traffic->sessions_active);
  family (out, "switchyard_sessions_total", "counter",
          "Proxied connections accepted since the start.");
  g_string_append_printf (out, "switchyard_sessions_total %" G_GUINT64_FORMAT "\n",
                          traffic->sessions_total);
  family (out, "switchyard_sessions_failed_total", "counter",
          "Proxied connections that ended with an error.");
  g_string_append_printf (out, "switchyard_sessions_failed_total %" G_GUINT64_FORMAT "\n",
                          traffic->sessions_failed);
  family (out, "switchyard_traffic_bytes_total", "counter",
          "Bytes relayed: up from clients to destinations, down back to clients.");
  g_string_append_printf (out,
                          "switchyard_traffic_bytes_total{direction=\"up\"} %" G_GUINT64_FORMAT "\n"
                          "switchyard_traffic_bytes_total{direction=\"down\"} %" G_GUINT64_FORMAT "\n",
                          traffic->bytes_up, traffic->bytes_down);

  if (self->check_alive != NULL)
    {
      guint n = syd_check_alive_get_n_addresses (self->check_alive);
      g_autofree char *ignored = NULL;
      guint status;

      family (out, "switchyard_check_alive_last_pong_seconds", "gauge",
              "Time of the last CheckAlive reply, in seconds since the epoch (0: none yet).");
      for (guint i = 0; i < n; i++)
        {
          g_string_append (out, "switchyard_check_alive_last_pong_seconds{");
          append_label (out, "address", syd_check_alive_get_address (self->check_alive, i));
          g_string_append_printf (out, "} %" G_GINT64_FORMAT "\n",
                                  syd_check_alive_get_last_pong (self->check_alive, i));
        }

      ignored = readyz (self, &status);
      family (out, "switchyard_ready", "gauge", "1 when /readyz answers 200, else 0.");
      g_string_append_printf (out, "switchyard_ready %d\n", status == SOUP_STATUS_OK);
    }

  return g_string_free (out, FALSE);
}

/* The server -------------------------------------------------------------- */

/* Go's path.Clean, which wireproxy applies before matching: repeated
 * slashes, "." and ".." are resolved, a trailing slash dropped. */
static char *
clean_path (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  GString *out = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          if (kept->len > 0)
            g_ptr_array_set_size (kept, kept->len - 1);
          continue;
        }
      g_ptr_array_add (kept, parts[i]);
    }

  for (guint i = 0; i < kept->len; i++)
    g_string_append_printf (out, "/%s", (const char *) g_ptr_array_index (kept, i));
  if (out->len == 0)
    g_string_append_c (out, '/');

  return g_string_free (out, FALSE);
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *message,
                const char        *raw_path,
                GHashTable        *query,
                gpointer           user_data)
{
  SydHealth *self = user_data;
  g_autofree char *decoded = g_uri_unescape_string (raw_path, NULL);
  g_autofree char *path = clean_path (decoded != NULL ? decoded : raw_path);
  char *body;
  guint status = SOUP_STATUS_OK;

  g_debug ("health request: %s %s", soup_server_message_get_method (message), raw_path);

  if (strcmp (path, "/readyz") == 0)
    {
      body = readyz (self, &status);
      soup_server_message_set_status (message, status, NULL);
      soup_server_message_set_response (message, "application/json", SOUP_MEMORY_TAKE,
                                        body, strlen (body));
    }
  else if (strcmp (path, "/metrics") == 0)
    {
      body = syd_health_format_metrics (self);
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, METRICS_CONTENT_TYPE, SOUP_MEMORY_TAKE,
                                        body, strlen (body));
    }
  else if (strcmp (path, "/uapi") == 0)
    {
      body = uapi (self);
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "text/plain; charset=utf-8", SOUP_MEMORY_TAKE,
                                        body, strlen (body));
    }
  else
    soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
}

static gboolean
split_address (const char  *address,
               char       **host,
               guint16     *port,
               GError     **error)
{
  const char *colon;
  const char *port_text;
  guint64 value;

  if (address[0] == '[')
    {
      const char *close = strchr (address, ']');

      if (close == NULL || close[1] != ':')
        goto bad;
      *host = g_strndup (address + 1, close - address - 1);
      port_text = close + 2;
    }
  else
    {
      colon = strrchr (address, ':');
      if (colon == NULL || memchr (address, ':', colon - address) != NULL)
        goto bad;
      *host = g_strndup (address, colon - address);
      port_text = colon + 1;
    }

  if (!g_ascii_string_to_unsigned (port_text, 10, 0, G_MAXUINT16, &value, NULL))
    {
      g_clear_pointer (host, g_free);
      goto bad;
    }
  *port = value;
  return TRUE;

bad:
  g_set_error (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
               "“%s” is not an address to listen on: use HOST:PORT, [IPV6]:PORT or :PORT "
               "(e.g. 127.0.0.1:9080)", address);
  return FALSE;
}

gboolean
syd_health_check_address (const char  *address,
                          GError     **error)
{
  g_autofree char *host = NULL;
  guint16 port;

  g_return_val_if_fail (address != NULL, FALSE);

  return split_address (address, &host, &port, error);
}

gboolean
syd_health_listen (SydHealth   *self,
                   const char  *address,
                   GError     **error)
{
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *host = NULL;
  guint16 port;
  gboolean ok;

  g_return_val_if_fail (SYD_IS_HEALTH (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  if (!split_address (address, &host, &port, error))
    return FALSE;

  server = soup_server_new ("server-header", "switchyardd", NULL);
  soup_server_add_handler (server, NULL, handle_request, self, NULL);

  if (host[0] == '\0')
    ok = soup_server_listen_all (server, port, 0, &local_error);
  else if (g_ascii_strcasecmp (host, "localhost") == 0)
    ok = soup_server_listen_local (server, port, 0, &local_error);
  else
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (host);
      g_autoptr(GSocketAddress) socket_address = NULL;

      /* A name other than localhost: its first address, as Go listens. */
      if (inet == NULL)
        {
          g_autoptr(GResolver) resolver = g_resolver_get_default ();
          GList *found = g_resolver_lookup_by_name (resolver, host, NULL, &local_error);

          if (found == NULL)
            {
              g_set_error (error, local_error->domain, local_error->code,
                           "Cannot listen on %s: %s", address, local_error->message);
              return FALSE;
            }
          inet = g_object_ref (found->data);
          g_resolver_free_addresses (found);
        }

      socket_address = g_inet_socket_address_new (inet, port);
      ok = soup_server_listen (server, socket_address, 0, &local_error);
    }

  if (!ok)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "Cannot listen on %s for the health server: %s", address,
                   local_error->message);
      return FALSE;
    }

  self->server = g_steal_pointer (&server);
  return TRUE;
}

GStrv
syd_health_dup_uris (SydHealth *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GSList *uris;

  g_return_val_if_fail (SYD_IS_HEALTH (self), NULL);

  if (self->server == NULL)
    return g_strv_builder_end (builder);

  uris = soup_server_get_uris (self->server);
  for (GSList *l = uris; l != NULL; l = l->next)
    {
      g_autofree char *text = g_uri_to_string (l->data);

      g_strv_builder_add (builder, text);
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return g_strv_builder_end (builder);
}

void
syd_health_stop (SydHealth *self)
{
  g_return_if_fail (SYD_IS_HEALTH (self));

  if (self->server == NULL)
    return;

  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
}
