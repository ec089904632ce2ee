/* sy-dns-message.c — DNS queries and answers for A and AAAA (RFC 1035, RFC 3596)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-dns-message.h"

#define HEADER_LEN 12

/* The header's flags word (RFC 1035 §4.1.1) */
#define FLAG_QR    0x8000
#define FLAG_TC    0x0200
#define FLAG_RD    0x0100
#define OPCODE(f)  (((f) >> 11) & 0xf)
#define RCODE(f)   ((f) & 0xf)

/* Records of the answer section looked at; the rest are skipped. */
#define MAX_RECORDS 64

static inline guint16
get16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static inline guint32
get32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static inline guint8 *
put16 (guint8  *p,
       guint16  v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
  return p + 2;
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

gsize
sy_dns_name_encode (const char *hostname,
                    guint8      wire[SY_DNS_NAME_MAX])
{
  gsize written = 0;
  const char *label = hostname;

  if (hostname == NULL || *hostname == '\0' || g_str_equal (hostname, "."))
    return 0;

  while (*label != '\0')
    {
      const char *end = label;
      gsize length;

      while (*end != '\0' && *end != '.')
        {
          if (!is_name_char (*end))
            return 0;
          end++;
        }

      length = end - label;
      /* empty labels ("a..b", ".a") and labels over 63 bytes (§2.3.4) */
      if (length == 0 || length > 63)
        return 0;
      /* this label, its length byte and the root's zero byte must fit */
      if (written + 1 + length + 1 > SY_DNS_NAME_MAX)
        return 0;

      wire[written++] = (guint8) length;
      for (gsize i = 0; i < length; i++)
        wire[written++] = (guint8) g_ascii_tolower (label[i]);

      label = end;
      if (*label == '.')
        label++;
    }

  wire[written++] = 0;
  return written;
}

gsize
sy_dns_build_query (guint8       *buffer,
                    guint16       id,
                    const guint8 *qname,
                    gsize         qname_length,
                    guint16       qtype)
{
  guint8 *p = buffer;

  g_return_val_if_fail (qname_length > 0 && qname_length <= SY_DNS_NAME_MAX, 0);

  p = put16 (p, id);
  p = put16 (p, FLAG_RD);
  p = put16 (p, 1);           /* QDCOUNT */
  p = put16 (p, 0);           /* ANCOUNT */
  p = put16 (p, 0);           /* NSCOUNT */
  p = put16 (p, 1);           /* ARCOUNT: the OPT record */

  memcpy (p, qname, qname_length);
  p += qname_length;
  p = put16 (p, qtype);
  p = put16 (p, SY_DNS_CLASS_IN);

  /* RFC 6891 §6.1.2: root name, type OPT, CLASS = UDP payload size,
   * TTL = extended RCODE 0, version 0, no DO bit; no options. */
  *p++ = 0;
  p = put16 (p, SY_DNS_TYPE_OPT);
  p = put16 (p, SY_DNS_UDP_PAYLOAD);
  p = put16 (p, 0);
  p = put16 (p, 0);
  p = put16 (p, 0);

  g_assert ((gsize) (p - buffer) <= SY_DNS_QUERY_MAX);
  return p - buffer;
}

/* Reads the name at @offset, following compression pointers (§4.1.4),
 * into @wire in lower case. @next gets the offset after the name where it
 * was written (after its first pointer, if any). Each pointer must point
 * before the start of the part of the name it continues: offsets then
 * strictly decrease, so a message cannot make the reader loop. */
static gboolean
read_name (const guint8 *message,
           gsize         length,
           gsize         offset,
           guint8        wire[SY_DNS_NAME_MAX],
           gsize        *wire_length,
           gsize        *next)
{
  gsize pos = offset;
  gsize segment_start = offset;
  gsize written = 0;
  gboolean jumped = FALSE;

  for (;;)
    {
      guint8 b;

      if (pos >= length)
        return FALSE;
      b = message[pos];

      if ((b & 0xc0) == 0xc0)
        {
          gsize target;

          if (pos + 1 >= length)
            return FALSE;
          target = (gsize) (b & 0x3f) << 8 | message[pos + 1];
          if (target >= segment_start)
            return FALSE;
          if (!jumped)
            *next = pos + 2;
          jumped = TRUE;
          pos = segment_start = target;
          continue;
        }

      /* 0x40 and 0x80: extended label types (RFC 6891 §5), never in names
       * a server sends for A/AAAA */
      if ((b & 0xc0) != 0)
        return FALSE;

      if (b == 0)
        {
          if (written + 1 > SY_DNS_NAME_MAX)
            return FALSE;
          wire[written++] = 0;
          if (!jumped)
            *next = pos + 1;
          *wire_length = written;
          return TRUE;
        }

      if (pos + 1 + b > length || written + 1 + b + 1 > SY_DNS_NAME_MAX)
        return FALSE;

      wire[written++] = b;
      for (guint i = 0; i < b; i++)
        wire[written++] = (guint8) g_ascii_tolower (message[pos + 1 + i]);
      pos += 1 + b;
    }
}

static gboolean
name_equal (const guint8 *a,
            gsize         a_length,
            const guint8 *b,
            gsize         b_length)
{
  return a_length == b_length && memcmp (a, b, a_length) == 0;
}

typedef struct
{
  gsize   name;         /* offset of the owner name */
  guint16 type;
  guint16 class;
  guint32 ttl;
  gsize   rdata;        /* offset of the data */
  guint16 rdlength;
} Record;

/* Does the record at @record belong to @name? */
static gboolean
record_owned_by (const guint8 *message,
                 gsize         length,
                 const Record *record,
                 const guint8 *name,
                 gsize         name_length)
{
  guint8 owner[SY_DNS_NAME_MAX];
  gsize owner_length;
  gsize next;

  return read_name (message, length, record->name, owner, &owner_length, &next) &&
         name_equal (owner, owner_length, name, name_length);
}

SyDnsParseResult
sy_dns_parse_answer (const guint8 *message,
                     gsize         length,
                     guint16       id,
                     const guint8 *qname,
                     gsize         qname_length,
                     guint16       qtype,
                     SyDnsAnswer  *answer)
{
  Record records[MAX_RECORDS];
  guint n_records = 0;
  guint8 name[SY_DNS_NAME_MAX];
  gsize name_length;
  guint8 target[SY_DNS_NAME_MAX];
  gsize target_length;
  guint16 flags, qdcount, ancount;
  gsize pos;

  g_return_val_if_fail (answer != NULL, SY_DNS_PARSE_MALFORMED);
  g_return_val_if_fail (qname_length > 0 && qname_length <= SY_DNS_NAME_MAX,
                        SY_DNS_PARSE_MALFORMED);

  memset (answer, 0, sizeof *answer);

  if (message == NULL || length < HEADER_LEN)
    return SY_DNS_PARSE_MALFORMED;

  flags = get16 (message + 2);
  if (get16 (message) != id || (flags & FLAG_QR) == 0 || OPCODE (flags) != 0)
    return SY_DNS_PARSE_NOT_OURS;

  answer->id = id;
  answer->rcode = RCODE (flags);
  answer->truncated = (flags & FLAG_TC) != 0;

  qdcount = get16 (message + 4);
  ancount = get16 (message + 6);
  pos = HEADER_LEN;

  /* Some servers leave the question out of an error (FORMERR, NOTIMP). */
  if (qdcount == 0 && answer->rcode != SY_DNS_RCODE_NOERROR)
    return SY_DNS_PARSE_OK;
  if (qdcount != 1)
    return SY_DNS_PARSE_MALFORMED;

  if (!read_name (message, length, pos, name, &name_length, &pos) || pos + 4 > length)
    return SY_DNS_PARSE_MALFORMED;
  if (!name_equal (name, name_length, qname, qname_length) ||
      get16 (message + pos) != qtype || get16 (message + pos + 2) != SY_DNS_CLASS_IN)
    return SY_DNS_PARSE_NOT_OURS;
  pos += 4;

  if (answer->rcode != SY_DNS_RCODE_NOERROR)
    return SY_DNS_PARSE_OK;

  /* A truncated answer may end anywhere in its records: take the complete
   * ones. */
  for (guint i = 0; i < ancount; i++)
    {
      Record record;

      record.name = pos;
      if (!read_name (message, length, pos, name, &name_length, &pos) || pos + 10 > length)
        {
          if (answer->truncated)
            break;
          return SY_DNS_PARSE_MALFORMED;
        }

      record.type = get16 (message + pos);
      record.class = get16 (message + pos + 2);
      record.ttl = get32 (message + pos + 4);
      record.rdlength = get16 (message + pos + 8);
      record.rdata = pos + 10;
      if (record.rdata + record.rdlength > length)
        {
          if (answer->truncated)
            break;
          return SY_DNS_PARSE_MALFORMED;
        }
      pos = record.rdata + record.rdlength;

      if (n_records < MAX_RECORDS)
        records[n_records++] = record;
    }

  /* Follow CNAMEs from the question's name (RFC 1034 §3.6.2), in any
   * order the server wrote them. */
  memcpy (target, qname, qname_length);
  target_length = qname_length;
  for (guint step = 0; step < SY_DNS_MAX_CNAMES; step++)
    {
      gboolean followed = FALSE;

      for (guint i = 0; i < n_records && !followed; i++)
        {
          const Record *record = &records[i];
          gsize next;

          if (record->type != SY_DNS_TYPE_CNAME || record->class != SY_DNS_CLASS_IN ||
              !record_owned_by (message, length, record, target, target_length))
            continue;

          /* the alias must lie within its record's data */
          if (!read_name (message, length, record->rdata, name, &name_length, &next) ||
              next > record->rdata + record->rdlength)
            return SY_DNS_PARSE_MALFORMED;

          memcpy (target, name, name_length);
          target_length = name_length;
          answer->n_cnames++;
          followed = TRUE;
        }

      if (!followed)
        break;
    }

  for (guint i = 0; i < n_records && answer->n_addresses < SY_DNS_MAX_ADDRESSES; i++)
    {
      const Record *record = &records[i];
      SyDnsAddress *address;
      gsize size = qtype == SY_DNS_TYPE_AAAA ? 16 : 4;

      if (record->type != qtype || record->class != SY_DNS_CLASS_IN ||
          record->rdlength != size ||
          !record_owned_by (message, length, record, target, target_length))
        continue;

      address = &answer->addresses[answer->n_addresses++];
      address->family = size == 16 ? 6 : 4;
      memcpy (address->bytes, message + record->rdata, size);
      address->ttl = record->ttl;
    }

  return SY_DNS_PARSE_OK;
}
