/* switchyardctl.c — command-line client of switchyardd on the session bus
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "switchyardctl"

#include <locale.h>

#include <gio/gio.h>

#include "syd-ctl.h"

static gboolean json_output;

static const GOptionEntry json_entry[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &json_output, "Print the reply as JSON", NULL },
  { NULL }
};

/* Command line ------------------------------------------------------------- */

/* Returns the exit status. */
int
syd_ctl_usage_error (SydCtl     *ctl,
                     const char *format,
                     ...)
{
  g_autofree char *message = NULL;
  const char *command = ctl->command->name;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("switchyardctl %s: %s\nTry “switchyardctl %s --help”.\n", command, message, command);
  return 1;
}

/* Parses the options of the command; @n_min..@n_max positional arguments
 * are left in (*argc, *argv) after the command name. On an error, says
 * so on stderr and returns FALSE. */
gboolean
syd_ctl_parse_options (SydCtl              *ctl,
                       const GOptionEntry  *entries,
                       int                 *argc,
                       char              ***argv,
                       int                  n_min,
                       int                  n_max)
{
  const SydCtlCommand *command = ctl->command;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("switchyardctl %s", command->name);

  context = g_option_context_new (command->parameters);
  g_option_context_set_summary (context, command->summary);
  g_option_context_add_main_entries (context, json_entry, NULL);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);

  g_set_prgname (prgname);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      syd_ctl_usage_error (ctl, "%s", error->message);
      return FALSE;
    }

  if (*argc - 1 < n_min)
    {
      syd_ctl_usage_error (ctl, "missing argument (%s)", command->parameters);
      return FALSE;
    }
  if (n_max >= 0 && *argc - 1 > n_max)
    {
      syd_ctl_usage_error (ctl, "unexpected argument “%s”", (*argv)[n_max + 1]);
      return FALSE;
    }

  ctl->json = json_output;
  return TRUE;
}

/* Command table ------------------------------------------------------------ */

static int cmd_help (SydCtl  *ctl,
                     int      argc,
                     char   **argv);

static const SydCtlCommand commands[] = {
  { "status", "", "Show whether the proxy runs, where it listens, and the traffic totals.",
    FALSE, syd_ctl_cmd_status },
  { "start", "", "Start the proxy (bind the inbounds).", TRUE, syd_ctl_cmd_start },
  { "stop", "", "Stop the proxy and close every session.", FALSE, syd_ctl_cmd_stop },
  { "reload", "", "Re-read the configuration directory; on an error nothing changes.",
    TRUE, syd_ctl_cmd_reload },
  { "pools", "", "List the pools and their upstreams.", FALSE, syd_ctl_cmd_pools_list },
  { "pools list", "", "List the pools and their upstreams.", FALSE, syd_ctl_cmd_pools_list },
  { "pools add", "NAME", "Create a pool of upstream proxies.", TRUE, syd_ctl_cmd_pools_add },
  { "pools update", "NAME", "Change a pool's settings (--upstream replaces the list).",
    TRUE, syd_ctl_cmd_pools_update },
  { "pools remove", "NAME", "Remove a pool.", TRUE, syd_ctl_cmd_pools_remove },
  { "upstreams", "[POOL]", "List the upstreams of every pool, or of POOL.",
    FALSE, syd_ctl_cmd_upstreams_list },
  { "upstreams list", "[POOL]", "List the upstreams of every pool, or of POOL.",
    FALSE, syd_ctl_cmd_upstreams_list },
  { "upstreams add", "POOL URL",
    "Add an upstream proxy, e.g. socks5://user:pass@host:1080 or http://host:3128.",
    TRUE, syd_ctl_cmd_upstreams_add },
  { "upstreams remove", "POOL NAME", "Remove an upstream.", TRUE, syd_ctl_cmd_upstreams_remove },
  { "upstreams enable", "POOL NAME", "Put an upstream back into rotation.",
    TRUE, syd_ctl_cmd_upstreams_enable },
  { "upstreams disable", "POOL NAME", "Take an upstream out of rotation.",
    TRUE, syd_ctl_cmd_upstreams_disable },
  { "upstreams move", "POOL NAME POSITION", "Move an upstream to POSITION (0 first).",
    TRUE, syd_ctl_cmd_upstreams_move },
  { "upstreams test", "POOL NAME", "Run the pool's health check through one upstream now.",
    TRUE, syd_ctl_cmd_upstreams_test },
  { "wireguard", "", "List the WireGuard profiles.", FALSE, syd_ctl_cmd_wireguard_list },
  { "wireguard list", "", "List the WireGuard profiles.", FALSE, syd_ctl_cmd_wireguard_list },
  { "wireguard import", "FILE",
    "Import a wg-quick .conf or wireproxy .ini file as a profile (outbound wireguard:NAME).",
    TRUE, syd_ctl_cmd_wireguard_import },
  { "wireguard peers", "NAME", "Show a profile's peers: endpoint, handshake, transfer, state.",
    FALSE, syd_ctl_cmd_wireguard_peers },
  { "wireguard remove", "NAME", "Remove a profile that nothing uses.",
    TRUE, syd_ctl_cmd_wireguard_remove },
  { "wireguard export", "NAME", "Print a profile in wg-quick format (keys only with --private).",
    FALSE, syd_ctl_cmd_wireguard_export },
  { "sessions", "", "List the live sessions.", FALSE, syd_ctl_cmd_sessions_list },
  { "sessions list", "", "List the live sessions.", FALSE, syd_ctl_cmd_sessions_list },
  { "sessions close", "[ID]", "Close a session by ID, those matching --filter TEXT, or --all.",
    FALSE, syd_ctl_cmd_sessions_close },
  { "connections", "", "Show the connection log (finished sessions).",
    FALSE, syd_ctl_cmd_connections },
  { "log", "", "Show the service's log messages.", FALSE, syd_ctl_cmd_log },
  { "traffic", "", "Show the traffic rates and totals.", FALSE, syd_ctl_cmd_traffic },
  { "help", "", "Show this help.", FALSE, cmd_help },
};

static char *
commands_description (void)
{
  GString *text = g_string_new ("Commands:\n");

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *usage = g_strdup_printf ("%s %s", commands[i].name, commands[i].parameters);

      /* "pools" and "pools list" are the same; show the short form only. */
      if (g_str_has_suffix (commands[i].name, " list"))
        continue;
      g_string_append_printf (text, "  %-38s %s\n", usage, commands[i].summary);
    }
  g_string_append (text, "\nRun “switchyardctl COMMAND --help” for the options of a command.\n"
                   "Errors are reported with their D-Bus name, e.g.\n"
                   "dev.switchyard.Error.NotFound, and exit with status 1.");

  return g_string_free (text, FALSE);
}

static int
cmd_help (SydCtl  *ctl,
          int      argc,
          char   **argv)
{
  g_autofree char *description = commands_description ();

  g_print ("Usage:\n  switchyardctl [--json] COMMAND [ARGUMENTS…]\n\n%s\n", description);
  return 0;
}

static const SydCtlCommand *
find_command (int    argc,
              char **argv,
              int   *consumed)
{
  if (argc >= 3)
    {
      g_autofree char *two = g_strdup_printf ("%s %s", argv[1], argv[2]);

      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        if (g_str_equal (commands[i].name, two))
          {
            *consumed = 2;
            return &commands[i];
          }
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, argv[1]))
      {
        *consumed = 1;
        return &commands[i];
      }

  return NULL;
}

static gboolean
is_group_with_subcommands (const char *word)
{
  g_autofree char *prefix = g_strconcat (word, " ", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_has_prefix (commands[i].name, prefix))
      return TRUE;
  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  g_autofree char *command_name = NULL;
  g_autoptr(GPtrArray) command_argv = NULL;
  const SydCtlCommand *command;
  SydCtl ctl = { 0 };
  int consumed = 0;
  int command_argc;
  char **command_args;
  int status;

  setlocale (LC_ALL, "");

  description = commands_description ();
  context = g_option_context_new ("COMMAND [ARGUMENTS…]");
  g_option_context_set_summary (context, "Controls switchyardd, the Switchyard proxy service, "
                                "over the session bus.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, json_entry, NULL);
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("switchyardctl: %s\nTry “switchyardctl --help”.\n", error->message);
      return 1;
    }

  if (argc < 2)
    {
      g_printerr ("switchyardctl: missing command\nTry “switchyardctl --help”.\n");
      return 1;
    }

  command = find_command (argc, argv, &consumed);
  if (command == NULL ||
      (consumed == 1 && argc >= 3 && argv[2][0] != '-' && is_group_with_subcommands (argv[1]) &&
       !g_str_equal (command->parameters, "[POOL]")))
    {
      g_printerr ("switchyardctl: unknown command “%s%s%s”\nTry “switchyardctl --help”.\n",
                  argv[1], command != NULL ? " " : "", command != NULL ? argv[2] : "");
      return 1;
    }

  /* The command sees itself as argv[0], then its own arguments. */
  command_argv = g_ptr_array_new ();
  command_name = g_strdup_printf ("switchyardctl %s", command->name);
  g_ptr_array_add (command_argv, command_name);
  for (int i = 1 + consumed; i < argc; i++)
    g_ptr_array_add (command_argv, argv[i]);
  g_ptr_array_add (command_argv, NULL);

  command_argc = command_argv->len - 1;
  command_args = (char **) command_argv->pdata;

  ctl.command = command;
  ctl.json = json_output;

  status = command->func (&ctl, command_argc, command_args);

  syd_ctl_clear (&ctl);

  return status;
}
