/* sy-config-private.h — what sy-config.c, sy-config-parse.c and
 * sy-config-write.c share: the key tables and error reporting
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "util/sy-secret.h"

#include "config/sy-config.h"
#include "config/sy-keyfile-util.h"

G_BEGIN_DECLS

/* Where a problem was found, so that one validator serves both the files
 * ("pools/work.conf:7: [Upstream a] URL: …") and in-memory configurations
 * from D-Bus ("pool work: [Upstream a] URL: …"). */
typedef struct
{
  const char      *filename;  /* NULL: not from a file */
  const SyKeyFile *key_file;  /* for line numbers, may be NULL */
  const char      *prefix;    /* put before the group when there is no file, may be NULL */
  gint             code;      /* SyError code of the error */
  gboolean         strict;    /* what files need beyond the in-memory rules (port 0) */
} SyConfigWhere;

void     sy_config_report (GError              **error,
                           const SyConfigWhere  *where,
                           const char           *group,
                           const char           *key,
                           const char           *format,
                           ...) G_GNUC_PRINTF (5, 6);

typedef enum
{
  SY_KEY_BOOL,
  SY_KEY_UINT,
  SY_KEY_UINT16,
  SY_KEY_UINT32,          /* decimal, or hexadecimal with 0x (marks are often hex) */
  SY_KEY_STRING,
  SY_KEY_STRATEGY,
  SY_KEY_STATUS_RANGES,
} SyKeyType;

/* Checks a string value; returns FALSE and sets @problem, a text that
 * follows "KEY: " and says what to write instead. */
typedef gboolean (*SyKeyCheck) (const char  *value,
                                char       **problem);

/* One key of a group: the single description that parsing, writing,
 * defaults, validation, copying and comparison all follow. */
typedef struct
{
  const char *name;
  SyKeyType   type;
  gsize       offset;       /* in the struct the group fills */
  guint64     min;
  guint64     max;
  guint64     def;          /* integers, booleans, enums */
  const char *def_string;   /* strings and status ranges; NULL: optional */
  SyKeyCheck  check;
  const char *comment;      /* written above the key, NULL: none */
} SyKeySpec;

/* Tables end with an entry whose name is NULL. */
extern const SyKeySpec sy_service_keys[];    /* [Service]     on SyServiceConfig */
extern const SyKeySpec sy_direct_keys[];     /* [Direct]      on SyServiceConfig */
extern const SyKeySpec sy_inbound_keys[];    /* [Inbound N]   on SyInboundConfig */
extern const SyKeySpec sy_pool_keys[];       /* [Pool]        on SyPoolConfig */
extern const SyKeySpec sy_health_keys[];     /* [HealthCheck] on SyHealthCheckConfig */
extern const SyKeySpec sy_upstream_keys[];   /* [Upstream N]  on SyUpstreamConfig, besides URL */

#define SY_GROUP_SERVICE      "Service"
#define SY_GROUP_DIRECT       "Direct"
#define SY_GROUP_INBOUND      "Inbound"
#define SY_GROUP_POOL         "Pool"
#define SY_GROUP_HEALTH       "HealthCheck"
#define SY_GROUP_UPSTREAM     "Upstream"

#define SY_OUTBOUND_DIRECT    "direct"
#define SY_OUTBOUND_REJECT    "reject"

const SyKeySpec *sy_keys_lookup     (const SyKeySpec        *keys,
                                     const char             *name);
void             sy_keys_init       (const SyKeySpec        *keys,
                                     gpointer                base);
void             sy_keys_clear      (const SyKeySpec        *keys,
                                     gpointer                base);
void             sy_keys_copy       (const SyKeySpec        *keys,
                                     gpointer                dest,
                                     gconstpointer           src);
gboolean         sy_keys_equal      (const SyKeySpec        *keys,
                                     gconstpointer           a,
                                     gconstpointer           b);
gboolean         sy_keys_check      (const SyKeySpec        *keys,
                                     gconstpointer           base,
                                     const SyConfigWhere    *where,
                                     const char             *group,
                                     GError                **error);
gboolean         sy_keys_parse      (const SyKeySpec        *spec,
                                     const SyKeyFileEntry   *entry,
                                     gpointer                base,
                                     const SyConfigWhere    *where,
                                     const char             *group,
                                     GError                **error);
void             sy_keys_write      (const SyKeySpec        *keys,
                                     gconstpointer           base,
                                     gboolean                comments,
                                     GString                *out);
/* NULL-terminated names of @keys followed by @extra (may be NULL), for "did you mean". */
GStrv            sy_keys_names      (const SyKeySpec        *keys,
                                     const char * const     *extra);

gboolean         sy_config_str_equal (const char            *a,
                                      const char            *b);


/* The per-object validators behind the public ones. */
gboolean         sy_service_config_check  (const SyServiceConfig  *service,
                                           const SyConfigWhere    *where,
                                           GError                **error);
gboolean         sy_inbound_config_check  (const SyInboundConfig  *inbound,
                                           const SyConfigWhere    *where,
                                           GError                **error);
gboolean         sy_inbounds_check        (GPtrArray              *inbounds,
                                           const SyConfigWhere    *where,
                                           GError                **error);
gboolean         sy_upstream_config_check (const SyUpstreamConfig *upstream,
                                           const SyConfigWhere    *where,
                                           GError                **error);
gboolean         sy_pool_config_check     (const SyPoolConfig     *pool,
                                           const SyConfigWhere    *where,
                                           GError                **error);
/* An inbound's outbound names an existing pool, profile (or direct/reject),
 * and every WireGuard member of a pool an existing profile. */
gboolean         sy_config_check_outbounds (const SyConfig        *config,
                                            const SyConfigWhere   *where,
                                            GError               **error);
/* The WireGuard members of @pool name existing profiles of @config. */
gboolean         sy_config_check_pool_members (const SyConfig     *config,
                                               const SyPoolConfig *pool,
                                               const SyConfigWhere *where,
                                               GError            **error);
/* Each profile is valid, named and has a name of its own. SY_ERROR_CONFIG,
 * "wireguard/NAME.conf: …". */
gboolean         sy_config_check_wireguard (const SyConfig        *config,
                                            GError               **error);

/* wireguard/ in the configuration directory (sy-config-wireguard.c).
 * Loading replaces @config->wireguard; writing leaves files whose profile
 * did not change as they are; removal deletes files of profiles that are
 * no longer in @config (run it last). */
gboolean         sy_config_load_wireguard_dir    (SyConfig          *config,
                                                  const char        *directory,
                                                  GError           **error);
gboolean         sy_config_write_wireguard_dir   (const SyConfig    *config,
                                                  const char        *directory,
                                                  GError           **error);
gboolean         sy_config_remove_stale_wireguard (const SyConfig   *config,
                                                   const char       *directory,
                                                   GError          **error);

/* URL parsing behind sy_upstream_config_new_from_url(); on failure @problem
 * says what is wrong without revealing the password. */
gboolean         sy_upstream_url_parse    (const char             *url,
                                           SyUpstreamConfig       *upstream,
                                           char                  **problem);
/* Host names and IP literals an upstream may have (checked, not resolved). */
gboolean         sy_check_host            (const char             *host,
                                           char                  **problem);

G_END_DECLS
