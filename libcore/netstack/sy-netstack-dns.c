/* sy-netstack-dns.c — a stub resolver that asks through the tunnel
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both questions (A and AAAA) go out at once from one UDP socket on a
 * random port, each with a random ID, to the first server; unanswered
 * questions are asked again of the next server after ATTEMPT_TIMEOUT_MS,
 * through the list twice. An answer counts only when it comes from a
 * configured server's port 53 and repeats our ID and question (RFC 5452:
 * the ID and the port are the 32 bits a blind spoofer must guess, although
 * inside an authenticated tunnel only the server could try). A name error
 * (NXDOMAIN) ends the lookup; a server failure moves on to the next server.
 * There is no fallback to TCP: a truncated answer gives what it holds.
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-netstack"

#include <string.h>

#include "lwip/pbuf.h"
#include "lwip/udp.h"

#include "sy-dns-message.h"
#include "sy-lwip-core.h"
#include "sy-netstack-private.h"

#define DNS_PORT            53
#define ATTEMPT_TIMEOUT_MS  1500
#define MIN_ATTEMPTS        3

typedef struct
{
  guint16      qtype;
  guint16      id;
  gboolean     done;
  gboolean     truncated;
  guint8       failed_rcode;     /* the last SERVFAIL/REFUSED/..., or 0 */
  guint        n_addresses;
  SyDnsAddress addresses[SY_DNS_MAX_ADDRESSES];
} Question;

typedef struct
{
  SyNetstack     *netstack;
  GTask          *task;          /* NULL once completed */
  char           *hostname;
  struct udp_pcb *pcb;
  GPtrArray      *servers;       /* GInetAddress, those the tunnel can reach */
  guint8          qname[SY_DNS_NAME_MAX];
  gsize           qname_length;
  Question        questions[2];
  guint           attempt;
  guint           max_attempts;
  gboolean        nxdomain;
  GSource        *timer;
  GSource        *finish_source;
  GSource        *cancel_source;
} Lookup;

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
lookup_free (Lookup *lookup)
{
  g_assert (lookup->task == NULL);

  if (lookup->pcb != NULL)
    udp_remove (lookup->pcb);
  destroy_source (&lookup->timer);
  destroy_source (&lookup->finish_source);
  destroy_source (&lookup->cancel_source);
  g_clear_pointer (&lookup->servers, g_ptr_array_unref);
  g_free (lookup->hostname);
  g_clear_object (&lookup->netstack);
  g_free (lookup);
}

static GList *
lookup_collect (Lookup *lookup)
{
  const Question *v6 = &lookup->questions[1];
  const Question *v4 = &lookup->questions[0];
  GList *list = NULL;

  /* RFC 8305 §4: IPv6 first, then alternate families. */
  for (guint i = 0; i < MAX (v6->n_addresses, v4->n_addresses); i++)
    {
      if (i < v6->n_addresses)
        list = g_list_prepend (list, g_inet_address_new_from_bytes (v6->addresses[i].bytes,
                                                                    G_SOCKET_FAMILY_IPV6));
      if (i < v4->n_addresses)
        list = g_list_prepend (list, g_inet_address_new_from_bytes (v4->addresses[i].bytes,
                                                                    G_SOCKET_FAMILY_IPV4));
    }

  return g_list_reverse (list);
}

/* Completes the task and frees the lookup. @error: taken, or NULL to
 * return what the answers gave. */
static void
lookup_complete (Lookup *lookup,
                 GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&lookup->task);
  GList *addresses;

  if (error != NULL)
    {
      g_task_return_error (task, error);
    }
  else if (lookup->nxdomain)
    {
      g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                               "No such host “%s” (the tunnel's DNS server says)",
                               lookup->hostname);
    }
  else if ((addresses = lookup_collect (lookup)) != NULL)
    {
      g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
    }
  else if (lookup->questions[0].truncated || lookup->questions[1].truncated)
    {
      g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE,
                               "The DNS answer for “%s” was too long for UDP",
                               lookup->hostname);
    }
  else
    {
      g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                               "“%s” has no IPv4 or IPv6 address", lookup->hostname);
    }

  lookup_free (lookup);
}

static gboolean
lookup_finish_cb (gpointer user_data)
{
  Lookup *lookup = user_data;

  g_clear_pointer (&lookup->finish_source, g_source_unref);
  lookup_complete (lookup, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
lookup_is_done (Lookup *lookup)
{
  return lookup->nxdomain || (lookup->questions[0].done && lookup->questions[1].done);
}

/* From lwIP's input path: finish from the loop. */
static void
lookup_schedule_finish (Lookup *lookup)
{
  if (lookup->finish_source != NULL)
    return;

  lookup->finish_source = g_idle_source_new ();
  g_source_set_priority (lookup->finish_source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (lookup->finish_source, "[switchyard] netstack DNS answer");
  g_source_set_callback (lookup->finish_source, lookup_finish_cb, lookup, NULL);
  g_source_attach (lookup->finish_source, sy_lwip_core_get_context ());
}

static gboolean
lookup_is_server (Lookup          *lookup,
                  const ip_addr_t *address,
                  u16_t            port)
{
  g_autoptr(GInetAddress) from = NULL;

  if (port != DNS_PORT)
    return FALSE;

  from = sy_lwip_addr_to_inet (address);
  for (guint i = 0; i < lookup->servers->len; i++)
    if (g_inet_address_equal (from, g_ptr_array_index (lookup->servers, i)))
      return TRUE;

  return FALSE;
}

static void
lookup_recv_cb (void            *arg,
                struct udp_pcb  *pcb,
                struct pbuf     *p,
                const ip_addr_t *address,
                u16_t            port)
{
  Lookup *lookup = arg;
  g_autofree guint8 *message = NULL;
  u16_t length = p->tot_len;

  if (lookup->task == NULL || !lookup_is_server (lookup, address, port))
    {
      pbuf_free (p);
      return;
    }

  message = g_malloc (MAX (length, 1));
  pbuf_copy_partial (p, message, length, 0);
  pbuf_free (p);

  for (guint i = 0; i < G_N_ELEMENTS (lookup->questions); i++)
    {
      Question *question = &lookup->questions[i];
      SyDnsAnswer answer;

      if (question->done)
        continue;

      if (sy_dns_parse_answer (message, length, question->id, lookup->qname,
                               lookup->qname_length, question->qtype,
                               &answer) != SY_DNS_PARSE_OK)
        continue;

      switch (answer.rcode)
        {
        case SY_DNS_RCODE_NOERROR:
          question->done = TRUE;
          question->truncated = answer.truncated;
          question->n_addresses = answer.n_addresses;
          memcpy (question->addresses, answer.addresses,
                  answer.n_addresses * sizeof answer.addresses[0]);
          break;
        case SY_DNS_RCODE_NXDOMAIN:
          /* the name does not exist, whatever the type */
          lookup->nxdomain = TRUE;
          break;
        default:
          /* this server cannot help; the next attempt asks another */
          question->failed_rcode = answer.rcode;
          break;
        }
      break;
    }

  if (lookup_is_done (lookup))
    lookup_schedule_finish (lookup);
}

static void
lookup_send (Lookup *lookup)
{
  GInetAddress *server = g_ptr_array_index (lookup->servers,
                                            lookup->attempt % lookup->servers->len);
  ip_addr_t destination;

  sy_lwip_addr_from_inet (&destination, server);

  for (guint i = 0; i < G_N_ELEMENTS (lookup->questions); i++)
    {
      Question *question = &lookup->questions[i];
      struct pbuf *p;
      guint8 query[SY_DNS_QUERY_MAX];
      gsize length;
      err_t err;

      if (question->done)
        continue;

      length = sy_dns_build_query (query, question->id, lookup->qname, lookup->qname_length,
                                   question->qtype);
      p = pbuf_alloc (PBUF_TRANSPORT, (u16_t) length, PBUF_RAM);
      if (p == NULL)
        continue;
      memcpy (p->payload, query, length);
      err = udp_sendto (lookup->pcb, p, &destination, DNS_PORT);
      pbuf_free (p);
      if (err != ERR_OK)
        g_debug ("DNS query for %s not sent: %s", lookup->hostname, lwip_strerr (err));
    }
}

static gboolean
lookup_timeout_cb (gpointer user_data)
{
  Lookup *lookup = user_data;

  lookup->attempt++;
  if (lookup->attempt < lookup->max_attempts)
    {
      lookup_send (lookup);
      return G_SOURCE_CONTINUE;
    }

  g_clear_pointer (&lookup->timer, g_source_unref);

  /* Whatever one question got is worth returning. */
  if (lookup->questions[0].n_addresses > 0 || lookup->questions[1].n_addresses > 0)
    lookup_complete (lookup, NULL);
  else if (lookup->questions[0].failed_rcode != 0 || lookup->questions[1].failed_rcode != 0)
    lookup_complete (lookup, g_error_new (G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE,
                                          "The tunnel's DNS servers failed to look up “%s”",
                                          lookup->hostname));
  else if (lookup->questions[0].done && lookup->questions[1].done)
    lookup_complete (lookup, NULL);
  else
    lookup_complete (lookup, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                          "No answer from the tunnel's DNS servers for “%s”",
                                          lookup->hostname));
  return G_SOURCE_REMOVE;
}

static gboolean
lookup_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  Lookup *lookup = user_data;
  GError *error = NULL;

  g_clear_pointer (&lookup->cancel_source, g_source_unref);
  g_cancellable_set_error_if_cancelled (cancellable, &error);
  lookup_complete (lookup, error);
  return G_SOURCE_REMOVE;
}

/* A socket on a random port: with the random ID, 32 bits to guess. */
static struct udp_pcb *
lookup_open_socket (SyNetstack *netstack)
{
  struct udp_pcb *pcb = udp_new_ip_type (IPADDR_TYPE_ANY);

  if (pcb == NULL)
    return NULL;

  udp_bind_netif (pcb, sy_netstack_get_netif (netstack));
  for (guint i = 0; i < 16; i++)
    if (udp_bind (pcb, IP_ANY_TYPE, (u16_t) g_random_int_range (49152, 65536)) == ERR_OK)
      return pcb;

  if (udp_bind (pcb, IP_ANY_TYPE, 0) == ERR_OK)
    return pcb;

  udp_remove (pcb);
  return NULL;
}

void
sy_netstack_resolve_async (SyNetstack           *self,
                           const char           *hostname,
                           GInetAddress        **servers,
                           guint                 n_servers,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GInetAddress) literal = NULL;
  g_autofree char *ascii = NULL;
  Lookup *lookup;

  g_return_if_fail (SY_IS_NETSTACK (self));
  g_return_if_fail (hostname != NULL);
  g_return_if_fail (servers != NULL || n_servers == 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_netstack_resolve_async);

  literal = g_inet_address_new_from_string (hostname);
  if (literal != NULL)
    {
      g_task_return_pointer (task, g_list_append (NULL, g_steal_pointer (&literal)),
                             (GDestroyNotify) g_resolver_free_addresses);
      return;
    }

  lookup = g_new0 (Lookup, 1);
  lookup->netstack = g_object_ref (self);
  lookup->hostname = g_strdup (hostname);
  lookup->servers = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n_servers; i++)
    if (sy_netstack_has_family (self, g_inet_address_get_family (servers[i])))
      g_ptr_array_add (lookup->servers, g_object_ref (servers[i]));
  lookup->task = g_steal_pointer (&task);

  ascii = g_hostname_to_ascii (hostname);
  if (ascii != NULL)
    lookup->qname_length = sy_dns_name_encode (ascii, lookup->qname);
  if (lookup->qname_length == 0)
    {
      lookup_complete (lookup, g_error_new (G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                                            "“%s” is not a valid host name", hostname));
      return;
    }

  if (lookup->servers->len == 0)
    {
      lookup_complete (lookup, g_error_new (G_RESOLVER_ERROR, G_RESOLVER_ERROR_INTERNAL,
                                            "The tunnel has no DNS server it can reach to "
                                            "look up “%s”", hostname));
      return;
    }

  lookup->pcb = lookup_open_socket (self);
  if (lookup->pcb == NULL)
    {
      lookup_complete (lookup, g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                            "No UDP socket for a DNS query"));
      return;
    }
  udp_recv (lookup->pcb, lookup_recv_cb, lookup);

  lookup->questions[0].qtype = SY_DNS_TYPE_A;
  lookup->questions[0].id = (guint16) g_random_int ();
  lookup->questions[1].qtype = SY_DNS_TYPE_AAAA;
  lookup->questions[1].id = (guint16) g_random_int ();
  lookup->max_attempts = MAX (MIN_ATTEMPTS, 2 * lookup->servers->len);

  if (cancellable != NULL)
    {
      lookup->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (lookup->cancel_source, "[switchyard] netstack DNS cancelled");
      g_source_set_callback (lookup->cancel_source, G_SOURCE_FUNC (lookup_cancelled_cb),
                             lookup, NULL);
      g_source_attach (lookup->cancel_source, sy_lwip_core_get_context ());
    }

  lookup->timer = g_timeout_source_new (ATTEMPT_TIMEOUT_MS);
  g_source_set_static_name (lookup->timer, "[switchyard] netstack DNS retry");
  g_source_set_callback (lookup->timer, lookup_timeout_cb, lookup, NULL);
  g_source_attach (lookup->timer, sy_lwip_core_get_context ());

  lookup_send (lookup);
}

GList *
sy_netstack_resolve_finish (SyNetstack    *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (SY_IS_NETSTACK (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_netstack_resolve_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
