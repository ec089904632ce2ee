/* sy-keyfile-util.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-config"

#include <string.h>

#include "config/sy-keyfile-util.h"
#include "util/sy-error.h"

/* Lines quoted in messages are cut here so that one runaway line does not
 * fill a dialog. */
#define QUOTE_MAX 60

static void
entry_free (SyKeyFileEntry *entry)
{
  g_free (entry->key);
  g_free (entry->value);
  g_free (entry);
}

static void
group_free (SyKeyFileGroup *group)
{
  g_free (group->name);
  g_ptr_array_unref (group->entries);
  g_free (group);
}

void
sy_key_file_free (SyKeyFile *key_file)
{
  if (key_file == NULL)
    return;

  g_free (key_file->filename);
  g_ptr_array_unref (key_file->groups);
  g_free (key_file);
}

static char *
quote_line (const char *text,
            gsize       length)
{
  g_autofree char *valid = NULL;

  valid = g_utf8_make_valid (text, length);
  if (g_utf8_strlen (valid, -1) > QUOTE_MAX)
    {
      char *end = g_utf8_offset_to_pointer (valid, QUOTE_MAX);

      *end = '\0';
      return g_strconcat (valid, "…", NULL);
    }

  return g_steal_pointer (&valid);
}

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r' || c == '\n';
}

static gboolean
is_group_name (const char *name)
{
  if (*name == '\0')
    return FALSE;

  for (const char *p = name; *p; p++)
    if (*p == '[' || *p == ']' || g_ascii_iscntrl (*p))
      return FALSE;

  return TRUE;
}

SyKeyFile *
sy_key_file_scan (const char  *filename,
                  const char  *data,
                  gsize        length,
                  GError     **error)
{
  g_autoptr(SyKeyFile) key_file = NULL;
  g_autoptr(GHashTable) group_lines = NULL;
  SyKeyFileGroup *current = NULL;
  const char *p;
  const char *end;
  guint line_number = 0;

  g_return_val_if_fail (filename != NULL, NULL);
  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length == (gsize) -1)
    length = strlen (data);

  if (length > SY_KEY_FILE_MAX_SIZE)
    {
      g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                   "%s: is larger than %u KiB, too large for a configuration file; "
                   "is this the right file?",
                   filename, SY_KEY_FILE_MAX_SIZE / 1024);
      return NULL;
    }

  key_file = g_new0 (SyKeyFile, 1);
  key_file->filename = g_strdup (filename);
  key_file->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  group_lines = g_hash_table_new (g_str_hash, g_str_equal);

  p = data;
  end = data + length;

  /* Editors on other systems may write a byte order mark; it is not content. */
  if (length >= 3 && memcmp (p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;

  while (p < end)
    {
      const char *line = p;
      const char *eol = memchr (p, '\n', end - p);
      const char *line_end;
      const char *s;

      if (eol == NULL)
        eol = end;
      p = eol < end ? eol + 1 : end;
      line_end = eol;
      line_number++;

      if (line_end > line && line_end[-1] == '\r')
        line_end--;

      if (memchr (line, '\0', line_end - line) != NULL)
        {
          g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                       "%s:%u: contains a NUL byte; save the file as plain UTF-8 text",
                       filename, line_number);
          return NULL;
        }

      if (!g_utf8_validate (line, line_end - line, NULL))
        {
          g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                       "%s:%u: is not valid UTF-8; save the file as UTF-8",
                       filename, line_number);
          return NULL;
        }

      s = line;
      while (s < line_end && is_blank (*s))
        s++;

      if (s == line_end || *s == '#')
        continue;

      if (*s == '[')
        {
          const char *close = memchr (s, ']', line_end - s);
          const char *after;
          g_autofree char *name = NULL;
          SyKeyFileGroup *group;
          gpointer first;

          after = close != NULL ? close + 1 : line_end;
          while (after < line_end && (*after == ' ' || *after == '\t'))
            after++;

          if (close == NULL || after != line_end)
            {
              g_autofree char *quoted = quote_line (s, line_end - s);

              g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                           "%s:%u: '%s' is not a group header; write [Name] alone on its line",
                           filename, line_number, quoted);
              return NULL;
            }

          name = g_strndup (s + 1, close - s - 1);
          if (!is_group_name (name))
            {
              g_autofree char *quoted = quote_line (s, close + 1 - s);

              g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                           "%s:%u: '%s' is not a valid group header; write [Name] with a "
                           "non-empty name and no brackets or control characters inside",
                           filename, line_number, quoted);
              return NULL;
            }

          if ((first = g_hash_table_lookup (group_lines, name)) != NULL)
            {
              g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                           "%s:%u: [%s]: appears a second time (first at line %u); "
                           "merge the two groups into one",
                           filename, line_number, name, GPOINTER_TO_UINT (first));
              return NULL;
            }

          group = g_new0 (SyKeyFileGroup, 1);
          group->name = g_steal_pointer (&name);
          group->line = line_number;
          group->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
          g_ptr_array_add (key_file->groups, group);
          g_hash_table_insert (group_lines, group->name, GUINT_TO_POINTER (line_number));
          current = group;
        }
      else
        {
          const char *equals = memchr (s, '=', line_end - s);
          const char *key_end;
          const char *value;
          const char *value_end;
          g_autofree char *key = NULL;
          SyKeyFileEntry *entry;
          SyKeyFileEntry *previous;

          if (equals == NULL)
            {
              g_autofree char *quoted = quote_line (s, line_end - s);

              g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                           "%s:%u: '%s' is neither a [Group] header, a Key=Value line "
                           "nor a # comment",
                           filename, line_number, quoted);
              return NULL;
            }

          key_end = equals;
          while (key_end > s && is_blank (key_end[-1]))
            key_end--;

          if (key_end == s)
            {
              g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                           "%s:%u: has no key before '='; write Key=Value",
                           filename, line_number);
              return NULL;
            }

          key = g_strndup (s, key_end - s);

          if (current == NULL)
            {
              g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                           "%s:%u: %s: comes before the first [Group] header; "
                           "move it into a group",
                           filename, line_number, key);
              return NULL;
            }

          if ((previous = sy_key_file_group_lookup (current, key)) != NULL)
            {
              g_set_error (error, SY_ERROR, SY_ERROR_CONFIG,
                           "%s:%u: [%s] %s: is given a second time (first at line %u); "
                           "keep only one",
                           filename, line_number, current->name, key, previous->line);
              return NULL;
            }

          value = equals + 1;
          while (value < line_end && is_blank (*value))
            value++;
          value_end = line_end;
          while (value_end > value && is_blank (value_end[-1]))
            value_end--;

          entry = g_new0 (SyKeyFileEntry, 1);
          entry->key = g_steal_pointer (&key);
          entry->value = g_strndup (value, value_end - value);
          entry->line = line_number;
          g_ptr_array_add (current->entries, entry);
        }
    }

  return g_steal_pointer (&key_file);
}

SyKeyFileGroup *
sy_key_file_find_group (const SyKeyFile *key_file,
                        const char      *group)
{
  g_return_val_if_fail (key_file != NULL, NULL);
  g_return_val_if_fail (group != NULL, NULL);

  for (guint i = 0; i < key_file->groups->len; i++)
    {
      SyKeyFileGroup *g = g_ptr_array_index (key_file->groups, i);

      if (g_str_equal (g->name, group))
        return g;
    }

  return NULL;
}

SyKeyFileEntry *
sy_key_file_group_lookup (const SyKeyFileGroup *group,
                          const char           *key)
{
  g_return_val_if_fail (group != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  for (guint i = 0; i < group->entries->len; i++)
    {
      SyKeyFileEntry *entry = g_ptr_array_index (group->entries, i);

      if (g_str_equal (entry->key, key))
        return entry;
    }

  return NULL;
}

guint
sy_key_file_find_line (const SyKeyFile *key_file,
                       const char      *group,
                       const char      *key)
{
  SyKeyFileGroup *g;
  SyKeyFileEntry *entry;

  if (key_file == NULL || group == NULL)
    return 0;

  if ((g = sy_key_file_find_group (key_file, group)) == NULL)
    return 0;

  if (key != NULL && (entry = sy_key_file_group_lookup (g, key)) != NULL)
    return entry->line;

  return g->line;
}

char *
sy_key_file_unescape (const char  *raw,
                      char       **problem)
{
  GString *out;

  g_return_val_if_fail (raw != NULL, NULL);

  out = g_string_sized_new (strlen (raw));

  for (const char *p = raw; *p; p++)
    {
      if (*p != '\\')
        {
          g_string_append_c (out, *p);
          continue;
        }

      p++;
      switch (*p)
        {
        case 's':
          g_string_append_c (out, ' ');
          break;
        case 'n':
          g_string_append_c (out, '\n');
          break;
        case 't':
          g_string_append_c (out, '\t');
          break;
        case 'r':
          g_string_append_c (out, '\r');
          break;
        case '\\':
          g_string_append_c (out, '\\');
          break;
        case '\0':
          g_string_free (out, TRUE);
          if (problem != NULL)
            *problem = g_strdup ("ends with a lone backslash; write \\\\ for a backslash");
          return NULL;
        default:
          {
            /* A multi-byte character after '\' is quoted whole. */
            const char *next = g_utf8_next_char (p);

            if (problem != NULL)
              *problem = g_strdup_printf ("contains '\\%.*s', which is not an escape "
                                          "(\\s \\n \\t \\r \\\\); write \\\\ for a backslash",
                                          (int) (next - p), p);
            g_string_free (out, TRUE);
            return NULL;
          }
        }
    }

  return g_string_free (out, FALSE);
}

void
sy_key_file_append_escaped (GString    *out,
                            const char *value)
{
  gsize length;
  gsize lead = 0;
  gsize trail;

  g_return_if_fail (out != NULL);
  g_return_if_fail (value != NULL);

  length = strlen (value);

  /* Blanks at either end would be eaten by the scanner (and leading ones by
   * GKeyFile), so they are written as escapes. */
  while (lead < length && value[lead] == ' ')
    lead++;
  trail = length;
  while (trail > lead && value[trail - 1] == ' ')
    trail--;

  for (gsize i = 0; i < length; i++)
    {
      char c = value[i];

      switch (c)
        {
        case ' ':
          g_string_append (out, (i < lead || i >= trail) ? "\\s" : " ");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        default:
          g_string_append_c (out, c);
          break;
        }
    }
}

/* Optimal string alignment distance: Levenshtein plus adjacent
 * transpositions, the commonest typo ("Prot" for "Port"). */
static guint
osa_distance (const char *a,
              const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  g_autofree guint *d = NULL;
  guint result;

#define D(i, j) d[(i) * (lb + 1) + (j)]
  d = g_new0 (guint, (la + 1) * (lb + 1));

  for (gsize i = 0; i <= la; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= lb; j++)
    D (0, j) = j;

  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        guint cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
        guint best = MIN (D (i - 1, j) + 1, D (i, j - 1) + 1);

        best = MIN (best, D (i - 1, j - 1) + cost);
        if (i > 1 && j > 1 &&
            g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 2]) &&
            g_ascii_tolower (a[i - 2]) == g_ascii_tolower (b[j - 1]))
          best = MIN (best, D (i - 2, j - 2) + 1);
        D (i, j) = best;
      }

  result = D (la, lb);
#undef D

  return result;
}

const char *
sy_key_file_suggest (const char         *word,
                     const char * const *candidates)
{
  const char *best = NULL;
  guint best_distance = G_MAXUINT;

  g_return_val_if_fail (word != NULL, NULL);

  /* Typos are short edits; comparing long strings costs O(n·m) for nothing. */
  if (candidates == NULL || strlen (word) > 64)
    return NULL;

  for (guint i = 0; candidates[i] != NULL; i++)
    {
      guint distance = osa_distance (word, candidates[i]);
      guint allowed = strlen (candidates[i]) <= 4 ? 1 : 2;

      if (distance <= allowed && distance < best_distance)
        {
          best = candidates[i];
          best_distance = distance;
        }
    }

  return best;
}
