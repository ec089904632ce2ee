/* main.c — switchyard, the desktop app
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "syapp-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SyAppApplication) app = NULL;
  /* The build tree's translations, for the screenshots and tests. */
  const char *localedir = g_getenv ("SWITCHYARD_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Switchyard"));

  app = syapp_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
