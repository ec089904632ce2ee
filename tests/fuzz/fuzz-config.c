/* fuzz-config.c — libFuzzer harness for the configuration files
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Feeds the input to each file parser. Whatever parses must serialize to a
 * text that parses back to an equal configuration and serializes to the
 * same text again: the service rewrites these files on every change, so an
 * unstable round trip would slowly corrupt a person's configuration.
 * The same holds for upstream URLs and HTTP status ranges.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/sy-config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check (gboolean    condition,
       const char *what)
{
  if (!condition)
    {
      g_printerr ("round trip broken: %s\n", what);
      abort ();
    }
}

static void
fuzz_service (const char *text,
              gsize       length)
{
  g_autoptr(SyConfig) config = sy_config_new_default ();
  g_autoptr(SyConfig) again = sy_config_new_default ();
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  if (!sy_config_parse_service (config, "service.conf", text, length, &error))
    {
      check (error != NULL && error->message[0] != '\0', "service: failure without message");
      return;
    }

  first = sy_config_serialize_service (config);
  if (!sy_config_parse_service (again, "service.conf", first, -1, &error))
    {
      g_printerr ("%s\n---\n%s\n", error->message, first);
      check (FALSE, "service: serialized text does not parse");
    }
  check (sy_config_equal (config, again), "service: reparsed config differs");
  second = sy_config_serialize_service (again);
  check (g_str_equal (first, second), "service: serialization not stable");
}

static void
fuzz_inbounds (const char *text,
               gsize       length)
{
  g_autoptr(SyConfig) config = sy_config_new_default ();
  g_autoptr(SyConfig) again = sy_config_new_default ();
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  if (!sy_config_parse_inbounds (config, "inbounds.conf", text, length, &error))
    {
      check (error != NULL && error->message[0] != '\0', "inbounds: failure without message");
      return;
    }

  first = sy_config_serialize_inbounds (config);
  if (!sy_config_parse_inbounds (again, "inbounds.conf", first, -1, &error))
    {
      g_printerr ("%s\n---\n%s\n", error->message, first);
      check (FALSE, "inbounds: serialized text does not parse");
    }
  check (sy_config_equal (config, again), "inbounds: reparsed config differs");
  second = sy_config_serialize_inbounds (again);
  check (g_str_equal (first, second), "inbounds: serialization not stable");
}

static void
fuzz_pool (const char *text,
           gsize       length)
{
  g_autoptr(SyPoolConfig) pool = NULL;
  g_autoptr(SyPoolConfig) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  if ((pool = sy_config_parse_pool ("pools/fuzz.conf", text, length, &error)) == NULL)
    {
      check (error != NULL && error->message[0] != '\0', "pool: failure without message");
      return;
    }

  first = sy_config_serialize_pool (pool);
  if ((again = sy_config_parse_pool ("pools/fuzz.conf", first, -1, &error)) == NULL)
    {
      g_printerr ("%s\n---\n%s\n", error->message, first);
      check (FALSE, "pool: serialized text does not parse");
    }
  check (sy_pool_config_equal (pool, again), "pool: reparsed config differs");
  second = sy_config_serialize_pool (again);
  check (g_str_equal (first, second), "pool: serialization not stable");
}

static void
fuzz_url (const char *text)
{
  g_autoptr(SyUpstreamConfig) upstream = NULL;
  g_autoptr(SyUpstreamConfig) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if ((upstream = sy_upstream_config_new_from_url (text, &error)) == NULL)
    return;

  url = sy_upstream_config_to_url (upstream, TRUE);
  again = sy_upstream_config_new_from_url (url, &error);
  check (again != NULL, "URL: to_url result does not parse");
  check (sy_upstream_config_equal (upstream, again), "URL: reparsed upstream differs");
}

static void
fuzz_status_ranges (const char *text)
{
  g_autoptr(GArray) ranges = NULL;
  g_autoptr(GArray) again = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  if (!sy_status_ranges_parse (text, &ranges, NULL))
    return;

  first = sy_status_ranges_to_string (ranges);
  check (sy_status_ranges_parse (first, &again, NULL), "status: to_string does not parse");
  second = sy_status_ranges_to_string (again);
  check (g_str_equal (first, second), "status: not stable");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;

  /* Expected failures must stay quiet; a programmer error (g_critical)
   * must crash the fuzzer rather than scroll by. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  fuzz_service ((const char *) data, size);
  fuzz_inbounds ((const char *) data, size);
  fuzz_pool ((const char *) data, size);

  /* The string entry points take NUL-terminated text. */
  if (memchr (data, '\0', size) == NULL && size < 4096)
    {
      text = g_strndup ((const char *) data, size);
      fuzz_url (text);
      fuzz_status_ranges (text);
    }

  return 0;
}
