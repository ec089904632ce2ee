/* syd-ctl-sessions.c — switchyardctl sessions and connections
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "switchyardctl"

#include "syd-ctl.h"
#include "syd-ctl-format.h"

/* Live sessions (@finished FALSE) or the connection log. */
static void
print_sessions (SydCtl   *ctl,
                GVariant *sessions,
                gboolean  finished)
{
  g_autoptr(SydTable) table = NULL;
  GVariantIter iter;
  GVariant *session;

  if (ctl->json)
    {
      syd_ctl_print_json (sessions, TRUE);
      return;
    }

  if (g_variant_n_children (sessions) == 0)
    {
      g_print ("%s\n", finished ? "No finished sessions yet" : "No live sessions");
      return;
    }

  if (finished)
    table = syd_table_new ("TIME", "ID>", "CLIENT", "TARGET", "ROUTE", "STATE", "UP>", "DOWN>",
                           "DURATION>", "ERROR", NULL);
  else
    table = syd_table_new ("ID>", "STATE", "PROTOCOL", "CLIENT", "TARGET", "ROUTE", "UP>", "DOWN>",
                           "AGE>", NULL);

  g_variant_iter_init (&iter, sessions);
  while ((session = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = session;
      g_autofree char *id = syd_ctl_lookup_uint_text (session, "id");
      g_autofree char *up = syd_ctl_lookup_size_text (session, "bytes-up");
      g_autofree char *down = syd_ctl_lookup_size_text (session, "bytes-down");
      g_autofree char *duration = NULL;
      g_autofree char *route = NULL;
      const char *state, *protocol, *client, *target, *outbound, *upstream, *error;

      duration = syd_format_duration_ms (syd_ctl_lookup_int (session, "duration-ms", -1));
      syd_ctl_lookup_string (session, "state", &state);
      syd_ctl_lookup_string (session, "protocol", &protocol);
      syd_ctl_lookup_string (session, "client", &client);
      syd_ctl_lookup_string (session, "target", &target);
      syd_ctl_lookup_string (session, "outbound", &outbound);
      syd_ctl_lookup_string (session, "upstream", &upstream);
      syd_ctl_lookup_string (session, "error", &error);

      if (outbound[0] == '\0')
        route = g_strdup ("–");
      else if (upstream[0] != '\0')
        route = g_strdup_printf ("%s/%s", outbound, upstream);
      else
        route = g_strdup (outbound);

      if (finished)
        {
          g_autofree char *time = syd_format_time (syd_ctl_lookup_int (session, "created", 0));

          syd_table_add_row (table, time, id, client, target, route, state, up, down,
                             duration, error, NULL);
        }
      else
        syd_table_add_row (table, id, state, protocol, client, target, route, up, down,
                           duration, NULL);
    }

  syd_table_print (table, 0);
}

int
syd_ctl_cmd_sessions_list (SydCtl  *ctl,
                           int      argc,
                           char   **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) sessions = NULL;
  SydSessions1 *proxy;

  if (!syd_ctl_parse_options (ctl, NULL, &argc, &argv, 0, 0))
    return 1;

  if ((proxy = syd_ctl_get_sessions (ctl, &error)) == NULL ||
      !syd_sessions1_call_list_sessions_sync (proxy, syd_ctl_call_flags (ctl), -1, &sessions,
                                              NULL, &error))
    return syd_ctl_report_error (error);

  print_sessions (ctl, sessions, FALSE);
  return 0;
}

static char     *opt_filter;
static gboolean  opt_all;

static const GOptionEntry close_entries[] = {
  { "filter", 'f', 0, G_OPTION_ARG_STRING, &opt_filter,
    "Close every session whose target, client, route or inbound contains TEXT", "TEXT" },
  { "all", 'a', 0, G_OPTION_ARG_NONE, &opt_all, "Close every live session", NULL },
  { NULL }
};

int
syd_ctl_cmd_sessions_close (SydCtl  *ctl,
                            int      argc,
                            char   **argv)
{
  g_autoptr(GError) error = NULL;
  SydSessions1 *proxy;
  guint count = 0;
  guint64 id = 0;
  int given;

  if (!syd_ctl_parse_options (ctl, close_entries, &argc, &argv, 0, 1))
    return 1;

  given = (argc > 1) + (opt_filter != NULL) + (opt_all ? 1 : 0);
  if (given != 1)
    return syd_ctl_usage_error (ctl, "give exactly one of ID, --filter TEXT or --all");

  if (argc > 1 && !g_ascii_string_to_unsigned (argv[1], 10, 1, G_MAXUINT64, &id, NULL))
    return syd_ctl_usage_error (ctl, "ID must be a session id as shown by "
                                "“switchyardctl sessions”, not “%s”", argv[1]);

  if ((proxy = syd_ctl_get_sessions (ctl, &error)) == NULL)
    return syd_ctl_report_error (error);

  if (id != 0)
    {
      if (!syd_sessions1_call_close_session_sync (proxy, id, syd_ctl_call_flags (ctl), -1, NULL,
                                                  &error))
        return syd_ctl_report_error (error);
      count = 1;
    }
  else if (!syd_sessions1_call_close_sessions_sync (proxy, opt_all ? "" : opt_filter,
                                                    syd_ctl_call_flags (ctl), -1, &count, NULL,
                                                    &error))
    return syd_ctl_report_error (error);

  if (ctl->json)
    syd_ctl_print_json (g_variant_new_parsed ("{'closed': <%u>}", count), TRUE);
  else if (id != 0)
    g_print ("Closed session %" G_GUINT64_FORMAT "\n", id);
  else
    g_print ("Closed %u session%s\n", count, count == 1 ? "" : "s");

  return 0;
}

static int opt_limit = 50;

static const GOptionEntry connections_entries[] = {
  { "lines", 'n', 0, G_OPTION_ARG_INT, &opt_limit,
    "Show the newest N finished sessions (0: all kept; default 50)", "N" },
  { NULL }
};

int
syd_ctl_cmd_connections (SydCtl  *ctl,
                         int      argc,
                         char   **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) sessions = NULL;
  SydSessions1 *proxy;

  if (!syd_ctl_parse_options (ctl, connections_entries, &argc, &argv, 0, 0))
    return 1;

  if (opt_limit < 0)
    return syd_ctl_usage_error (ctl, "--lines must be 0 or more");

  if ((proxy = syd_ctl_get_sessions (ctl, &error)) == NULL ||
      !syd_sessions1_call_get_connection_log_sync (proxy, (guint) opt_limit,
                                                   syd_ctl_call_flags (ctl), -1, &sessions, NULL,
                                                   &error))
    return syd_ctl_report_error (error);

  print_sessions (ctl, sessions, TRUE);
  return 0;
}
