/* sy-wireproxy-config.c — wireproxy's .ini files, read the way wireproxy reads them
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two layers. The lexer reproduces go-ini v1.67 as wireproxy loads it
 * (Insensitive, AllowShadows, AllowNonUniqueSections): blanks are Unicode
 * white space; '#' and ';' start comment lines and, in unquoted values,
 * inline comments; values may be wrapped in "…" or '…' (stripped), in `…`
 * or """…""" (which may span lines, and keep ';' and '#'); a value ending
 * in a backslash continues on the next line; "Key: value" works like
 * "Key = value"; key names may be quoted.
 *
 * The interpreter then follows wireproxy's config.go: which keys it reads
 * through go-ini's %(key)s references and which through its whole-value
 * $VARIABLE expansion, Go's integer syntax (0x1f, 0o17, 1_000, and a
 * leading 0 meaning octal), netip's address syntax, the defaults. Where
 * wireproxy silently ignores a section, a key or a repeated key, or
 * accepts a value that breaks at run time, this refuses it with the line.
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-wireguard"

#include <string.h>

#include "config/sy-keyfile-util.h"
#include "util/sy-error.h"
#include "util/sy-secret.h"
#include "wireguard/sy-wg-profile-private.h"
#include "wireguard/sy-wireproxy-config.h"

/* go-ini substitutes %(key)s references at most this many times per value
 * (its depthValues); the size bound stops references that double a value on
 * each round long before that. */
#define INI_MAX_SUBSTITUTIONS 99
#define INI_MAX_VALUE_SIZE    (64 * 1024)

/* ---------------------------------------------------------------------- */
/* Go's view of text                                                       */

/* One rune the way Go's range loop and utf8.DecodeRune see it: an invalid
 * byte is U+FFFD of width one. */
static gunichar
go_decode (const char *p,
           const char *end,
           gsize      *width)
{
  gunichar c;

  if ((guchar) *p < 0x80)
    {
      *width = 1;
      return (guchar) *p;
    }

  c = g_utf8_get_char_validated (p, end - p);
  if (c == (gunichar) -1 || c == (gunichar) -2)
    {
      *width = 1;
      return 0xfffd;
    }

  *width = g_utf8_next_char (p) - p;
  return c;
}

/* unicode.IsSpace */
static gboolean
go_is_space (gunichar c)
{
  switch (c)
    {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202f: case 0x205f: case 0x3000:
      return TRUE;
    default:
      return c >= 0x2000 && c <= 0x200a;
    }
}

static gsize
go_space_prefix (const char *p,
                 gsize       length)
{
  gsize offset = 0;

  while (offset < length)
    {
      gsize width;

      if (!go_is_space (go_decode (p + offset, p + length, &width)))
        break;
      offset += width;
    }

  return offset;
}

/* strings.TrimSpace, as a slice of the input. */
static const char *
go_trim (const char *p,
         gsize       length,
         gsize      *trimmed_length)
{
  gsize start = go_space_prefix (p, length);
  gsize end = start;
  gsize offset = start;

  while (offset < length)
    {
      gsize width;
      gunichar c = go_decode (p + offset, p + length, &width);

      offset += width;
      if (!go_is_space (c))
        end = offset;
    }

  *trimmed_length = end - start;
  return p + start;
}

static char *
go_trim_dup (const char *p,
             gsize       length)
{
  gsize trimmed_length;
  const char *trimmed = go_trim (p, length, &trimmed_length);

  return g_strndup (trimmed, trimmed_length);
}

/* strings.ToLower: simple case mapping per rune. */
static char *
go_lower (const char *text)
{
  const char *end = text + strlen (text);
  GString *lower = g_string_sized_new (end - text);

  for (const char *p = text; p < end;)
    {
      gsize width;
      gunichar c = go_decode (p, end, &width);

      g_string_append_unichar (lower, g_unichar_tolower (c));
      p += width;
    }

  return g_string_free (lower, FALSE);
}

/* Whether go-ini, which lowercases names, sees @written as @canonical. */
static gboolean
go_name_equal (const char *written,
               const char *canonical)
{
  g_autofree char *a = go_lower (written);
  g_autofree char *b = g_ascii_strdown (canonical, -1);

  return g_str_equal (a, b);
}

/* strconv.underscoreOK */
static gboolean
go_underscore_ok (const char *s)
{
  char saw = '^';
  gsize i = 0;
  gboolean hex = FALSE;
  gsize length;

  if (s[0] == '-' || s[0] == '+')
    s++;
  length = strlen (s);

  if (length >= 2 && s[0] == '0' &&
      ((s[1] | 0x20) == 'b' || (s[1] | 0x20) == 'o' || (s[1] | 0x20) == 'x'))
    {
      i = 2;
      saw = '0';
      hex = (s[1] | 0x20) == 'x';
    }

  for (; i < length; i++)
    {
      if (g_ascii_isdigit (s[i]) || (hex && g_ascii_isxdigit (s[i])))
        {
          saw = '0';
          continue;
        }
      if (s[i] == '_')
        {
          if (saw != '0')
            return FALSE;
          saw = '_';
          continue;
        }
      if (saw == '_')
        return FALSE;
      saw = '!';
    }

  return saw != '_';
}

/* strconv.ParseInt (s, 0, 64), which go-ini's Key.Int() uses: an optional
 * sign, 0x/0o/0b prefixes, a bare leading 0 for octal, underscores between
 * digits. FALSE on a syntax or range error. */
static gboolean
go_parse_int (const char *text,
              gint64     *value)
{
  const char *s = text;
  const char *digits;
  gboolean negative = FALSE;
  gboolean underscores = FALSE;
  guint base = 10;
  guint64 n = 0;
  guint64 cutoff;

  if (*s == '+')
    s++;
  else if (*s == '-')
    {
      negative = TRUE;
      s++;
    }
  digits = s;

  if (*s == '\0')
    return FALSE;

  if (s[0] == '0')
    {
      gsize length = strlen (s);
      char c = s[1] | 0x20;

      if (length >= 3 && (c == 'b' || c == 'o' || c == 'x'))
        {
          base = c == 'b' ? 2 : c == 'o' ? 8 : 16;
          s += 2;
        }
      else
        {
          base = 8;
          s += 1;
        }
    }

  cutoff = G_MAXUINT64 / base + 1;
  for (; *s != '\0'; s++)
    {
      char c = *s;
      guint d;
      guint64 next;

      if (c == '_')
        {
          underscores = TRUE;
          continue;
        }
      if (g_ascii_isdigit (c))
        d = (guint) (c - '0');
      else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
        d = (guint) ((c | 0x20) - 'a' + 10);
      else
        return FALSE;

      if (d >= base || n >= cutoff)
        return FALSE;
      n *= base;
      next = n + d;
      if (next < n)
        return FALSE;
      n = next;
    }

  if (underscores && !go_underscore_ok (digits))
    return FALSE;

  if (!negative && n > (guint64) G_MAXINT64)
    return FALSE;
  if (negative && n > (guint64) G_MAXINT64 + 1)
    return FALSE;

  *value = negative ? (gint64) (0 - n) : (gint64) n;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* the go-ini lexer                                                        */

typedef struct
{
  char   *key;      /* as written, blanks trimmed */
  char   *value;    /* lexed; may be a secret */
  guint   line;
  int     id;       /* WpKey, or -1 */
} IniEntry;

typedef struct _IniFile IniFile;

typedef struct
{
  IniFile   *file;
  char      *name;      /* as written between the brackets; NULL: the root */
  guint      line;
  int        kind;      /* WpSection */
  GPtrArray *entries;   /* IniEntry */
} IniSection;

struct _IniFile
{
  char      *filename;
  GPtrArray *sections;  /* IniSection; [0] is the root */
};

static void
ini_entry_free (IniEntry *entry)
{
  g_free (entry->key);
  sy_secret_free (entry->value);
  g_free (entry);
}

static void
ini_section_free (IniSection *section)
{
  g_free (section->name);
  g_ptr_array_unref (section->entries);
  g_free (section);
}

static void
ini_file_free (IniFile *file)
{
  g_free (file->filename);
  g_ptr_array_unref (file->sections);
  g_free (file);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IniFile, ini_file_free)

static IniSection *
ini_section_new (IniFile    *file,
                 const char *name,
                 guint       line)
{
  IniSection *section = g_new0 (IniSection, 1);

  section->file = file;
  section->name = g_strdup (name);
  section->line = line;
  section->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ini_entry_free);
  g_ptr_array_add (file->sections, section);

  return section;
}

typedef struct
{
  const char *filename;
  const char *text;
  const char *end;
  const char *position;
  guint       line;        /* of the line last read */
  gboolean    eof;
} IniLexer;

/* bufio's ReadBytes ('\n'): the next line with its newline, or the rest. */
static gsize
lexer_read_line (IniLexer    *lexer,
                 const char **line)
{
  const char *newline = memchr (lexer->position, '\n', lexer->end - lexer->position);
  gsize length;

  *line = lexer->position;
  if (newline != NULL)
    length = newline + 1 - lexer->position;
  else
    {
      length = lexer->end - lexer->position;
      lexer->eof = TRUE;
    }

  lexer->position += length;
  if (length > 0)
    lexer->line++;

  return length;
}

static const char *
memrstr (const char *haystack,
         gsize       length,
         const char *needle)
{
  gsize needle_length = strlen (needle);

  if (needle_length > length)
    return NULL;

  for (gsize i = length - needle_length + 1; i-- > 0;)
    if (memcmp (haystack + i, needle, needle_length) == 0)
      return haystack + i;

  return NULL;
}

static const char *
memstr (const char *haystack,
        gsize       length,
        const char *needle)
{
  gsize needle_length = strlen (needle);

  if (needle_length > length)
    return NULL;

  for (gsize i = 0; i + needle_length <= length; i++)
    if (memcmp (haystack + i, needle, needle_length) == 0)
      return haystack + i;

  return NULL;
}

static const char *
mempbrk (const char *p,
         gsize       length,
         const char *accept)
{
  for (gsize i = 0; i < length; i++)
    if (p[i] != '\0' && strchr (accept, p[i]) != NULL)
      return p + i;

  return NULL;
}

/* parser.readMultilines: a `…` or """…""" value that did not close on its
 * first line runs to the last quote of the first line that has one. */
static char *
lexer_read_multiline (IniLexer    *lexer,
                      const char  *first,
                      gsize        first_length,
                      const char  *quote,
                      guint        key_line,
                      GError     **error)
{
  GString *value = g_string_new_len (first, first_length);

  while (TRUE)
    {
      const char *next;
      gsize length = lexer_read_line (lexer, &next);
      const char *close = memrstr (next, length, quote);

      if (close != NULL)
        {
          g_string_append_len (value, next, close - next);
          break;
        }
      g_string_append_len (value, next, length);

      if (lexer->eof)
        {
          sy_wg_report (error, lexer->filename, key_line, NULL, NULL,
                        "the value opened with %s has no closing %s", quote, quote);
          sy_secret_wipe (value->str, value->len);
          g_string_free (value, TRUE);
          return NULL;
        }
    }

  return g_string_free (value, FALSE);
}

/* parser.readContinuationLines: lines are trimmed and joined while the value
 * ends in a backslash; an empty line ends it. */
static char *
lexer_read_continuation (IniLexer   *lexer,
                         const char *first,
                         gsize       first_length)
{
  GString *value = g_string_new_len (first, first_length);

  while (TRUE)
    {
      const char *next;
      gsize length = lexer_read_line (lexer, &next);
      gsize trimmed_length;
      const char *trimmed = go_trim (next, length, &trimmed_length);

      if (trimmed_length == 0)
        break;
      g_string_append_len (value, trimmed, trimmed_length);
      if (value->str[value->len - 1] != '\\')
        break;
      g_string_truncate (value, value->len - 1);
    }

  return g_string_free (value, FALSE);
}

/* hasSurroundedQuote */
static gboolean
surrounded_by (const char *value,
               gsize       length,
               char        quote)
{
  const char *other;

  if (length < 2 || value[0] != quote || value[length - 1] != quote)
    return FALSE;

  other = memchr (value + 1, quote, length - 1);
  return other == value + length - 1;
}

/* parser.readValue */
static char *
lexer_read_value (IniLexer    *lexer,
                  const char  *in,
                  gsize        in_length,
                  guint        key_line,
                  GError     **error)
{
  gsize skip = go_space_prefix (in, in_length);
  const char *line = in + skip;
  gsize length = in_length - skip;
  const char *quote = NULL;
  const char *comment;
  gsize trimmed_length;
  const char *trimmed;

  if (length == 0)
    return g_strdup ("");

  if (length > 3 && memcmp (line, "\"\"\"", 3) == 0)
    quote = "\"\"\"";
  else if (line[0] == '`')
    quote = "`";

  if (quote != NULL)
    {
      gsize quote_length = strlen (quote);
      const char *close = memrstr (line + quote_length, length - quote_length, quote);

      if (close == NULL)
        return lexer_read_multiline (lexer, line + quote_length, length - quote_length, quote,
                                     key_line, error);

      return g_strndup (line + quote_length, close - (line + quote_length));
    }

  trimmed = go_trim (line, length, &trimmed_length);

  if (trimmed[trimmed_length - 1] == '\\')
    return lexer_read_continuation (lexer, trimmed, trimmed_length - 1);

  comment = mempbrk (trimmed, trimmed_length, "#;");
  if (comment != NULL)
    trimmed = go_trim (trimmed, comment - trimmed, &trimmed_length);

  if (surrounded_by (trimmed, trimmed_length, '\'') || surrounded_by (trimmed, trimmed_length, '"'))
    return g_strndup (trimmed + 1, trimmed_length - 2);

  return g_strndup (trimmed, trimmed_length);
}

/* readKeyName with go-ini's default delimiters "=:". Returns the offset of
 * the value, or 0 with @error set. */
static gsize
lexer_read_key (IniLexer    *lexer,
                const char  *line,
                gsize        length,
                char       **key,
                GError     **error)
{
  const char *quote = NULL;
  const char *delimiter;

  if (line[0] == '"')
    quote = length > 6 && memcmp (line, "\"\"\"", 3) == 0 ? "\"\"\"" : "\"";
  else if (line[0] == '`')
    quote = "`";

  if (quote != NULL)
    {
      gsize quote_length = strlen (quote);
      const char *close = memstr (line + quote_length, length - quote_length, quote);

      if (close == NULL)
        {
          sy_wg_report (error, lexer->filename, lexer->line, NULL, NULL,
                        "the key name opened with %s has no closing %s", quote, quote);
          return 0;
        }
      delimiter = mempbrk (close + quote_length, line + length - (close + quote_length), "=:");
      if (delimiter == NULL)
        goto no_delimiter;

      *key = go_trim_dup (line + quote_length, close - (line + quote_length));
      return delimiter + 1 - line;
    }

  delimiter = mempbrk (line, length, "=:");
  if (delimiter == NULL)
    goto no_delimiter;
  if (delimiter == line)
    {
      sy_wg_report (error, lexer->filename, lexer->line, NULL, NULL,
                    "a line starts with '%c'; write KEY = VALUE", *delimiter);
      return 0;
    }

  *key = go_trim_dup (line, delimiter - line);
  return delimiter + 1 - line;

no_delimiter:
  /* Such a line may be a key without its '=': it is not repeated. */
  sy_wg_report (error, lexer->filename, lexer->line, NULL, NULL,
                "this line is neither a [Section] nor a KEY = VALUE (or KEY: VALUE) line");
  return 0;
}

static IniFile *
ini_file_lex (const char  *text,
              const char  *filename,
              GError     **error)
{
  g_autoptr(IniFile) file = g_new0 (IniFile, 1);
  IniSection *section;
  IniLexer lexer = { 0 };

  file->filename = g_strdup (filename);
  file->sections = g_ptr_array_new_with_free_func ((GDestroyNotify) ini_section_free);
  section = ini_section_new (file, NULL, 0);

  lexer.filename = filename;
  lexer.text = text;
  lexer.end = text + strlen (text);
  lexer.position = text;

  /* parser.BOM: UTF-16 marks are skipped too (the rest is then garbage). */
  if (lexer.end - text >= 2 &&
      (((guchar) text[0] == 0xfe && (guchar) text[1] == 0xff) ||
       ((guchar) text[0] == 0xff && (guchar) text[1] == 0xfe)))
    lexer.position += 2;
  else if (lexer.end - text >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    lexer.position += 3;

  while (!lexer.eof)
    {
      const char *raw;
      gsize raw_length = lexer_read_line (&lexer, &raw);
      gsize skip = go_space_prefix (raw, raw_length);
      const char *line = raw + skip;
      gsize length = raw_length - skip;
      g_autofree char *key = NULL;
      IniEntry *entry;
      gsize offset;
      guint key_line;

      if (length == 0 || line[0] == '#' || line[0] == ';')
        continue;

      if (line[0] == '[')
        {
          const char *close = memrchr (line, ']', length);
          g_autofree char *name = NULL;
          gsize rest_length;
          const char *rest;

          if (close == NULL)
            {
              g_autofree char *text_line = go_trim_dup (line, length);
              g_autofree char *quoted = sy_wg_quote (text_line);

              sy_wg_report (error, filename, lexer.line, NULL, NULL,
                            "the section header '%s' has no closing ']'", quoted);
              return NULL;
            }
          if (close == line + 1)
            {
              sy_wg_report (error, filename, lexer.line, NULL, NULL,
                            "'[]' is a section without a name");
              return NULL;
            }

          /* go-ini ignores whatever follows the ']'; only a comment may. */
          rest = go_trim (close + 1, line + length - (close + 1), &rest_length);
          if (rest_length > 0 && rest[0] != '#' && rest[0] != ';')
            {
              g_autofree char *header = g_strndup (line, close + 1 - line);
              g_autofree char *quoted = sy_wg_quote (header);

              sy_wg_report (error, filename, lexer.line, NULL, NULL,
                            "text follows '%s' on the same line; move it to a line of its own "
                            "or start it with '#'", quoted);
              return NULL;
            }

          name = g_strndup (line + 1, close - (line + 1));
          section = ini_section_new (file, name, lexer.line);
          continue;
        }

      key_line = lexer.line;
      offset = lexer_read_key (&lexer, line, length, &key, error);
      if (offset == 0)
        return NULL;

      if (key[0] == '\0')
        {
          sy_wg_report (error, filename, key_line, NULL, NULL,
                        "the key name is empty; write KEY = VALUE");
          return NULL;
        }

      entry = g_new0 (IniEntry, 1);
      entry->key = g_steal_pointer (&key);
      entry->line = key_line;
      entry->id = -1;
      entry->value = lexer_read_value (&lexer, line + offset, length - offset, key_line, error);
      if (entry->value == NULL)
        {
          ini_entry_free (entry);
          return NULL;
        }
      g_ptr_array_add (section->entries, entry);
    }

  return g_steal_pointer (&file);
}

/* ---------------------------------------------------------------------- */
/* wireproxy's sections and keys                                           */

typedef enum
{
  WP_SECTION_ROOT,
  WP_SECTION_INTERFACE,
  WP_SECTION_PEER,
  WP_SECTION_TCP_CLIENT_TUNNEL,
  WP_SECTION_STDIO_TUNNEL,
  WP_SECTION_TCP_SERVER_TUNNEL,
  WP_SECTION_SOCKS5,
  WP_SECTION_HTTP,
  WP_SECTION_SNI,
  WP_SECTION_UDP_PROXY_TUNNEL,
  WP_SECTION_RESOLVE,
  N_WP_SECTIONS
} WpSection;

typedef enum
{
  WP_KEY_WG_CONFIG,
  WP_KEY_ADDRESS,
  WP_KEY_PRIVATE_KEY,
  WP_KEY_DNS,
  WP_KEY_MTU,
  WP_KEY_INTERFACE_LISTEN_PORT,
  WP_KEY_CHECK_ALIVE,
  WP_KEY_CHECK_ALIVE_INTERVAL,
  WP_KEY_TABLE,
  WP_KEY_PRE_UP,
  WP_KEY_POST_UP,
  WP_KEY_PRE_DOWN,
  WP_KEY_POST_DOWN,
  WP_KEY_SAVE_CONFIG,
  WP_KEY_FW_MARK,
  WP_KEY_PUBLIC_KEY,
  WP_KEY_PRESHARED_KEY,
  WP_KEY_ENDPOINT,
  WP_KEY_PERSISTENT_KEEPALIVE,
  WP_KEY_ALLOWED_IPS,
  WP_KEY_BIND_ADDRESS,
  WP_KEY_TARGET,
  WP_KEY_TUNNEL_LISTEN_PORT,
  WP_KEY_USERNAME,
  WP_KEY_PASSWORD,
  WP_KEY_CERT_FILE,
  WP_KEY_KEY_FILE,
  WP_KEY_INACTIVITY_TIMEOUT,
  WP_KEY_RESOLVE_STRATEGY,
  N_WP_KEYS
} WpKey;

typedef struct
{
  const char *name;
  gboolean    env;    /* wireproxy reads it with parseString, which expands $VAR */
} WpKeySpec;

static const WpKeySpec wp_keys[N_WP_KEYS] = {
  [WP_KEY_WG_CONFIG]             = { "WGConfig",            FALSE },
  [WP_KEY_ADDRESS]               = { "Address",             TRUE },
  [WP_KEY_PRIVATE_KEY]           = { "PrivateKey",          TRUE },
  [WP_KEY_DNS]                   = { "DNS",                 TRUE },
  [WP_KEY_MTU]                   = { "MTU",                 FALSE },
  [WP_KEY_INTERFACE_LISTEN_PORT] = { "ListenPort",          FALSE },
  [WP_KEY_CHECK_ALIVE]           = { "CheckAlive",          TRUE },
  [WP_KEY_CHECK_ALIVE_INTERVAL]  = { "CheckAliveInterval",  FALSE },
  [WP_KEY_TABLE]                 = { "Table",               FALSE },
  [WP_KEY_PRE_UP]                = { "PreUp",               FALSE },
  [WP_KEY_POST_UP]               = { "PostUp",              FALSE },
  [WP_KEY_PRE_DOWN]              = { "PreDown",             FALSE },
  [WP_KEY_POST_DOWN]             = { "PostDown",            FALSE },
  [WP_KEY_SAVE_CONFIG]           = { "SaveConfig",          FALSE },
  [WP_KEY_FW_MARK]               = { "FwMark",              FALSE },
  [WP_KEY_PUBLIC_KEY]            = { "PublicKey",           TRUE },
  [WP_KEY_PRESHARED_KEY]         = { "PresharedKey",        FALSE },
  [WP_KEY_ENDPOINT]              = { "Endpoint",            FALSE },
  [WP_KEY_PERSISTENT_KEEPALIVE]  = { "PersistentKeepalive", FALSE },
  [WP_KEY_ALLOWED_IPS]           = { "AllowedIPs",          TRUE },
  [WP_KEY_BIND_ADDRESS]          = { "BindAddress",         TRUE },
  [WP_KEY_TARGET]                = { "Target",              TRUE },
  [WP_KEY_TUNNEL_LISTEN_PORT]    = { "ListenPort",          FALSE },
  [WP_KEY_USERNAME]              = { "Username",            TRUE },
  [WP_KEY_PASSWORD]              = { "Password",            TRUE },
  [WP_KEY_CERT_FILE]             = { "CertFile",            TRUE },
  [WP_KEY_KEY_FILE]              = { "KeyFile",             TRUE },
  [WP_KEY_INACTIVITY_TIMEOUT]    = { "InactivityTimeout",   FALSE },
  [WP_KEY_RESOLVE_STRATEGY]      = { "ResolveStrategy",     TRUE },
};

#define END_OF_KEYS (-1)

typedef struct
{
  const char *name;      /* canonical spelling, as wireproxy's README writes it */
  int         keys[16];  /* WpKey, ended by END_OF_KEYS */
} WpSectionSpec;

static const WpSectionSpec wp_sections[N_WP_SECTIONS] = {
  [WP_SECTION_ROOT] = { NULL, { WP_KEY_WG_CONFIG, END_OF_KEYS } },
  [WP_SECTION_INTERFACE] = { "Interface", {
    WP_KEY_ADDRESS, WP_KEY_PRIVATE_KEY, WP_KEY_DNS, WP_KEY_MTU, WP_KEY_INTERFACE_LISTEN_PORT,
    WP_KEY_CHECK_ALIVE, WP_KEY_CHECK_ALIVE_INTERVAL, WP_KEY_TABLE, WP_KEY_PRE_UP,
    WP_KEY_POST_UP, WP_KEY_PRE_DOWN, WP_KEY_POST_DOWN, WP_KEY_SAVE_CONFIG, WP_KEY_FW_MARK,
    END_OF_KEYS } },
  [WP_SECTION_PEER] = { "Peer", {
    WP_KEY_PUBLIC_KEY, WP_KEY_PRESHARED_KEY, WP_KEY_ENDPOINT, WP_KEY_PERSISTENT_KEEPALIVE,
    WP_KEY_ALLOWED_IPS, END_OF_KEYS } },
  [WP_SECTION_TCP_CLIENT_TUNNEL] = { "TCPClientTunnel", {
    WP_KEY_BIND_ADDRESS, WP_KEY_TARGET, END_OF_KEYS } },
  [WP_SECTION_STDIO_TUNNEL] = { "STDIOTunnel", { WP_KEY_TARGET, END_OF_KEYS } },
  [WP_SECTION_TCP_SERVER_TUNNEL] = { "TCPServerTunnel", {
    WP_KEY_TUNNEL_LISTEN_PORT, WP_KEY_TARGET, END_OF_KEYS } },
  [WP_SECTION_SOCKS5] = { "Socks5", {
    WP_KEY_BIND_ADDRESS, WP_KEY_USERNAME, WP_KEY_PASSWORD, END_OF_KEYS } },
  [WP_SECTION_HTTP] = { "http", {
    WP_KEY_BIND_ADDRESS, WP_KEY_USERNAME, WP_KEY_PASSWORD, WP_KEY_CERT_FILE, WP_KEY_KEY_FILE,
    END_OF_KEYS } },
  [WP_SECTION_SNI] = { "SNI", { WP_KEY_BIND_ADDRESS, END_OF_KEYS } },
  [WP_SECTION_UDP_PROXY_TUNNEL] = { "UDPProxyTunnel", {
    WP_KEY_BIND_ADDRESS, WP_KEY_TARGET, WP_KEY_INACTIVITY_TIMEOUT, END_OF_KEYS } },
  [WP_SECTION_RESOLVE] = { "Resolve", { WP_KEY_RESOLVE_STRATEGY, END_OF_KEYS } },
};

static const char *
section_label (const IniSection *section)
{
  return wp_sections[section->kind].name;
}

/* ---------------------------------------------------------------------- */
/* section and key classification                                          */

static gboolean
classify_section (IniSection  *section,
                  gboolean     wg_file,
                  GError     **error)
{
  const char *filename = section->file->filename;
  g_autofree char *quoted = NULL;
  g_autofree char *stripped = NULL;
  const char *names[N_WP_SECTIONS + 1] = { NULL };
  guint n = 0;
  const char *suggestion;

  if (section->name == NULL)
    {
      section->kind = WP_SECTION_ROOT;
      return TRUE;
    }

  for (guint kind = WP_SECTION_INTERFACE; kind < N_WP_SECTIONS; kind++)
    {
      if (go_name_equal (section->name, wp_sections[kind].name))
        {
          section->kind = (int) kind;
          if (wg_file && kind != WP_SECTION_INTERFACE && kind != WP_SECTION_PEER)
            {
              sy_wg_report (error, filename, section->line, wp_sections[kind].name, NULL,
                            "does not belong in a WGConfig file, which holds only [Interface] "
                            "and [Peer]; move it to the wireproxy configuration");
              return FALSE;
            }
          return TRUE;
        }
      if (!wg_file || kind == WP_SECTION_INTERFACE || kind == WP_SECTION_PEER)
        names[n++] = wp_sections[kind].name;
    }

  quoted = sy_wg_quote (section->name);

  /* go-ini keeps the blanks inside the brackets, so wireproxy ignores
   * "[ Socks5 ]" without a word. */
  stripped = g_strstrip (g_strdup (section->name));
  for (guint i = 0; i < n; i++)
    if (!g_str_equal (stripped, section->name) && go_name_equal (stripped, names[i]))
      {
        sy_wg_report (error, filename, section->line, quoted, NULL,
                      "blanks inside the brackets make this a different section; write [%s]",
                      names[i]);
        return FALSE;
      }

  suggestion = sy_key_file_suggest (section->name, names);
  if (suggestion != NULL)
    sy_wg_report (error, filename, section->line, quoted, NULL,
                  "is not a wireproxy section; did you mean [%s]?", suggestion);
  else if (wg_file)
    sy_wg_report (error, filename, section->line, quoted, NULL,
                  "is not a section of a WGConfig file; it holds [Interface] and [Peer]");
  else
    sy_wg_report (error, filename, section->line, quoted, NULL,
                  "is not a wireproxy section; the sections are [Interface], [Peer], "
                  "[Socks5], [http], [SNI], [TCPClientTunnel], [TCPServerTunnel], "
                  "[STDIOTunnel], [UDPProxyTunnel] and [Resolve]");
  return FALSE;
}

static gboolean
classify_keys (IniSection  *section,
               gboolean     wg_file,
               GError     **error)
{
  const WpSectionSpec *spec = &wp_sections[section->kind];
  const char *filename = section->file->filename;
  const IniEntry *seen[N_WP_KEYS] = { NULL };

  if (wg_file && section->kind == WP_SECTION_ROOT && section->entries->len > 0)
    {
      const IniEntry *entry = g_ptr_array_index (section->entries, 0);
      g_autofree char *quoted = sy_wg_quote (entry->key);

      if (sy_wg_is_plausible_key_name (entry->key))
        sy_wg_report (error, filename, entry->line, NULL, quoted,
                      "comes before any section; a WGConfig file holds only [Interface] "
                      "and [Peer]");
      else
        sy_wg_report (error, filename, entry->line, NULL, NULL,
                      "this line does not start with a key name, and comes before any "
                      "section");
      return FALSE;
    }

  for (guint i = 0; i < section->entries->len; i++)
    {
      IniEntry *entry = g_ptr_array_index (section->entries, i);

      for (guint k = 0; spec->keys[k] != END_OF_KEYS; k++)
        if (go_name_equal (entry->key, wp_keys[spec->keys[k]].name))
          entry->id = spec->keys[k];

      if (entry->id < 0 && !sy_wg_is_plausible_key_name (entry->key))
        {
          sy_wg_report (error, filename, entry->line, section_label (section), NULL,
                        "this line does not start with a key name; write KEY = VALUE");
          return FALSE;
        }

      if (entry->id < 0)
        {
          const char *names[G_N_ELEMENTS (spec->keys)] = { NULL };
          g_autofree char *quoted = sy_wg_quote (entry->key);
          const char *suggestion;
          guint n = 0;

          for (guint k = 0; spec->keys[k] != END_OF_KEYS; k++)
            if (sy_wg_ignored_key_reason (wp_keys[spec->keys[k]].name) == NULL)
              names[n++] = wp_keys[spec->keys[k]].name;

          suggestion = sy_key_file_suggest (entry->key, names);
          if (section->kind == WP_SECTION_ROOT)
            {
              if (suggestion != NULL)
                sy_wg_report (error, filename, entry->line, NULL, quoted,
                              "comes before any section and is not WGConfig; did you mean "
                              "WGConfig?");
              else
                sy_wg_report (error, filename, entry->line, NULL, quoted,
                              "comes before any section; only WGConfig may, and the rest "
                              "belongs under a [Section]");
            }
          else if (suggestion != NULL)
            {
              sy_wg_report (error, filename, entry->line, section_label (section), quoted,
                            "is not a key of [%s]; did you mean %s?", section_label (section),
                            suggestion);
            }
          else
            {
              g_autofree char *list = g_strjoinv (", ", (char **) names);

              sy_wg_report (error, filename, entry->line, section_label (section), quoted,
                            "is not a key of [%s]; its keys are %s", section_label (section),
                            list);
            }
          return FALSE;
        }

      /* go-ini keeps the first of repeated keys and wireproxy never looks at
       * the others: a second AllowedIPs line would vanish silently. */
      if (seen[entry->id] != NULL && sy_wg_ignored_key_reason (wp_keys[entry->id].name) == NULL)
        {
          sy_wg_report (error, filename, entry->line, section_label (section),
                        wp_keys[entry->id].name,
                        "appears a second time (first at line %u), and wireproxy reads only "
                        "the first; %s", seen[entry->id]->line,
                        entry->id == WP_KEY_ADDRESS || entry->id == WP_KEY_DNS ||
                        entry->id == WP_KEY_ALLOWED_IPS || entry->id == WP_KEY_CHECK_ALIVE
                          ? "put all values on one line, separated by commas"
                          : "keep one");
          return FALSE;
        }
      seen[entry->id] = entry;
    }

  return TRUE;
}

static IniEntry *
section_lookup (const IniSection *section,
                WpKey             id)
{
  for (guint i = 0; i < section->entries->len; i++)
    {
      IniEntry *entry = g_ptr_array_index (section->entries, i);

      if (entry->id == (int) id)
        return entry;
    }

  return NULL;
}

/* ---------------------------------------------------------------------- */
/* values                                                                  */

/* A key of @section (or else of its file's root) named @name, for go-ini's
 * %(name)s references. */
static IniEntry *
reference_lookup (const IniSection *section,
                  const char       *name,
                  const IniEntry   *self)
{
  g_autofree char *lower = go_lower (name);
  const IniSection *root = g_ptr_array_index (section->file->sections, 0);
  const IniSection *places[2] = { section, root };

  for (guint p = 0; p < G_N_ELEMENTS (places); p++)
    for (guint i = 0; i < places[p]->entries->len; i++)
      {
        IniEntry *entry = g_ptr_array_index (places[p]->entries, i);
        g_autofree char *key = go_lower (entry->key);

        /* Key.transformValue: a reference to the key itself is looked up in
         * the root instead. */
        if (g_str_equal (key, lower) && (entry != self || p == 1))
          return entry;
      }

  return NULL;
}

/* Finds the first match of %\(([^)]+)\)s. */
static const char *
find_reference (const char  *value,
                gsize       *match_length,
                char       **name)
{
  for (const char *p = strstr (value, "%("); p != NULL; p = strstr (p + 1, "%("))
    {
      const char *close = strchr (p + 2, ')');

      if (close != NULL && close > p + 2 && close[1] == 's')
        {
          *match_length = close + 2 - p;
          *name = g_strndup (p + 2, close - (p + 2));
          return p;
        }
    }

  return NULL;
}

static char *
replace_all (const char *value,
             const char *match,
             const char *replacement)
{
  GString *out = g_string_new (NULL);
  gsize match_length = strlen (match);
  const char *p = value;
  const char *found;

  while ((found = strstr (p, match)) != NULL)
    {
      g_string_append_len (out, p, found - p);
      g_string_append (out, replacement);
      p = found + match_length;
    }
  g_string_append (out, p);

  return g_string_free (out, FALSE);
}

/* Key.String(): go-ini's %(key)s references, then, for the keys wireproxy
 * reads through parseString, its whole-value $VARIABLE expansion. */
static char *
entry_value (const IniSection  *section,
             const IniEntry    *entry,
             GError           **error)
{
  const char *filename = section->file->filename;
  const char *label = section_label (section);
  const char *key = wp_keys[entry->id].name;
  char *value = g_strdup (entry->value);

  for (guint round = 0; round < INI_MAX_SUBSTITUTIONS && strchr (value, '%') != NULL; round++)
    {
      g_autofree char *name = NULL;
      g_autofree char *match = NULL;
      const IniEntry *target;
      const char *found;
      gsize match_length;
      char *next;

      found = find_reference (value, &match_length, &name);
      if (found == NULL)
        break;
      target = reference_lookup (section, name, entry);
      if (target == NULL)
        break;

      match = g_strndup (found, match_length);
      next = replace_all (value, match, target->value);
      sy_secret_free (value);
      value = next;

      if (strlen (value) > INI_MAX_VALUE_SIZE)
        {
          sy_wg_report (error, filename, entry->line, label, key,
                        "its %%(key)s references grow without end; write the value out");
          sy_secret_free (value);
          return NULL;
        }
    }

  if (!wp_keys[entry->id].env || value[0] != '$')
    return value;

  /* parseString: "$$…" is the escape for a literal leading '$'. */
  if (value[1] == '$')
    {
      char *literal = g_strdup (value + 1);

      sy_secret_free (value);
      return literal;
    }

  {
    g_autofree char *variable = g_strdup (value + 1);
    gsize length = strlen (variable);
    const char *env;

    /* wireproxy would look up a variable literally named "{NAME}"; taking
     * ${NAME} as $NAME is the one thing Switchyard adds. */
    if (length >= 3 && variable[0] == '{' && variable[length - 1] == '}' &&
        strpbrk (variable + 1, "{}") == variable + length - 1)
      {
        memmove (variable, variable + 1, length - 2);
        variable[length - 2] = '\0';
      }

    sy_secret_free (value);
    env = g_getenv (variable);
    if (env == NULL)
      {
        g_autofree char *quoted = sy_wg_quote (variable);

        sy_wg_report (error, filename, entry->line, label, key,
                      "refers to the environment variable %s, which is not set; set it, or "
                      "write $$ for a value that starts with a literal $", quoted);
        return NULL;
      }

    return g_strdup (env);
  }
}

/* Go's strings.Split (value, ","), each part TrimSpace'd, empty parts
 * dropped — how wireproxy reads every list. */
static GPtrArray *
split_list (const char *value)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = g_strsplit (value, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *item = go_trim_dup (parts[i], strlen (parts[i]));

      if (item[0] == '\0')
        g_free (item);
      else
        g_ptr_array_add (items, item);
    }

  return items;
}

/* netip.ParseAddr, without zones. */
static gboolean
parse_address (const IniSection  *section,
               const IniEntry    *entry,
               const char        *text,
               const char        *what,
               guint8            *family,
               guint8             bytes[16],
               GError           **error)
{
  g_autofree char *quoted = NULL;

  if (sy_wg_address_parse (text, family, bytes))
    return TRUE;

  quoted = sy_wg_quote (text);
  if (strchr (text, '%') != NULL)
    sy_wg_report (error, section->file->filename, entry->line, section_label (section),
                  wp_keys[entry->id].name,
                  "'%s' has a zone (%%…), which means nothing inside the tunnel; remove it",
                  quoted);
  else
    sy_wg_report (error, section->file->filename, entry->line, section_label (section),
                  wp_keys[entry->id].name, "'%s' is not an IP address; %s", quoted, what);
  return FALSE;
}

/* netip.ParsePrefix: an address, '/', and a length without sign or
 * leading zeros. @bare_ok: a bare address is the full-length prefix (how
 * parseCIDRNetIP reads Address=). */
static gboolean
parse_prefix (const IniSection  *section,
              const IniEntry    *entry,
              const char        *text,
              gboolean           bare_ok,
              const char        *example,
              SyWgPrefix        *prefix,
              GError           **error)
{
  const char *slash = strrchr (text, '/');
  g_autoptr(GError) local_error = NULL;
  g_autofree char *quoted = sy_wg_quote (text);

  if (slash == NULL && !bare_ok)
    {
      sy_wg_report (error, section->file->filename, entry->line, section_label (section),
                    wp_keys[entry->id].name,
                    "'%s' has no /length, which wireproxy requires here; write e.g. %s",
                    quoted, example);
      return FALSE;
    }

  if (slash != NULL && strlen (slash + 1) > 1 && !(slash[1] >= '1' && slash[1] <= '9'))
    {
      sy_wg_report (error, section->file->filename, entry->line, section_label (section),
                    wp_keys[entry->id].name,
                    "'%s': the length after '/' is a number without sign or leading zeros",
                    quoted);
      return FALSE;
    }

  if (!sy_wg_prefix_parse (text, prefix, &local_error))
    {
      g_autofree char *message = sy_wg_quote (local_error->message);

      sy_wg_report (error, section->file->filename, entry->line, section_label (section),
                    wp_keys[entry->id].name, "%s; write e.g. %s", message, example);
      return FALSE;
    }

  return TRUE;
}

/* For the keys wireproxy reads without parseString: a value that fails and
 * starts with '$' was probably meant as a variable. Returns FALSE. */
static gboolean
add_env_hint (GError         **error,
              const IniEntry  *entry,
              const char      *value)
{
  if (error != NULL && *error != NULL && !wp_keys[entry->id].env && value[0] == '$')
    {
      char *message = g_strdup_printf ("%s (wireproxy expands no $VARIABLE in %s)",
                                       (*error)->message, wp_keys[entry->id].name);

      g_free ((*error)->message);
      (*error)->message = message;
    }

  return FALSE;
}

static gboolean
parse_int (const IniSection  *section,
           const IniEntry    *entry,
           const char        *value,
           gint64             min,
           gint64             max,
           const char        *hint,
           gint64            *number,
           GError           **error)
{
  g_autofree char *quoted = NULL;

  if (go_parse_int (value, number) && *number >= min && *number <= max)
    return TRUE;

  quoted = sy_wg_quote (value);
  sy_wg_report (error, section->file->filename, entry->line, section_label (section),
                wp_keys[entry->id].name, "'%s' is not a number from %" G_GINT64_FORMAT
                " to %" G_GINT64_FORMAT "%s%s", quoted, min, max,
                hint != NULL ? "; " : "", hint != NULL ? hint : "");
  return add_env_hint (error, entry, value);
}

/* net.SplitHostPort, then a port of decimal digits. */
static gboolean
split_host_port (const IniSection  *section,
                 const IniEntry    *entry,
                 const char        *value,
                 gboolean           host_required,
                 const char        *example,
                 char             **host,
                 guint16           *port,
                 GError           **error)
{
  const char *filename = section->file->filename;
  const char *label = section_label (section);
  const char *key = wp_keys[entry->id].name;
  g_autofree char *quoted = sy_wg_quote (value);
  g_autofree char *problem = NULL;
  const char *colon = strrchr (value, ':');
  const char *port_text;
  g_autofree char *host_text = NULL;

  if (value[0] == '\0')
    {
      sy_wg_report (error, filename, entry->line, label, key,
                    "is empty; write HOST:PORT, e.g. %s", example);
      return FALSE;
    }
  if (colon == NULL)
    {
      sy_wg_report (error, filename, entry->line, label, key,
                    "'%s' has no port; write HOST:PORT, e.g. %s", quoted, example);
      return FALSE;
    }

  if (value[0] == '[')
    {
      const char *close = strchr (value, ']');

      if (close == NULL || close + 1 != colon)
        {
          sy_wg_report (error, filename, entry->line, label, key,
                        "'%s' is not [IPV6]:PORT; write e.g. [::1]:1080", quoted);
          return FALSE;
        }
      host_text = g_strndup (value + 1, close - value - 1);
    }
  else
    {
      host_text = g_strndup (value, colon - value);
      if (strchr (host_text, ':') != NULL)
        {
          sy_wg_report (error, filename, entry->line, label, key,
                        "'%s' has too many colons; put an IPv6 address in brackets, "
                        "e.g. [::1]:1080", quoted);
          return FALSE;
        }
    }

  if (strpbrk (host_text, "[]") != NULL)
    {
      sy_wg_report (error, filename, entry->line, label, key,
                    "'%s' has a stray bracket; write HOST:PORT, e.g. %s", quoted, example);
      return FALSE;
    }

  if (host_text[0] == '\0')
    {
      if (host_required)
        {
          sy_wg_report (error, filename, entry->line, label, key,
                        "'%s' has no host; write HOST:PORT, e.g. %s", quoted, example);
          return FALSE;
        }
    }
  else if (!sy_wg_check_host (host_text, &problem))
    {
      if (strchr (host_text, '%') != NULL)
        sy_wg_report (error, filename, entry->line, label, key,
                      "'%s': IPv6 zones (%%…) are not supported; remove it", quoted);
      else
        sy_wg_report (error, filename, entry->line, label, key, "%s; write HOST:PORT, e.g. %s",
                      problem, example);
      return FALSE;
    }

  port_text = colon + 1;
  if (!sy_wg_parse_port (port_text, 1, port))
    {
      g_autofree char *quoted_port = sy_wg_quote (port_text);

      sy_wg_report (error, filename, entry->line, label, key,
                    "'%s' is not a port number (1–65535)", quoted_port);
      return FALSE;
    }

  *host = g_steal_pointer (&host_text);
  return TRUE;
}

static gboolean
parse_key (const IniSection  *section,
           const IniEntry    *entry,
           const char        *value,
           guint8             key[SY_WG_KEY_LEN],
           GError           **error)
{
  const char *hint = entry->id == WP_KEY_PRIVATE_KEY ? "create one with `wg genkey`"
                   : entry->id == WP_KEY_PRESHARED_KEY ? "create one with `wg genpsk`"
                   : "copy the peer's public key exactly";

  /* Go's base64 decoder takes non-canonical final characters too. */
  if (!sy_wg_key_decode (value, key, FALSE))
    {
      sy_wg_report (error, section->file->filename, entry->line, section_label (section),
                    wp_keys[entry->id].name,
                    "%s (44 characters of base64 ending in '='); %s",
                    value[0] == '\0' ? "is empty, not a WireGuard key" : "is not a WireGuard key",
                    hint);
      return FALSE;
    }
  if (entry->id != WP_KEY_PRESHARED_KEY && sy_wg_key_is_zero (key))
    {
      sy_wg_report (error, section->file->filename, entry->line, section_label (section),
                    wp_keys[entry->id].name, "is all zeros, a placeholder; %s", hint);
      return FALSE;
    }

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* [Interface] and [Peer]                                                  */

typedef struct
{
  SyWireproxyConfig *config;
  SyWgProfile       *profile;
} Builder;

static gboolean
parse_interface (Builder           *builder,
                 const IniSection  *section,
                 GError           **error)
{
  const char *filename = section->file->filename;
  gboolean have_private_key = FALSE;
  const IniEntry *interval_entry = NULL;
  gint64 interval = SY_WIREPROXY_DEFAULT_CHECK_ALIVE_INTERVAL;

  for (guint i = 0; i < section->entries->len; i++)
    {
      const IniEntry *entry = g_ptr_array_index (section->entries, i);
      const char *reason = sy_wg_ignored_key_reason (wp_keys[entry->id].name);
      g_autoptr(SySecret) value = NULL;
      g_autoptr(GPtrArray) items = NULL;
      gint64 number;

      if (reason != NULL)
        {
          sy_wg_profile_add_warning (builder->profile, filename, entry->line, "Interface",
                                     wp_keys[entry->id].name, "%s", reason);
          continue;
        }

      value = entry_value (section, entry, error);
      if (value == NULL)
        return FALSE;

      switch ((WpKey) entry->id)
        {
        case WP_KEY_ADDRESS:
          items = split_list (value);
          for (guint j = 0; j < items->len; j++)
            {
              SyWgPrefix prefix;

              if (!parse_prefix (section, entry, g_ptr_array_index (items, j), TRUE,
                                 "10.8.0.2/32 or fd00::2/128", &prefix, error))
                return FALSE;
              g_array_append_val (builder->profile->addresses, prefix);
            }
          break;

        case WP_KEY_PRIVATE_KEY:
          if (!parse_key (section, entry, value, builder->profile->private_key, error))
            return FALSE;
          have_private_key = TRUE;
          break;

        case WP_KEY_DNS:
        case WP_KEY_CHECK_ALIVE:
          items = split_list (value);
          for (guint j = 0; j < items->len; j++)
            {
              guint8 family;
              guint8 bytes[16];
              GInetAddress *address;

              if (!parse_address (section, entry, g_ptr_array_index (items, j),
                                  entry->id == WP_KEY_DNS
                                    ? "wireproxy takes DNS server addresses only, no search "
                                      "domains, e.g. DNS = 10.64.0.1"
                                    : "write the addresses to ping through the tunnel, "
                                      "e.g. CheckAlive = 1.1.1.1",
                                  &family, bytes, error))
                return FALSE;

              address = g_inet_address_new_from_bytes (bytes, family == 4 ? G_SOCKET_FAMILY_IPV4
                                                                          : G_SOCKET_FAMILY_IPV6);
              g_ptr_array_add (entry->id == WP_KEY_DNS ? builder->profile->dns
                                                       : builder->config->check_alive,
                               address);
            }
          break;

        case WP_KEY_MTU:
          if (!parse_int (section, entry, value, SY_WG_MIN_MTU, SY_WG_MAX_MTU,
                          "usually 1420, or 1280 when in doubt", &number, error))
            return FALSE;
          builder->profile->mtu = (guint) number;
          break;

        case WP_KEY_INTERFACE_LISTEN_PORT:
          if (!parse_int (section, entry, value, 0, G_MAXUINT16,
                          "or remove the line to use any free port", &number, error))
            return FALSE;
          builder->profile->listen_port = (guint16) number;
          break;

        case WP_KEY_CHECK_ALIVE_INTERVAL:
          if (!parse_int (section, entry, value, 1, 86400, "seconds between pings", &interval,
                          error))
            return FALSE;
          interval_entry = entry;
          break;

        case WP_KEY_WG_CONFIG:
        case WP_KEY_TABLE:
        case WP_KEY_PRE_UP:
        case WP_KEY_POST_UP:
        case WP_KEY_PRE_DOWN:
        case WP_KEY_POST_DOWN:
        case WP_KEY_SAVE_CONFIG:
        case WP_KEY_FW_MARK:
        case WP_KEY_PUBLIC_KEY:
        case WP_KEY_PRESHARED_KEY:
        case WP_KEY_ENDPOINT:
        case WP_KEY_PERSISTENT_KEEPALIVE:
        case WP_KEY_ALLOWED_IPS:
        case WP_KEY_BIND_ADDRESS:
        case WP_KEY_TARGET:
        case WP_KEY_TUNNEL_LISTEN_PORT:
        case WP_KEY_USERNAME:
        case WP_KEY_PASSWORD:
        case WP_KEY_CERT_FILE:
        case WP_KEY_KEY_FILE:
        case WP_KEY_INACTIVITY_TIMEOUT:
        case WP_KEY_RESOLVE_STRATEGY:
        case N_WP_KEYS:
        default:
          g_assert_not_reached ();
        }
    }

  if (!have_private_key)
    {
      sy_wg_report (error, filename, section->line, "Interface", NULL,
                    "has no PrivateKey; add PrivateKey = (the output of `wg genkey`)");
      return FALSE;
    }

  if (builder->profile->addresses->len == 0)
    {
      sy_wg_report (error, filename, section->line, "Interface", NULL,
                    "has no Address; add the tunnel address the server gave you, "
                    "e.g. Address = 10.8.0.2/32");
      return FALSE;
    }

  if (interval_entry != NULL && builder->config->check_alive->len == 0)
    {
      sy_wg_report (error, filename, interval_entry->line, "Interface", "CheckAliveInterval",
                    "is only valid when CheckAlive is set; add CheckAlive = (addresses to "
                    "ping) or remove this line");
      return FALSE;
    }
  builder->config->check_alive_interval = (guint) interval;

  return TRUE;
}

static gboolean
parse_peer (Builder           *builder,
            const IniSection  *section,
            GError           **error)
{
  const char *filename = section->file->filename;
  g_autoptr(SyWgPeer) peer = sy_wg_peer_new ();
  const IniEntry *public_key_entry = NULL;

  for (guint i = 0; i < section->entries->len; i++)
    {
      const IniEntry *entry = g_ptr_array_index (section->entries, i);
      g_autoptr(SySecret) value = entry_value (section, entry, error);
      g_autoptr(GPtrArray) items = NULL;
      g_autofree char *endpoint = NULL;
      gint64 number;

      if (value == NULL)
        return FALSE;

      switch ((WpKey) entry->id)
        {
        case WP_KEY_PUBLIC_KEY:
          if (!parse_key (section, entry, value, peer->public_key, error))
            return FALSE;
          public_key_entry = entry;
          break;

        case WP_KEY_PRESHARED_KEY:
          if (!parse_key (section, entry, value, peer->preshared_key, error))
            return add_env_hint (error, entry, value);
          /* wireproxy sends all zeros when there is none: the same thing. */
          peer->has_preshared_key = !sy_wg_key_is_zero (peer->preshared_key);
          break;

        case WP_KEY_ENDPOINT:
          /* wireproxy lowercases the endpoint before splitting it. */
          endpoint = go_lower (value);
          if (!split_host_port (section, entry, endpoint, TRUE, "vpn.example.net:51820",
                                &peer->endpoint_host, &peer->endpoint_port, error))
            return add_env_hint (error, entry, value);
          break;

        case WP_KEY_PERSISTENT_KEEPALIVE:
          if (!parse_int (section, entry, value, 0, G_MAXUINT16,
                          "seconds; 25 is usual behind NAT, 0 is off", &number, error))
            return FALSE;
          peer->persistent_keepalive = (guint16) number;
          break;

        case WP_KEY_ALLOWED_IPS:
          items = split_list (value);
          for (guint j = 0; j < items->len; j++)
            {
              SyWgPrefix prefix;

              if (!parse_prefix (section, entry, g_ptr_array_index (items, j), FALSE,
                                 "10.0.0.0/24 or 0.0.0.0/0", &prefix, error))
                return FALSE;
              sy_wg_prefix_mask (&prefix);
              g_array_append_val (peer->allowed_ips, prefix);
            }
          break;

        case WP_KEY_WG_CONFIG:
        case WP_KEY_ADDRESS:
        case WP_KEY_PRIVATE_KEY:
        case WP_KEY_DNS:
        case WP_KEY_MTU:
        case WP_KEY_INTERFACE_LISTEN_PORT:
        case WP_KEY_CHECK_ALIVE:
        case WP_KEY_CHECK_ALIVE_INTERVAL:
        case WP_KEY_TABLE:
        case WP_KEY_PRE_UP:
        case WP_KEY_POST_UP:
        case WP_KEY_PRE_DOWN:
        case WP_KEY_POST_DOWN:
        case WP_KEY_SAVE_CONFIG:
        case WP_KEY_FW_MARK:
        case WP_KEY_BIND_ADDRESS:
        case WP_KEY_TARGET:
        case WP_KEY_TUNNEL_LISTEN_PORT:
        case WP_KEY_USERNAME:
        case WP_KEY_PASSWORD:
        case WP_KEY_CERT_FILE:
        case WP_KEY_KEY_FILE:
        case WP_KEY_INACTIVITY_TIMEOUT:
        case WP_KEY_RESOLVE_STRATEGY:
        case N_WP_KEYS:
        default:
          g_assert_not_reached ();
        }
    }

  if (public_key_entry == NULL)
    {
      sy_wg_report (error, filename, section->line, "Peer", NULL,
                    "has no PublicKey; add the peer's public key, e.g. PublicKey = "
                    "(the output of `wg pubkey` on the peer)");
      return FALSE;
    }

  /* wireproxy: a peer without AllowedIPs gets everything. */
  if (peer->allowed_ips->len == 0)
    {
      SyWgPrefix all;

      sy_wg_prefix_parse ("0.0.0.0/0", &all, NULL);
      g_array_append_val (peer->allowed_ips, all);
      sy_wg_prefix_parse ("::/0", &all, NULL);
      g_array_append_val (peer->allowed_ips, all);
    }

  for (guint i = 0; i < builder->profile->peers->len; i++)
    {
      const SyWgPeer *other = g_ptr_array_index (builder->profile->peers, i);

      if (sy_wg_key_equal (other->public_key, peer->public_key))
        {
          sy_wg_report (error, filename, public_key_entry->line, "Peer", "PublicKey",
                        "is the same as an earlier peer's; merge the two [Peer] sections "
                        "into one");
          return FALSE;
        }
    }

  g_ptr_array_add (builder->profile->peers, g_steal_pointer (&peer));
  return TRUE;
}

/* The [Interface] and [Peer] sections of @file, which is the wireproxy
 * configuration itself or its WGConfig. */
static gboolean
parse_wireguard (Builder        *builder,
                 const IniFile  *file,
                 GError        **error)
{
  const IniSection *interface = NULL;
  guint peers = 0;

  for (guint i = 0; i < file->sections->len; i++)
    {
      const IniSection *section = g_ptr_array_index (file->sections, i);

      if (section->kind == WP_SECTION_INTERFACE)
        {
          if (interface != NULL)
            {
              sy_wg_report (error, file->filename, section->line, "Interface", NULL,
                            "appears a second time (first at line %u); wireproxy takes "
                            "exactly one [Interface]", interface->line);
              return FALSE;
            }
          interface = section;
        }
    }

  if (interface == NULL)
    {
      sy_wg_report (error, file->filename, 0, NULL, NULL,
                    "has no [Interface] section; add one with the PrivateKey and Address of "
                    "this end of the tunnel, or point WGConfig = at a wg-quick file");
      return FALSE;
    }

  if (!parse_interface (builder, interface, error))
    return FALSE;

  for (guint i = 0; i < file->sections->len; i++)
    {
      const IniSection *section = g_ptr_array_index (file->sections, i);

      if (section->kind != WP_SECTION_PEER)
        continue;
      if (!parse_peer (builder, section, error))
        return FALSE;
      peers++;
    }

  if (peers == 0)
    {
      sy_wg_report (error, file->filename, 0, NULL, NULL,
                    "has no [Peer] section; add the server as [Peer] with its PublicKey "
                    "and Endpoint");
      return FALSE;
    }

  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* routines and [Resolve]                                                  */

static char *
resolve_path (const char *base_file,
              const char *path)
{
  g_autofree char *directory = NULL;

  if (g_path_is_absolute (path))
    return g_strdup (path);

  directory = g_path_get_dirname (base_file);
  return g_build_filename (directory, path, NULL);
}

/* An address to listen on, for messages. */
static const char *
bind_example (SyWireproxyRoutineKind kind)
{
  switch (kind)
    {
    case SY_WIREPROXY_ROUTINE_SOCKS5:
      return "127.0.0.1:1080";
    case SY_WIREPROXY_ROUTINE_HTTP:
      return "127.0.0.1:8080";
    case SY_WIREPROXY_ROUTINE_SNI:
      return "127.0.0.1:443";
    case SY_WIREPROXY_ROUTINE_UDP_PROXY_TUNNEL:
      return "127.0.0.1:5353";
    case SY_WIREPROXY_ROUTINE_TCP_CLIENT_TUNNEL:
    case SY_WIREPROXY_ROUTINE_STDIO_TUNNEL:
    case SY_WIREPROXY_ROUTINE_TCP_SERVER_TUNNEL:
    default:
      return "127.0.0.1:25565";
    }
}

static gboolean
parse_routine (Builder           *builder,
               const IniSection  *section,
               GError           **error)
{
  const char *filename = section->file->filename;
  const char *label = section_label (section);
  g_autoptr(SyWireproxyRoutine) routine = g_new0 (SyWireproxyRoutine, 1);
  gboolean have_bind = FALSE;
  gboolean have_target = FALSE;
  gboolean have_listen = FALSE;
  const IniEntry *cert_entry = NULL;
  const IniEntry *key_entry = NULL;
  const IniEntry *password_entry = NULL;

  routine->line = section->line;
  switch ((WpSection) section->kind)
    {
    case WP_SECTION_TCP_CLIENT_TUNNEL:
      routine->kind = SY_WIREPROXY_ROUTINE_TCP_CLIENT_TUNNEL;
      break;
    case WP_SECTION_STDIO_TUNNEL:
      routine->kind = SY_WIREPROXY_ROUTINE_STDIO_TUNNEL;
      break;
    case WP_SECTION_TCP_SERVER_TUNNEL:
      routine->kind = SY_WIREPROXY_ROUTINE_TCP_SERVER_TUNNEL;
      break;
    case WP_SECTION_SOCKS5:
      routine->kind = SY_WIREPROXY_ROUTINE_SOCKS5;
      break;
    case WP_SECTION_HTTP:
      routine->kind = SY_WIREPROXY_ROUTINE_HTTP;
      break;
    case WP_SECTION_SNI:
      routine->kind = SY_WIREPROXY_ROUTINE_SNI;
      break;
    case WP_SECTION_UDP_PROXY_TUNNEL:
      routine->kind = SY_WIREPROXY_ROUTINE_UDP_PROXY_TUNNEL;
      break;
    case WP_SECTION_ROOT:
    case WP_SECTION_INTERFACE:
    case WP_SECTION_PEER:
    case WP_SECTION_RESOLVE:
    case N_WP_SECTIONS:
    default:
      g_assert_not_reached ();
    }

  for (guint i = 0; i < section->entries->len; i++)
    {
      const IniEntry *entry = g_ptr_array_index (section->entries, i);
      g_autoptr(SySecret) value = entry_value (section, entry, error);
      gint64 number;

      if (value == NULL)
        return FALSE;

      switch ((WpKey) entry->id)
        {
        case WP_KEY_BIND_ADDRESS:
          if (!split_host_port (section, entry, value, FALSE, bind_example (routine->kind),
                                &routine->bind_host, &routine->bind_port, error))
            return FALSE;
          have_bind = TRUE;
          break;

        case WP_KEY_TARGET:
          if (!split_host_port (section, entry, value, TRUE, "example.org:80",
                                &routine->target_host, &routine->target_port, error))
            return FALSE;
          have_target = TRUE;
          break;

        case WP_KEY_TUNNEL_LISTEN_PORT:
          if (!parse_int (section, entry, value, 1, G_MAXUINT16,
                          "the TCP port to listen on inside the tunnel", &number, error))
            return FALSE;
          routine->listen_port = (guint16) number;
          have_listen = TRUE;
          break;

        case WP_KEY_USERNAME:
        case WP_KEY_PASSWORD:
          /* RFC 1929 carries at most 255 bytes of each; HTTP Basic cannot
           * carry a ':' in the user name. Longer values could never match. */
          if (strlen (value) > 255)
            {
              sy_wg_report (error, filename, entry->line, label, wp_keys[entry->id].name,
                            "is longer than 255 bytes, which no client can send");
              return FALSE;
            }
          if (entry->id == WP_KEY_USERNAME && routine->kind == SY_WIREPROXY_ROUTINE_HTTP &&
              strchr (value, ':') != NULL)
            {
              sy_wg_report (error, filename, entry->line, label, "Username",
                            "contains ':', which HTTP Basic authentication cannot carry in "
                            "a user name; choose another name");
              return FALSE;
            }
          if (value[0] == '\0')
            break;
          if (entry->id == WP_KEY_USERNAME)
            routine->username = g_strdup (value);
          else
            {
              routine->password = g_strdup (value);
              password_entry = entry;
            }
          break;

        case WP_KEY_CERT_FILE:
        case WP_KEY_KEY_FILE:
          if (value[0] == '\0')
            break;
          if (entry->id == WP_KEY_CERT_FILE)
            {
              routine->cert_file = resolve_path (filename, value);
              cert_entry = entry;
            }
          else
            {
              routine->key_file = resolve_path (filename, value);
              key_entry = entry;
            }
          break;

        case WP_KEY_INACTIVITY_TIMEOUT:
          if (!parse_int (section, entry, value, 0, G_MAXINT32,
                          "seconds of silence before a client's session ends; 0 never",
                          &number, error))
            return FALSE;
          routine->inactivity_timeout = (guint) number;
          break;

        case WP_KEY_WG_CONFIG:
        case WP_KEY_ADDRESS:
        case WP_KEY_PRIVATE_KEY:
        case WP_KEY_DNS:
        case WP_KEY_MTU:
        case WP_KEY_INTERFACE_LISTEN_PORT:
        case WP_KEY_CHECK_ALIVE:
        case WP_KEY_CHECK_ALIVE_INTERVAL:
        case WP_KEY_TABLE:
        case WP_KEY_PRE_UP:
        case WP_KEY_POST_UP:
        case WP_KEY_PRE_DOWN:
        case WP_KEY_POST_DOWN:
        case WP_KEY_SAVE_CONFIG:
        case WP_KEY_FW_MARK:
        case WP_KEY_PUBLIC_KEY:
        case WP_KEY_PRESHARED_KEY:
        case WP_KEY_ENDPOINT:
        case WP_KEY_PERSISTENT_KEEPALIVE:
        case WP_KEY_ALLOWED_IPS:
        case WP_KEY_RESOLVE_STRATEGY:
        case N_WP_KEYS:
        default:
          g_assert_not_reached ();
        }
    }

  /* What wireproxy needs but would only notice (or not) at run time. */
  if (!have_bind && routine->kind != SY_WIREPROXY_ROUTINE_STDIO_TUNNEL &&
      routine->kind != SY_WIREPROXY_ROUTINE_TCP_SERVER_TUNNEL)
    {
      sy_wg_report (error, filename, section->line, label, NULL,
                    "has no BindAddress; add the local address to listen on, e.g. "
                    "BindAddress = %s", bind_example (routine->kind));
      return FALSE;
    }
  if (!have_target && routine->kind != SY_WIREPROXY_ROUTINE_SOCKS5 &&
      routine->kind != SY_WIREPROXY_ROUTINE_HTTP && routine->kind != SY_WIREPROXY_ROUTINE_SNI)
    {
      sy_wg_report (error, filename, section->line, label, NULL,
                    "has no Target; add where connections go, e.g. Target = example.org:80");
      return FALSE;
    }
  if (!have_listen && routine->kind == SY_WIREPROXY_ROUTINE_TCP_SERVER_TUNNEL)
    {
      sy_wg_report (error, filename, section->line, label, NULL,
                    "has no ListenPort; add the port to listen on inside the tunnel, "
                    "e.g. ListenPort = 3422");
      return FALSE;
    }

  if (routine->kind == SY_WIREPROXY_ROUTINE_SOCKS5 && routine->password != NULL &&
      routine->username == NULL)
    {
      /* wireproxy would ignore the password and run an open proxy. */
      sy_wg_report (error, filename, password_entry->line, label, "Password",
                    "is set without Username, so wireproxy would let everyone in; add "
                    "Username = or remove the password");
      return FALSE;
    }
  if ((cert_entry == NULL) != (key_entry == NULL))
    {
      /* wireproxy would fall back to plain HTTP. */
      sy_wg_report (error, filename, (cert_entry != NULL ? cert_entry : key_entry)->line, label,
                    cert_entry != NULL ? "CertFile" : "KeyFile",
                    "is set without %s; TLS needs both the certificate and its key",
                    cert_entry != NULL ? "KeyFile" : "CertFile");
      return FALSE;
    }

  if (routine->kind == SY_WIREPROXY_ROUTINE_SOCKS5)
    routine->require_auth = routine->username != NULL;
  else if (routine->kind == SY_WIREPROXY_ROUTINE_HTTP)
    routine->require_auth = routine->username != NULL || routine->password != NULL;

  g_ptr_array_add (builder->config->routines, g_steal_pointer (&routine));
  return TRUE;
}

static gboolean
parse_resolve (Builder           *builder,
               const IniSection  *section,
               GError           **error)
{
  static const char * const strategies[] = { "auto", "ipv4", "ipv6", NULL };
  const IniEntry *entry = section_lookup (section, WP_KEY_RESOLVE_STRATEGY);
  g_autoptr(SySecret) value = NULL;
  g_autofree char *quoted = NULL;
  const char *suggestion;

  /* A [Resolve] without the key makes wireproxy resolve nothing at all; the
   * default is what was meant. */
  if (entry == NULL)
    return TRUE;

  value = entry_value (section, entry, error);
  if (value == NULL)
    return FALSE;

  for (guint i = 0; strategies[i] != NULL; i++)
    if (g_str_equal (value, strategies[i]))
      {
        builder->config->resolve_strategy = (SyWireproxyResolveStrategy) i;
        return TRUE;
      }

  quoted = sy_wg_quote (value);
  suggestion = sy_key_file_suggest (value, strategies);
  if (value[0] == '\0')
    sy_wg_report (error, section->file->filename, entry->line, "Resolve", "ResolveStrategy",
                  "is empty; write auto, ipv4 or ipv6");
  else if (suggestion != NULL)
    sy_wg_report (error, section->file->filename, entry->line, "Resolve", "ResolveStrategy",
                  "'%s' is not a strategy; did you mean %s? (wireproxy knows only the "
                  "lowercase names)", quoted, suggestion);
  else
    sy_wg_report (error, section->file->filename, entry->line, "Resolve", "ResolveStrategy",
                  "'%s' is not a strategy; write auto, ipv4 or ipv6", quoted);
  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* the file                                                                */

void
sy_wireproxy_routine_free (SyWireproxyRoutine *routine)
{
  if (routine == NULL)
    return;

  g_free (routine->bind_host);
  g_free (routine->target_host);
  g_free (routine->username);
  sy_secret_free (routine->password);
  g_free (routine->cert_file);
  g_free (routine->key_file);
  g_free (routine);
}

const char *
sy_wireproxy_routine_kind_name (SyWireproxyRoutineKind kind)
{
  switch (kind)
    {
    case SY_WIREPROXY_ROUTINE_TCP_CLIENT_TUNNEL:
      return wp_sections[WP_SECTION_TCP_CLIENT_TUNNEL].name;
    case SY_WIREPROXY_ROUTINE_STDIO_TUNNEL:
      return wp_sections[WP_SECTION_STDIO_TUNNEL].name;
    case SY_WIREPROXY_ROUTINE_TCP_SERVER_TUNNEL:
      return wp_sections[WP_SECTION_TCP_SERVER_TUNNEL].name;
    case SY_WIREPROXY_ROUTINE_SOCKS5:
      return wp_sections[WP_SECTION_SOCKS5].name;
    case SY_WIREPROXY_ROUTINE_HTTP:
      return wp_sections[WP_SECTION_HTTP].name;
    case SY_WIREPROXY_ROUTINE_SNI:
      return wp_sections[WP_SECTION_SNI].name;
    case SY_WIREPROXY_ROUTINE_UDP_PROXY_TUNNEL:
      return wp_sections[WP_SECTION_UDP_PROXY_TUNNEL].name;
    default:
      g_return_val_if_reached (NULL);
    }
}

void
sy_wireproxy_config_free (SyWireproxyConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->path);
  g_free (config->wg_config_path);
  g_clear_pointer (&config->profile, sy_wg_profile_unref);
  g_ptr_array_unref (config->check_alive);
  g_ptr_array_unref (config->routines);
  g_free (config);
}

static IniFile *
lex_and_classify (const char  *text,
                  const char  *filename,
                  gboolean     wg_file,
                  GError     **error)
{
  g_autoptr(IniFile) file = ini_file_lex (text, filename, error);

  if (file == NULL)
    return NULL;

  for (guint i = 0; i < file->sections->len; i++)
    {
      IniSection *section = g_ptr_array_index (file->sections, i);

      if (!classify_section (section, wg_file, error) ||
          !classify_keys (section, wg_file, error))
        return NULL;
    }

  return g_steal_pointer (&file);
}

SyWireproxyConfig *
sy_wireproxy_config_parse (const char  *text,
                           const char  *path,
                           GError     **error)
{
  g_autoptr(SyWireproxyConfig) config = NULL;
  g_autoptr(IniFile) file = NULL;
  g_autoptr(IniFile) wg_file = NULL;
  g_autofree char *name = NULL;
  const IniSection *root;
  const IniEntry *wg_config;
  const IniSection *resolve = NULL;
  Builder builder;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file = lex_and_classify (text, path, FALSE, error);
  if (file == NULL)
    return NULL;

  name = sy_wg_profile_name_for_file (path);
  config = g_new0 (SyWireproxyConfig, 1);
  config->path = g_strdup (path);
  config->profile = sy_wg_profile_new (name);
  config->check_alive = g_ptr_array_new_with_free_func (g_object_unref);
  config->check_alive_interval = SY_WIREPROXY_DEFAULT_CHECK_ALIVE_INTERVAL;
  config->resolve_strategy = SY_WIREPROXY_RESOLVE_AUTO;
  config->routines = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_wireproxy_routine_free);

  builder.config = config;
  builder.profile = config->profile;

  root = g_ptr_array_index (file->sections, 0);
  wg_config = section_lookup (root, WP_KEY_WG_CONFIG);
  if (wg_config != NULL)
    {
      g_autoptr(SySecret) value = entry_value (root, wg_config, error);
      g_autofree char *contents = NULL;

      if (value == NULL)
        return NULL;
      if (value[0] == '\0')
        {
          sy_wg_report (error, file->filename, wg_config->line, NULL, "WGConfig",
                        "is empty; write the path of a wg-quick file, e.g. WGConfig = wg0.conf");
          return NULL;
        }

      /* wireproxy bases bare file names on this file's directory and other
       * relative paths on its working directory; a service has no useful
       * working directory, so every relative path is based here. */
      config->wg_config_path = resolve_path (path, value);

      for (guint i = 0; i < file->sections->len; i++)
        {
          const IniSection *section = g_ptr_array_index (file->sections, i);

          if (section->kind == WP_SECTION_INTERFACE || section->kind == WP_SECTION_PEER)
            {
              sy_wg_report (error, file->filename, section->line, section_label (section), NULL,
                            "is ignored by wireproxy because WGConfig (line %u) names the "
                            "WireGuard configuration; remove one of the two",
                            wg_config->line);
              return NULL;
            }
        }

      if (!sy_wg_read_file (config->wg_config_path, &contents, error))
        {
          g_prefix_error (error, "%s:%u: WGConfig: ", file->filename, wg_config->line);
          add_env_hint (error, wg_config, value);
          return NULL;
        }
      wg_file = lex_and_classify (contents, config->wg_config_path, TRUE, error);
      sy_secret_wipe (contents, strlen (contents));
      if (wg_file == NULL)
        return NULL;
    }

  if (!parse_wireguard (&builder, wg_file != NULL ? wg_file : file, error))
    return NULL;

  for (guint i = 0; i < file->sections->len; i++)
    {
      const IniSection *section = g_ptr_array_index (file->sections, i);

      switch ((WpSection) section->kind)
        {
        case WP_SECTION_ROOT:
        case WP_SECTION_INTERFACE:
        case WP_SECTION_PEER:
          break;

        case WP_SECTION_RESOLVE:
          /* wireproxy reads only the first [Resolve]. */
          if (resolve != NULL)
            {
              sy_wg_report (error, file->filename, section->line, "Resolve", NULL,
                            "appears a second time (first at line %u), and wireproxy reads "
                            "only the first; keep one", resolve->line);
              return NULL;
            }
          resolve = section;
          if (!parse_resolve (&builder, section, error))
            return NULL;
          break;

        case WP_SECTION_TCP_CLIENT_TUNNEL:
        case WP_SECTION_STDIO_TUNNEL:
        case WP_SECTION_TCP_SERVER_TUNNEL:
        case WP_SECTION_SOCKS5:
        case WP_SECTION_HTTP:
        case WP_SECTION_SNI:
        case WP_SECTION_UDP_PROXY_TUNNEL:
          if (!parse_routine (&builder, section, error))
            return NULL;
          break;

        case N_WP_SECTIONS:
        default:
          g_assert_not_reached ();
        }
    }

  return g_steal_pointer (&config);
}

SyWireproxyConfig *
sy_wireproxy_config_load (const char  *path,
                          GError     **error)
{
  g_autofree char *contents = NULL;
  SyWireproxyConfig *config;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!sy_wg_read_file (path, &contents, error))
    return NULL;

  config = sy_wireproxy_config_parse (contents, path, error);
  sy_secret_wipe (contents, strlen (contents));

  return config;
}

const char * const *
sy_wireproxy_config_get_warnings (const SyWireproxyConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  return sy_wg_profile_get_warnings (config->profile);
}

SyWireproxyResolveStrategy
sy_wireproxy_config_get_effective_resolve_strategy (const SyWireproxyConfig *config)
{
  gboolean has_ipv4 = FALSE;
  gboolean has_ipv6 = FALSE;

  g_return_val_if_fail (config != NULL, SY_WIREPROXY_RESOLVE_AUTO);

  if (config->resolve_strategy != SY_WIREPROXY_RESOLVE_AUTO)
    return config->resolve_strategy;

  for (guint i = 0; i < config->profile->addresses->len; i++)
    {
      const SyWgPrefix *prefix = &g_array_index (config->profile->addresses, SyWgPrefix, i);

      if (prefix->family == 4)
        has_ipv4 = TRUE;
      else
        has_ipv6 = TRUE;
    }

  return has_ipv4 && !has_ipv6 ? SY_WIREPROXY_RESOLVE_IPV4 : SY_WIREPROXY_RESOLVE_IPV6;
}
