/* sy-keyfile-util.h — a GKeyFile-syntax scanner that remembers line numbers
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GKeyFile's own parser reports no line numbers, silently merges repeated
 * groups and keeps the last of repeated keys. Configuration errors must point
 * at the line to fix, and a repeated group is almost always a mistake, so the
 * config files are scanned here instead. The accepted syntax is GKeyFile's:
 * leading blanks are ignored, '#' starts a comment line, "[Group]" may be
 * followed by blanks, "Key = value" has blanks trimmed around '=', values use
 * the escapes \s \n \t \r \\. Unlike GKeyFile, trailing blanks of a value are
 * dropped (an invisible space should not change a value); the writer escapes
 * them so that both parsers agree on everything Switchyard writes.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char  *key;
  char  *value;   /* raw: still escaped, blanks around it removed */
  guint  line;
} SyKeyFileEntry;

typedef struct
{
  char      *name;
  guint      line;
  GPtrArray *entries;   /* SyKeyFileEntry*, in file order */
} SyKeyFileGroup;

typedef struct
{
  char      *filename;
  GPtrArray *groups;    /* SyKeyFileGroup*, in file order */
} SyKeyFile;

/* Files larger than this are refused: configuration files are a few KiB, and
 * the bound keeps a mistaken path (a log, a disk image) from eating memory. */
#define SY_KEY_FILE_MAX_SIZE (1024 * 1024)

SyKeyFile      *sy_key_file_scan          (const char            *filename,
                                           const char            *data,
                                           gsize                  length,
                                           GError               **error);
void            sy_key_file_free          (SyKeyFile             *key_file);
SyKeyFileGroup *sy_key_file_find_group    (const SyKeyFile       *key_file,
                                           const char            *group);
SyKeyFileEntry *sy_key_file_group_lookup  (const SyKeyFileGroup  *group,
                                           const char            *key);
/* The line of @key in @group, else of the group header, else 0. */
guint           sy_key_file_find_line     (const SyKeyFile       *key_file,
                                           const char            *group,
                                           const char            *key);

/* GKeyFile string escapes. Returns NULL and sets @problem on a bad escape. */
char           *sy_key_file_unescape      (const char            *raw,
                                           char                 **problem);
void            sy_key_file_append_escaped (GString              *out,
                                            const char           *value);

/* The candidate closest to @word when it is close enough to be a typo
 * (case differences, one or two edits), else NULL. */
const char     *sy_key_file_suggest       (const char            *word,
                                           const char * const    *candidates);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyKeyFile, sy_key_file_free)

G_END_DECLS
