/* test-dns-message.c — the DNS query builder and answer parser, byte by byte
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Answers are written here by hand (a little builder independent of the
 * one under test), including the tricks a hostile or broken server might
 * play: compression loops, pointers out of the message, lengths past the
 * end, records for names nobody asked about, CNAME loops.
 */

#include "config.h"

#include <string.h>

#include "netstack/sy-dns-message.h"

/* A message under construction. */
typedef struct
{
  guint8 data[2048];
  gsize  length;
} Msg;

static void
put (Msg        *m,
     const void *bytes,
     gsize       n)
{
  g_assert_cmpuint (m->length + n, <=, sizeof m->data);
  memcpy (m->data + m->length, bytes, n);
  m->length += n;
}

static void
put16 (Msg     *m,
       guint16  v)
{
  guint8 b[2] = { v >> 8, v & 0xff };

  put (m, b, 2);
}

static void
put32 (Msg     *m,
       guint32  v)
{
  put16 (m, v >> 16);
  put16 (m, v & 0xffff);
}

static void
put_name (Msg        *m,
          const char *name)
{
  g_auto(GStrv) labels = g_strsplit (name, ".", -1);

  for (guint i = 0; labels[i] != NULL; i++)
    {
      guint8 n = strlen (labels[i]);

      if (n == 0)
        continue;
      put (m, &n, 1);
      put (m, labels[i], n);
    }
  put (m, "", 1);
}

static void
header (Msg     *m,
        guint16  id,
        guint16  flags,
        guint16  qd,
        guint16  an)
{
  m->length = 0;
  put16 (m, id);
  put16 (m, flags);
  put16 (m, qd);
  put16 (m, an);
  put16 (m, 0);
  put16 (m, 0);
}

static void
question (Msg        *m,
          const char *name,
          guint16     qtype)
{
  put_name (m, name);
  put16 (m, qtype);
  put16 (m, SY_DNS_CLASS_IN);
}

/* A record header; the caller appends @rdlength bytes of data. */
static void
record (Msg        *m,
        const char *owner,     /* NULL: a pointer to the question's name */
        guint16     type,
        guint16     rdlength)
{
  if (owner == NULL)
    put16 (m, 0xc00c);
  else
    put_name (m, owner);
  put16 (m, type);
  put16 (m, SY_DNS_CLASS_IN);
  put32 (m, 3600);
  put16 (m, rdlength);
}

static void
record_a (Msg        *m,
          const char *owner,
          guint8      last)
{
  guint8 address[4] = { 192, 0, 2, last };

  record (m, owner, SY_DNS_TYPE_A, 4);
  put (m, address, 4);
}

static void
record_cname (Msg        *m,
              const char *owner,
              const char *target)
{
  Msg rdata = { .length = 0 };

  put_name (&rdata, target);
  record (m, owner, SY_DNS_TYPE_CNAME, rdata.length);
  put (m, rdata.data, rdata.length);
}

static SyDnsParseResult
parse (const Msg   *m,
       guint16      id,
       const char  *name,
       guint16      qtype,
       SyDnsAnswer *answer)
{
  guint8 qname[SY_DNS_NAME_MAX];
  gsize qname_length = sy_dns_name_encode (name, qname);
  /* an exact-size copy: ASan catches any read past the end */
  g_autofree guint8 *copy = g_memdup2 (m->data, m->length);

  g_assert_cmpuint (qname_length, >, 0);
  return sy_dns_parse_answer (copy, m->length, id, qname, qname_length, qtype, answer);
}

/* Tests ------------------------------------------------------------------------ */

static void
test_name_encode (void)
{
  guint8 wire[SY_DNS_NAME_MAX];
  g_autofree char *label63 = g_strnfill (63, 'a');
  g_autofree char *label64 = g_strnfill (64, 'a');
  g_autoptr(GString) long_name = g_string_new (NULL);

  g_assert_cmpuint (sy_dns_name_encode ("WWW.Example.com", wire), ==, 17);
  g_assert_cmpmem (wire, 17, "\3www\7example\3com", 17);
  g_assert_cmpuint (sy_dns_name_encode ("example.com.", wire), ==, 13);
  g_assert_cmpuint (sy_dns_name_encode ("_sip._udp.x-y.test", wire), ==, 20);
  g_assert_cmpuint (sy_dns_name_encode (label63, wire), ==, 65);

  g_assert_cmpuint (sy_dns_name_encode ("", wire), ==, 0);
  g_assert_cmpuint (sy_dns_name_encode (".", wire), ==, 0);
  g_assert_cmpuint (sy_dns_name_encode ("a..b", wire), ==, 0);
  g_assert_cmpuint (sy_dns_name_encode (".a", wire), ==, 0);
  g_assert_cmpuint (sy_dns_name_encode ("a b", wire), ==, 0);
  g_assert_cmpuint (sy_dns_name_encode ("a\\.b", wire), ==, 0);
  g_assert_cmpuint (sy_dns_name_encode ("ex\xc3\xa4mple.com", wire), ==, 0);
  g_assert_cmpuint (sy_dns_name_encode (label64, wire), ==, 0);

  /* 253 characters of text is the longest name: 255 bytes on the wire */
  while (long_name->len < 253)
    g_string_append (long_name, long_name->len == 0 ? "a" : ".a");
  g_assert_cmpuint (long_name->len, ==, 253);
  g_assert_cmpuint (sy_dns_name_encode (long_name->str, wire), ==, 255);
  g_string_append (long_name, "b");
  g_assert_cmpuint (sy_dns_name_encode (long_name->str, wire), ==, 0);
}

static void
test_build_query (void)
{
  static const guint8 expected[] = {
    0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
    0, 28, 0, 1,
    /* OPT: root, type 41, payload 1232, no extended rcode/flags, no data */
    0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0,
  };
  guint8 qname[SY_DNS_NAME_MAX];
  guint8 query[SY_DNS_QUERY_MAX];
  gsize qname_length = sy_dns_name_encode ("www.example.com", qname);
  gsize length;

  length = sy_dns_build_query (query, 0xbeef, qname, qname_length, SY_DNS_TYPE_AAAA);
  g_assert_cmpmem (query, length, expected, sizeof expected);
}

static void
test_parse_simple (void)
{
  Msg m;
  SyDnsAnswer answer;

  header (&m, 0x1234, 0x8180, 1, 2);
  question (&m, "example.com", SY_DNS_TYPE_A);
  record_a (&m, NULL, 1);
  record_a (&m, "EXAMPLE.com", 2);      /* names compare without case */

  g_assert_cmpint (parse (&m, 0x1234, "example.com", SY_DNS_TYPE_A, &answer), ==,
                   SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.rcode, ==, SY_DNS_RCODE_NOERROR);
  g_assert_false (answer.truncated);
  g_assert_cmpuint (answer.n_addresses, ==, 2);
  g_assert_cmpuint (answer.addresses[0].family, ==, 4);
  g_assert_cmpmem (answer.addresses[0].bytes, 4, "\xc0\x00\x02\x01", 4);
  g_assert_cmpmem (answer.addresses[1].bytes, 4, "\xc0\x00\x02\x02", 4);
  g_assert_cmpuint (answer.addresses[0].ttl, ==, 3600);

  /* the question as asked in other case */
  g_assert_cmpint (parse (&m, 0x1234, "Example.COM", SY_DNS_TYPE_A, &answer), ==,
                   SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.n_addresses, ==, 2);
}

static void
test_parse_aaaa (void)
{
  static const guint8 address[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
  Msg m;
  SyDnsAnswer answer;

  header (&m, 7, 0x8180, 1, 2);
  question (&m, "v6.test", SY_DNS_TYPE_AAAA);
  record_a (&m, NULL, 9);                       /* an A in an AAAA answer: ignored */
  record (&m, NULL, SY_DNS_TYPE_AAAA, 16);
  put (&m, address, 16);

  g_assert_cmpint (parse (&m, 7, "v6.test", SY_DNS_TYPE_AAAA, &answer), ==, SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.n_addresses, ==, 1);
  g_assert_cmpuint (answer.addresses[0].family, ==, 6);
  g_assert_cmpmem (answer.addresses[0].bytes, 16, address, 16);
}

static void
test_parse_not_ours (void)
{
  Msg m;
  SyDnsAnswer answer;

  header (&m, 1, 0x8180, 1, 1);
  question (&m, "example.com", SY_DNS_TYPE_A);
  record_a (&m, NULL, 1);

  g_assert_cmpint (parse (&m, 2, "example.com", SY_DNS_TYPE_A, &answer), ==,
                   SY_DNS_PARSE_NOT_OURS);
  g_assert_cmpint (parse (&m, 1, "example.org", SY_DNS_TYPE_A, &answer), ==,
                   SY_DNS_PARSE_NOT_OURS);
  g_assert_cmpint (parse (&m, 1, "example.com", SY_DNS_TYPE_AAAA, &answer), ==,
                   SY_DNS_PARSE_NOT_OURS);
  g_assert_cmpuint (answer.n_addresses, ==, 0);

  /* a query, not a response */
  m.data[2] &= 0x7f;
  g_assert_cmpint (parse (&m, 1, "example.com", SY_DNS_TYPE_A, &answer), ==,
                   SY_DNS_PARSE_NOT_OURS);
}

static void
test_parse_rcodes (void)
{
  Msg m;
  SyDnsAnswer answer;

  header (&m, 3, 0x8183, 1, 0);
  question (&m, "nx.test", SY_DNS_TYPE_A);
  g_assert_cmpint (parse (&m, 3, "nx.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.rcode, ==, SY_DNS_RCODE_NXDOMAIN);

  /* an error answer with records: the records are not used */
  header (&m, 3, 0x8182, 1, 1);
  question (&m, "x.test", SY_DNS_TYPE_A);
  record_a (&m, NULL, 1);
  g_assert_cmpint (parse (&m, 3, "x.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.rcode, ==, SY_DNS_RCODE_SERVFAIL);
  g_assert_cmpuint (answer.n_addresses, ==, 0);

  /* FORMERR without the question */
  header (&m, 3, 0x8181, 0, 0);
  g_assert_cmpint (parse (&m, 3, "x.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.rcode, ==, SY_DNS_RCODE_FORMERR);

  /* but NOERROR must repeat it */
  header (&m, 3, 0x8180, 0, 0);
  g_assert_cmpint (parse (&m, 3, "x.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_MALFORMED);
}

static void
test_parse_cname (void)
{
  Msg m;
  SyDnsAnswer answer;

  /* out of order, mixed case, with a stray record for another name */
  header (&m, 9, 0x8180, 1, 5);
  question (&m, "www.example.com", SY_DNS_TYPE_A);
  record_a (&m, "edge.CDN.test", 7);
  record_a (&m, "unrelated.test", 66);
  record_cname (&m, "alias.example.net", "edge.cdn.test");
  record_cname (&m, NULL, "Alias.Example.Net");
  record_a (&m, "edge.cdn.test", 8);

  g_assert_cmpint (parse (&m, 9, "www.example.com", SY_DNS_TYPE_A, &answer), ==,
                   SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.n_cnames, ==, 2);
  g_assert_cmpuint (answer.n_addresses, ==, 2);
  g_assert_cmpuint (answer.addresses[0].bytes[3], ==, 7);
  g_assert_cmpuint (answer.addresses[1].bytes[3], ==, 8);

  /* an A for the alias' owner does not count once it is an alias */
  header (&m, 9, 0x8180, 1, 2);
  question (&m, "www.example.com", SY_DNS_TYPE_A);
  record_a (&m, NULL, 1);
  record_cname (&m, NULL, "other.test");
  g_assert_cmpint (parse (&m, 9, "www.example.com", SY_DNS_TYPE_A, &answer), ==,
                   SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.n_addresses, ==, 0);
}

static void
test_parse_cname_loop (void)
{
  Msg m;
  SyDnsAnswer answer;

  header (&m, 5, 0x8180, 1, 3);
  question (&m, "a.test", SY_DNS_TYPE_A);
  record_cname (&m, "a.test", "b.test");
  record_cname (&m, "b.test", "a.test");
  record_a (&m, "a.test", 1);

  /* ends at the limit, whatever it reached */
  g_assert_cmpint (parse (&m, 5, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.n_cnames, ==, SY_DNS_MAX_CNAMES);
}

static void
test_parse_compression (void)
{
  Msg m;
  SyDnsAnswer answer;
  gsize loop_at;

  /* a pointer to itself */
  header (&m, 1, 0x8180, 1, 1);
  question (&m, "a.test", SY_DNS_TYPE_A);
  loop_at = m.length;
  put16 (&m, 0xc000 | loop_at);
  put16 (&m, SY_DNS_TYPE_A);
  put16 (&m, 1);
  put32 (&m, 1);
  put16 (&m, 4);
  put32 (&m, 0x01020304);
  g_assert_cmpint (parse (&m, 1, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_MALFORMED);

  /* a pointer forward */
  m.data[loop_at + 1] = (guint8) (loop_at + 4);
  g_assert_cmpint (parse (&m, 1, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_MALFORMED);

  /* a label, then a pointer back to that label: "backwards" from where
   * the pointer sits, yet a loop (x.x.x.… for ever) */
  header (&m, 1, 0x8180, 1, 1);
  question (&m, "a.test", SY_DNS_TYPE_A);
  {
    gsize x = m.length;

    put (&m, "\1x", 2);
    put16 (&m, 0xc000 | x);
  }
  put16 (&m, SY_DNS_TYPE_A);
  put16 (&m, 1);
  put32 (&m, 1);
  put16 (&m, 4);
  put32 (&m, 0x01020304);
  g_assert_cmpint (parse (&m, 1, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_MALFORMED);

  /* a pointer past the end */
  header (&m, 1, 0x8180, 1, 1);
  question (&m, "a.test", SY_DNS_TYPE_A);
  put16 (&m, 0xc000 | 0x3fff);
  g_assert_cmpint (parse (&m, 1, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_MALFORMED);

  /* the extended label types (0x40, 0x80) */
  header (&m, 1, 0x8180, 1, 1);
  question (&m, "a.test", SY_DNS_TYPE_A);
  put (&m, "\x41", 1);
  g_assert_cmpint (parse (&m, 1, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_MALFORMED);
}

static void
test_parse_bounds (void)
{
  Msg m;
  SyDnsAnswer answer;

  /* rdlength past the end */
  header (&m, 1, 0x8180, 1, 1);
  question (&m, "a.test", SY_DNS_TYPE_A);
  record (&m, NULL, SY_DNS_TYPE_A, 200);
  put32 (&m, 0x01020304);
  g_assert_cmpint (parse (&m, 1, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_MALFORMED);

  /* an A record of the wrong size is skipped, not read past */
  header (&m, 1, 0x8180, 1, 2);
  question (&m, "a.test", SY_DNS_TYPE_A);
  record (&m, NULL, SY_DNS_TYPE_A, 3);
  put (&m, "\1\2\3", 3);
  record_a (&m, NULL, 4);
  g_assert_cmpint (parse (&m, 1, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.n_addresses, ==, 1);

  /* ANCOUNT larger than the records present */
  header (&m, 1, 0x8180, 1, 3);
  question (&m, "a.test", SY_DNS_TYPE_A);
  record_a (&m, NULL, 4);
  g_assert_cmpint (parse (&m, 1, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_MALFORMED);

  /* ...unless truncated (TC): the complete records count */
  m.data[2] |= 0x02;
  g_assert_cmpint (parse (&m, 1, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_OK);
  g_assert_true (answer.truncated);
  g_assert_cmpuint (answer.n_addresses, ==, 1);

  /* every prefix of a good answer is refused or parsed, never overread */
  header (&m, 1, 0x8180, 1, 2);
  question (&m, "a.test", SY_DNS_TYPE_A);
  record_cname (&m, NULL, "b.test");
  record_a (&m, "b.test", 4);
  for (gsize cut = 0; cut < m.length; cut++)
    {
      Msg prefix = m;

      prefix.length = cut;
      g_assert_cmpint (parse (&prefix, 1, "a.test", SY_DNS_TYPE_A, &answer), !=,
                       SY_DNS_PARSE_OK);
    }
  g_assert_cmpint (parse (&m, 1, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.n_addresses, ==, 1);
}

static void
test_parse_many (void)
{
  Msg m;
  SyDnsAnswer answer;

  header (&m, 1, 0x8180, 1, 50);
  question (&m, "a.test", SY_DNS_TYPE_A);
  for (guint i = 0; i < 50; i++)
    record_a (&m, NULL, i);

  g_assert_cmpint (parse (&m, 1, "a.test", SY_DNS_TYPE_A, &answer), ==, SY_DNS_PARSE_OK);
  g_assert_cmpuint (answer.n_addresses, ==, SY_DNS_MAX_ADDRESSES);
  g_assert_cmpuint (answer.addresses[SY_DNS_MAX_ADDRESSES - 1].bytes[3], ==,
                    SY_DNS_MAX_ADDRESSES - 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/netstack/dns/name-encode", test_name_encode);
  g_test_add_func ("/core/netstack/dns/build-query", test_build_query);
  g_test_add_func ("/core/netstack/dns/parse-simple", test_parse_simple);
  g_test_add_func ("/core/netstack/dns/parse-aaaa", test_parse_aaaa);
  g_test_add_func ("/core/netstack/dns/parse-not-ours", test_parse_not_ours);
  g_test_add_func ("/core/netstack/dns/parse-rcodes", test_parse_rcodes);
  g_test_add_func ("/core/netstack/dns/parse-cname", test_parse_cname);
  g_test_add_func ("/core/netstack/dns/parse-cname-loop", test_parse_cname_loop);
  g_test_add_func ("/core/netstack/dns/parse-compression", test_parse_compression);
  g_test_add_func ("/core/netstack/dns/parse-bounds", test_parse_bounds);
  g_test_add_func ("/core/netstack/dns/parse-many", test_parse_many);

  return g_test_run ();
}
