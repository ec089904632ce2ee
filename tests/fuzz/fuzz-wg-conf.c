/* fuzz-wg-conf.c — libFuzzer harness for the wg-quick and wireproxy parsers
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Feeds the input to both file parsers. A failure must carry an
 * SY_ERROR_CONFIG message. Whatever parses must satisfy
 * sy_wg_profile_validate(), and its wg-quick text must parse back to an
 * equal profile and be written out the same again: the app saves profiles
 * in that format, and an unstable round trip would slowly corrupt them.
 * Short inputs are tried as prefixes and keys too.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/sy-error.h"
#include "util/sy-secret.h"
#include "wireguard/sy-wg-profile.h"
#include "wireguard/sy-wireproxy-config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* A directory that does not exist, so that relative WGConfig paths fail the
 * same way on every machine. */
#define FUZZ_WIREPROXY_PATH "/nonexistent-switchyard-fuzz/wireproxy.conf"

static void
check (gboolean    condition,
       const char *what)
{
  if (!condition)
    {
      g_printerr ("fuzz-wg-conf: %s\n", what);
      abort ();
    }
}

static void
check_failure (GError *error)
{
  check (error != NULL, "failure without an error");
  check (g_error_matches (error, SY_ERROR, SY_ERROR_CONFIG), "failure outside SY_ERROR_CONFIG");
  check (error->message[0] != '\0', "failure without a message");
  check (g_utf8_validate (error->message, -1, NULL), "message is not UTF-8");
}

/* @profile came from a parser: it writes out and reads back as itself. */
static void
check_profile_round_trip (SyWgProfile *profile,
                          const char  *filename)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyWgProfile) again = NULL;
  g_autoptr(SyWgProfile) copy = NULL;
  g_autoptr(SySecret) first = NULL;
  g_autoptr(SySecret) second = NULL;

  if (!sy_wg_profile_validate (profile, &error))
    {
      g_printerr ("%s\n", error->message);
      check (FALSE, "a parsed profile does not validate");
    }

  first = sy_wg_profile_to_wg_quick (profile);
  again = sy_wg_profile_parse_wg_quick (first, filename, &error);
  if (again == NULL)
    {
      g_printerr ("%s\n---\n%s\n", error->message, first);
      check (FALSE, "written text does not parse");
    }
  check (sy_wg_profile_equal (profile, again), "reparsed profile differs");
  check (sy_wg_profile_get_warnings (again)[0] == NULL, "written text has warnings");

  second = sy_wg_profile_to_wg_quick (again);
  check (g_str_equal (first, second), "writing is not stable");

  copy = sy_wg_profile_copy (profile);
  check (sy_wg_profile_equal (profile, copy), "copy differs");
}

static void
fuzz_wg_quick (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyWgProfile) profile = sy_wg_profile_parse_wg_quick (text, "fuzz.conf", &error);

  if (profile == NULL)
    {
      check_failure (error);
      return;
    }

  for (const char * const *w = sy_wg_profile_get_warnings (profile); *w != NULL; w++)
    check (g_str_has_prefix (*w, "fuzz.conf:"), "warning without file and line");

  check_profile_round_trip (profile, "fuzz.conf");
}

static void
check_routine (const SyWireproxyRoutine *routine)
{
  gboolean listens = routine->kind != SY_WIREPROXY_ROUTINE_STDIO_TUNNEL &&
                     routine->kind != SY_WIREPROXY_ROUTINE_TCP_SERVER_TUNNEL;
  gboolean forwards = routine->kind != SY_WIREPROXY_ROUTINE_SOCKS5 &&
                      routine->kind != SY_WIREPROXY_ROUTINE_HTTP &&
                      routine->kind != SY_WIREPROXY_ROUTINE_SNI;

  check (sy_wireproxy_routine_kind_name (routine->kind) != NULL, "routine kind");
  check (routine->line > 0, "routine without a line");
  check ((routine->bind_host != NULL) == listens, "bind address");
  check (!listens || routine->bind_port > 0, "bind port");
  check ((routine->target_host != NULL) == forwards, "target");
  check (!forwards || (routine->target_host[0] != '\0' && routine->target_port > 0), "target");
  check ((routine->listen_port > 0) == (routine->kind == SY_WIREPROXY_ROUTINE_TCP_SERVER_TUNNEL),
         "listen port");
  check ((routine->cert_file == NULL) == (routine->key_file == NULL), "certificate and key");
  check (routine->username == NULL || routine->username[0] != '\0', "empty user name");
  check (routine->password == NULL || routine->password[0] != '\0', "empty password");
  if (routine->kind == SY_WIREPROXY_ROUTINE_SOCKS5)
    check (routine->require_auth == (routine->username != NULL) &&
           (routine->password == NULL || routine->username != NULL), "socks5 authentication");
}

static void
fuzz_wireproxy (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyWireproxyConfig) config = sy_wireproxy_config_parse (text, FUZZ_WIREPROXY_PATH,
                                                                    &error);

  if (config == NULL)
    {
      check_failure (error);
      return;
    }

  check (config->profile != NULL, "no profile");
  check (config->profile->addresses->len > 0, "no address");
  check (config->profile->peers->len > 0, "no peer");
  check (config->check_alive_interval > 0, "check interval");
  check (config->check_alive->len > 0 ||
         config->check_alive_interval == SY_WIREPROXY_DEFAULT_CHECK_ALIVE_INTERVAL,
         "interval without CheckAlive");
  check (sy_wireproxy_config_get_effective_resolve_strategy (config) != SY_WIREPROXY_RESOLVE_AUTO,
         "auto left unresolved");

  for (guint i = 0; i < config->profile->peers->len; i++)
    {
      const SyWgPeer *peer = g_ptr_array_index (config->profile->peers, i);

      check (peer->allowed_ips->len > 0, "a wireproxy peer without AllowedIPs");
    }
  for (guint i = 0; i < config->routines->len; i++)
    check_routine (g_ptr_array_index (config->routines, i));

  check_profile_round_trip (config->profile, "wireproxy.conf");
}

static void
fuzz_prefix (const char *text)
{
  char buffer[SY_WG_PREFIX_STRING_MAX];
  SyWgPrefix prefix;
  SyWgPrefix again;

  if (!sy_wg_prefix_parse (text, &prefix, NULL))
    return;

  sy_wg_prefix_format (&prefix, buffer);
  check (sy_wg_prefix_parse (buffer, &again, NULL), "formatted prefix does not parse");
  check (sy_wg_prefix_equal (&prefix, &again), "reparsed prefix differs");

  sy_wg_prefix_mask (&again);
  check (sy_wg_prefix_is_masked (&again), "masking");
  check (sy_wg_prefix_contains (&again, prefix.family, prefix.bytes), "prefix contains itself");
}

static void
fuzz_key (const char *text)
{
  guint8 key[SY_WG_KEY_LEN];
  g_autofree char *again = NULL;

  if (!sy_wg_key_from_base64 (text, key, NULL))
    return;

  again = sy_wg_key_to_base64 (key);
  check (g_str_equal (text, again), "key does not round-trip");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;

  /* Expected failures must stay quiet; a programmer error (g_critical)
   * must crash the fuzzer rather than scroll by. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  /* The parsers take NUL-terminated text (files with NUL bytes are refused
   * when read), and configuration files are small. */
  if (memchr (data, '\0', size) != NULL || size > 64 * 1024)
    return 0;

  text = g_strndup ((const char *) data, size);
  fuzz_wg_quick (text);
  fuzz_wireproxy (text);

  if (size < 128)
    {
      fuzz_prefix (text);
      fuzz_key (text);
    }

  return 0;
}
