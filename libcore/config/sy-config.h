/* sy-config.h — the configuration model and its GKeyFile files on disk
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The configuration directory (the service picks $XDG_CONFIG_HOME/switchyard/)
 * holds small files a person may edit; docs/config.md describes every key:
 *
 *   service.conf       [Service] and [Direct]
 *   inbounds.conf      one [Inbound NAME] group per local listener
 *   pools/NAME.conf    [Pool], [HealthCheck], then [Upstream NAME] groups
 *                      in priority order
 *   wireguard/NAME.conf  a WireGuard profile in wg-quick(8) format, the
 *                      outbound "wireguard:NAME" (see sy-config-wireguard.c)
 *
 * The files use GKeyFile syntax (any GKeyFile reader can read them), but are
 * parsed by our own scanner so that every error can say FILE:LINE, and so
 * that duplicate groups and keys, unknown groups and unknown keys are errors
 * instead of being silently merged or ignored.
 *
 * Every key name below is the spelling used in the files. Ranges are
 * inclusive; a value outside them is an error, never clamped.
 */

#pragma once

#include <gio/gio.h>

#include "wireguard/sy-wg-profile.h"

G_BEGIN_DECLS

/* [Pool] Strategy= */
typedef enum
{
  SY_POOL_STRATEGY_ROUND_ROBIN,        /* "round-robin" (the default) */
  SY_POOL_STRATEGY_WEIGHTED_RANDOM,    /* "weighted-random": by Weight */
  SY_POOL_STRATEGY_FAILOVER,           /* "failover": first healthy in file order */
  SY_POOL_STRATEGY_LEAST_CONNECTIONS,  /* "least-connections" */
  SY_POOL_STRATEGY_LOWEST_LATENCY,     /* "lowest-latency", with Tolerance */
} SyPoolStrategy;

typedef enum
{
  SY_UPSTREAM_KIND_SOCKS5,             /* "socks5" (socks5:// and socks5h:// URLs) */
  SY_UPSTREAM_KIND_HTTP,               /* "http": HTTP CONNECT */
  SY_UPSTREAM_KIND_WIREGUARD,          /* "wireguard": through a WireGuard profile's tunnel */
} SyUpstreamKind;

/* [Upstream NAME] in pools/POOL.conf. The file gives either
 *   URL=socks5://user:password@host:port   (written by Switchyard)
 * or the same split into Type=, Host=, Port=, Username=, Password=.
 * NULL and "" mean the same for username and password.
 * A WireGuard member is URL=wireguard:PROFILE: it has a profile and no
 * host, port or credentials. */
typedef struct
{
  char           *name;            /* sy_is_valid_name(), unique in its pool */
  SyUpstreamKind  kind;
  char           *host;            /* host name or IP literal (IPv6 without brackets) */
  guint16         port;            /* 1–65535, required */
  char           *profile;         /* kind wireguard: the profile (wireguard/PROFILE.conf) */
  char           *username;        /* NULL: no authentication; ≤ 255 bytes (RFC 1929) */
  char           *password;        /* NULL with a username: empty password; ≤ 255 bytes */
  guint           weight;          /* Weight=, weighted-random share, 1–10000 (default 1) */
  gboolean        enabled;         /* Enabled=, default TRUE */
} SyUpstreamConfig;

/* Ranges of acceptable HTTP statuses for a health check, e.g. "200-299,301".
 * Each bound is 100–599 and low ≤ high. */
typedef struct
{
  guint16 low;
  guint16 high;
} SyStatusRange;

/* [HealthCheck] in pools/POOL.conf */
typedef struct
{
  gboolean        enabled;           /* Enabled=, default TRUE */
  char           *url;               /* URL=, http:// or https:// URL fetched through each
                                      * upstream (default "http://www.gstatic.com/generate_204",
                                      * the URL Clash users know) */
  guint           interval_s;        /* Interval=, between checks of a healthy upstream,
                                      * 1–86400 (default 60) */
  guint           timeout_ms;        /* Timeout=, whole check incl. dial, 100–120000
                                      * (default 5000) */
  GArray         *expected_status;   /* ExpectedStatus=, SyStatusRange; default 200-399 */
  guint           latency_samples;   /* LatencySamples=, latency = mean of the last N successes,
                                      * 1–100 (default 5) */
  guint           fail_threshold;    /* FailThreshold=, N failures …, 1–100 (default 3) */
  guint           fail_window_s;     /* FailWindow=, … within this window mark it down,
                                      * 1–86400 (default 60) */
  guint           recover_threshold; /* RecoverThreshold=, successes in a row to come back up,
                                      * 1–100 (default 2) */
  guint           backoff_initial_s; /* BackoffInitial=, first re-check of a dead upstream,
                                      * 1–86400 (default 5) */
  guint           backoff_max_s;     /* BackoffMax=, cap of the exponential back-off,
                                      * BackoffInitial–86400 (default 300) */
} SyHealthCheckConfig;

#define SY_HEALTH_CHECK_DEFAULT_URL "http://www.gstatic.com/generate_204"

/* pools/NAME.conf: the pool's name is the file's name without ".conf" */
typedef struct
{
  char               *name;          /* sy_is_valid_name(), not "direct" nor "reject" */
  SyPoolStrategy      strategy;      /* [Pool] Strategy= (default round-robin) */
  guint               tolerance_ms;  /* [Pool] Tolerance=, lowest-latency: only switch when better
                                      * by this, 0–10000 (default 50) */
  guint               max_attempts;  /* [Pool] MaxAttempts=, upstreams tried per dial before
                                      * giving up, 1–32 (default 3) */
  SyHealthCheckConfig health;
  GPtrArray          *upstreams;     /* SyUpstreamConfig*, in priority order (file order) */
} SyPoolConfig;

/* [Inbound NAME] in inbounds.conf */
typedef struct
{
  char     *name;                    /* sy_is_valid_name(), unique */
  char     *listen_address;          /* Listen=, an IP literal (default 127.0.0.1) */
  guint16   port;                    /* Port=, 1–65535 (default 1080). 0 (an ephemeral port)
                                      * passes sy_config_validate() for tests, but is refused
                                      * in files and by sy_config_save_dir() */
  char     *username;                /* Username=, NULL: no authentication; ≤ 255 bytes, no ':' */
  char     *password;                /* Password=, required with a username; ≤ 255 bytes */
  gboolean  allow_insecure;          /* AllowInsecure=, allow a non-loopback bind without
                                      * authentication (default FALSE) */
  char     *outbound;                /* Outbound=, "direct", "reject", a pool name or
                                      * "wireguard:PROFILE" (default "direct") */
} SyInboundConfig;

/* service.conf */
typedef struct
{
  /* [Service] */
  gboolean  autostart;               /* Autostart=, start the proxy stack when the service
                                      * starts (default TRUE) */
  guint     connect_timeout_ms;      /* ConnectTimeout=, 100–600000 (default 10000) */
  guint     handshake_timeout_ms;    /* HandshakeTimeout=, client must finish its request within,
                                      * 100–600000 (default 10000) */
  guint     idle_timeout_s;          /* IdleTimeout=, relay idle timeout, 0 = none, 0–604800
                                      * (default 300) */
  guint     connection_log_size;     /* ConnectionLogSize=, finished sessions kept, 0–100000
                                      * (default 1000) */
  guint     log_size;                /* LogSize=, log lines kept, 0–100000 (default 2000) */
  /* [Direct]: the direct outbound */
  char     *bind_address;            /* BindAddress=, an IP literal, NULL: any */
  char     *interface;               /* Interface=, SO_BINDTODEVICE, NULL: none */
  guint32   fwmark;                  /* FwMark=, SO_MARK, 0: none (decimal or 0x hex) */
} SyServiceConfig;

typedef struct
{
  SyServiceConfig  service;
  GPtrArray       *inbounds;         /* SyInboundConfig* */
  GPtrArray       *pools;            /* SyPoolConfig*; sy_config_load_dir() sorts them by name */
  GPtrArray       *wireguard;        /* SyWgProfile*, each with its name; sorted by name when
                                      * loaded. Shared and immutable: copies of the
                                      * configuration hold references to the same profiles;
                                      * to change one, replace it with an edited copy. */
} SyConfig;

/* file names inside the config directory */
#define SY_CONFIG_SERVICE_FILE  "service.conf"
#define SY_CONFIG_INBOUNDS_FILE "inbounds.conf"
#define SY_CONFIG_POOLS_DIR     "pools"
#define SY_CONFIG_WIREGUARD_DIR "wireguard"

/* A WireGuard profile NAME is the outbound "wireguard:NAME", alone
 * (Outbound=wireguard:NAME) and in pools (URL=wireguard:NAME). */
#define SY_OUTBOUND_WIREGUARD_PREFIX "wireguard:"

/* The first line of every file Switchyard writes. */
#define SY_CONFIG_FILE_HEADER \
  "# Written by Switchyard. You may edit this file; run `switchyardctl reload` afterwards."

/* Defaults: service defaults, one inbound "main" on 127.0.0.1:1080 with the
 * direct outbound, no pools. */
SyConfig         *sy_config_new_default          (void);
SyConfig         *sy_config_copy                 (const SyConfig      *config);
void              sy_config_free                 (SyConfig            *config);
/* Field by field, in array order; NULL and "" strings are equal. */
gboolean          sy_config_equal                (const SyConfig      *a,
                                                  const SyConfig      *b);
SyInboundConfig  *sy_config_find_inbound         (const SyConfig      *config,
                                                  const char          *name,
                                                  guint               *index);
SyPoolConfig     *sy_config_find_pool            (const SyConfig      *config,
                                                  const char          *name,
                                                  guint               *index);

SyWgProfile      *sy_config_find_wireguard       (const SyConfig      *config,
                                                  const char          *name,
                                                  guint               *index);

/* Loads every file of @directory and validates the whole: returns a complete
 * configuration or NULL with an SY_ERROR_CONFIG error, never a partial one.
 * A missing directory or file means its defaults (a missing inbounds.conf
 * means the default inbound; an existing but empty one means no inbounds).
 * In pools/ and wireguard/ only "*.conf" files not starting with '.' are
 * read. What WireGuard profiles contain but Switchyard ignores (wg-quick's
 * PostUp and the like) is logged, not an error. */
SyConfig         *sy_config_load_dir             (const char          *directory,
                                                  GError             **error);
/* Validates @config, then writes each file atomically with mode 0600 (every
 * file, so that a password added later by hand is never world-readable),
 * creating the directories with mode 0700, and deletes pools/ and wireguard/
 * "*.conf" files of pools and profiles that no longer exist. Comments a
 * person added are not kept, except in wireguard/ files whose profile did
 * not change: those are left as they are (only their mode is made 0600).
 * An invalid @config is SY_ERROR_CONFIG and touches nothing; a failure to
 * write is SY_ERROR_FAILED. */
gboolean          sy_config_save_dir             (const SyConfig      *config,
                                                  const char          *directory,
                                                  GError             **error);
/* Checks every value, unique names and cross references (an inbound's
 * outbound and a pool member's profile must exist).
 * SY_ERROR_CONFIG, "[GROUP] KEY: what to do". */
gboolean          sy_config_validate             (const SyConfig      *config,
                                                  GError             **error);

/* Parsing of one file's text; @filename is only used in error messages,
 * except that sy_config_parse_pool() takes the pool's name from it
 * ("pools/work.conf" → "work"). @length may be -1 for NUL-terminated data.
 * On failure @config is left untouched.
 * Errors are SY_ERROR_CONFIG with "FILE:LINE: [GROUP] KEY: what is wrong and
 * what to write instead". */
gboolean          sy_config_parse_service        (SyConfig            *config,
                                                  const char          *filename,
                                                  const char          *data,
                                                  gsize                length,
                                                  GError             **error);
gboolean          sy_config_parse_inbounds       (SyConfig            *config,
                                                  const char          *filename,
                                                  const char          *data,
                                                  gsize                length,
                                                  GError             **error);
SyPoolConfig     *sy_config_parse_pool           (const char          *filename,
                                                  const char          *data,
                                                  gsize                length,
                                                  GError             **error);
/* wireguard/NAME.conf: wg-quick text; the profile is named after the file.
 * Errors are SY_ERROR_CONFIG "FILE:LINE: [SECTION] KEY: …". */
SyWgProfile      *sy_config_parse_wireguard      (const char          *filename,
                                                  const char          *data,
                                                  gsize                length,
                                                  GError             **error);
/* The text of each file, header comment included; parses back to equal structs.
 * A WireGuard profile's text holds its private key: free it with
 * sy_secret_free(). */
char             *sy_config_serialize_service    (const SyConfig      *config);
char             *sy_config_serialize_inbounds   (const SyConfig      *config);
char             *sy_config_serialize_pool       (const SyPoolConfig  *pool);
char             *sy_config_serialize_wireguard  (const SyWgProfile   *profile);

/* "wireguard:NAME" → "NAME"; NULL for any other outbound name. */
const char       *sy_outbound_name_get_wireguard (const char          *outbound);
/* "NAME" → "wireguard:NAME" */
char             *sy_outbound_name_for_wireguard (const char          *profile);
/* The inbounds routing to profile @name and the pools that have it as a
 * member, by name, in configuration order. NULL-terminated, never NULL. */
GStrv             sy_config_dup_wireguard_inbounds (const SyConfig    *config,
                                                    const char        *name);
GStrv             sy_config_dup_wireguard_pools  (const SyConfig      *config,
                                                  const char          *name);
/* Checks one profile in memory (D-Bus, tests): its name and
 * sy_wg_profile_validate(); SY_ERROR_INVALID_ARGUMENT. */
gboolean          sy_config_wireguard_validate   (const SyWgProfile   *profile,
                                                  GError             **error);

SyInboundConfig  *sy_inbound_config_new          (void);
SyInboundConfig  *sy_inbound_config_copy         (const SyInboundConfig *config);
void              sy_inbound_config_free         (SyInboundConfig     *config);
gboolean          sy_inbound_config_equal        (const SyInboundConfig *a,
                                                  const SyInboundConfig *b);
/* One inbound on its own (no cross references); SY_ERROR_INVALID_ARGUMENT. */
gboolean          sy_inbound_config_validate     (const SyInboundConfig *config,
                                                  GError             **error);

SyPoolConfig     *sy_pool_config_new             (const char          *name);
SyPoolConfig     *sy_pool_config_copy            (const SyPoolConfig  *config);
void              sy_pool_config_free            (SyPoolConfig        *config);
gboolean          sy_pool_config_equal           (const SyPoolConfig  *a,
                                                  const SyPoolConfig  *b);
/* The pool, its health check and upstreams; SY_ERROR_INVALID_ARGUMENT. */
gboolean          sy_pool_config_validate        (const SyPoolConfig  *config,
                                                  GError             **error);
SyUpstreamConfig *sy_pool_config_find_upstream   (const SyPoolConfig  *config,
                                                  const char          *name,
                                                  guint               *index);
gboolean          sy_health_check_config_equal   (const SyHealthCheckConfig *a,
                                                  const SyHealthCheckConfig *b);

SyUpstreamConfig *sy_upstream_config_new         (void);
SyUpstreamConfig *sy_upstream_config_copy        (const SyUpstreamConfig *config);
void              sy_upstream_config_free        (SyUpstreamConfig    *config);
gboolean          sy_upstream_config_equal       (const SyUpstreamConfig *a,
                                                  const SyUpstreamConfig *b);
/* "socks5://user:pass@host:port" / "socks5h://…" (the same) / "http://host:port":
 * the scheme is case-insensitive, the port required, user and password are
 * percent-decoded, IPv6 literals go in brackets, a single trailing '/' is
 * allowed. "wireguard:PROFILE" is a WireGuard member. The result has no
 * name, weight 1 and is enabled.
 * SY_ERROR_INVALID_ARGUMENT; messages never contain the password. */
SyUpstreamConfig *sy_upstream_config_new_from_url (const char         *url,
                                                   GError            **error);
/* The inverse (percent-encoding user and password, bracketing IPv6). Without
 * @with_password the password is left out, for display and logs. */
char             *sy_upstream_config_to_url      (const SyUpstreamConfig *config,
                                                  gboolean             with_password);
/* Name, host, port, credentials, weight; SY_ERROR_INVALID_ARGUMENT. */
gboolean          sy_upstream_config_validate    (const SyUpstreamConfig *config,
                                                  GError             **error);

/* NULL or empty @config->expected_status means the default 200-399. */
gboolean          sy_health_check_status_ok      (const SyHealthCheckConfig *config,
                                                  guint                status);
/* "200-299,301" (spaces around items allowed) → SyStatusRange array in the
 * given order; SY_ERROR_INVALID_ARGUMENT. */
gboolean          sy_status_ranges_parse         (const char          *text,
                                                  GArray             **ranges,
                                                  GError             **error);
char             *sy_status_ranges_to_string     (GArray              *ranges);

const char       *sy_pool_strategy_to_string     (SyPoolStrategy       strategy);
gboolean          sy_pool_strategy_from_string   (const char          *text,
                                                  SyPoolStrategy      *strategy);
const char       *sy_upstream_kind_to_string     (SyUpstreamKind       kind);
gboolean          sy_upstream_kind_from_string   (const char          *text,
                                                  SyUpstreamKind      *kind);
/* 1–64 characters of [A-Za-z0-9._-], not starting with '.' (names end up in
 * file names and group headers). */
gboolean          sy_is_valid_name               (const char          *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyConfig, sy_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyInboundConfig, sy_inbound_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyPoolConfig, sy_pool_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyUpstreamConfig, sy_upstream_config_free)

G_END_DECLS
