/* fuzz-dns-answer.c — libFuzzer harness for the DNS answer parser
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a DNS server (or anyone who can reach the resolver's port) sends
 * is parsed as an answer to A and AAAA questions for a fixed name; the ID
 * is taken from the input itself so that the fuzzer gets past the header.
 * Beyond "no crash, no out-of-bounds read" (ASan), every result must be
 * consistent: addresses of the asked family only, never more than the
 * array holds, a CNAME chain no longer than the limit. The input is also
 * fed to the name encoder as text.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netstack/sy-dns-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check (gboolean    condition,
       const char *what)
{
  if (!condition)
    {
      g_printerr ("fuzz-dns-answer: %s\n", what);
      abort ();
    }
}

static void
parse_as (const uint8_t *data,
          size_t         size,
          const char    *name,
          guint16        qtype)
{
  guint8 qname[SY_DNS_NAME_MAX];
  gsize qname_length = sy_dns_name_encode (name, qname);
  guint16 id = size >= 2 ? (guint16) (data[0] << 8 | data[1]) : 0;
  SyDnsAnswer answer;
  SyDnsParseResult result;

  check (qname_length > 0, "the fixed name does not encode");
  result = sy_dns_parse_answer (data, size, id, qname, qname_length, qtype, &answer);

  if (result != SY_DNS_PARSE_OK)
    {
      check (answer.n_addresses == 0, "addresses from an answer that did not parse");
      return;
    }

  check (size >= 12, "a message shorter than its header parsed");
  check (answer.id == id, "the ID changed");
  check (answer.rcode <= 15, "an rcode out of range");
  check (answer.n_addresses <= SY_DNS_MAX_ADDRESSES, "too many addresses");
  check (answer.n_cnames <= SY_DNS_MAX_CNAMES, "a CNAME chain past the limit");
  if (answer.rcode != SY_DNS_RCODE_NOERROR)
    check (answer.n_addresses == 0, "addresses in an error answer");

  for (guint i = 0; i < answer.n_addresses; i++)
    check (answer.addresses[i].family == (qtype == SY_DNS_TYPE_AAAA ? 6 : 4),
           "an address of the family not asked for");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  guint8 wire[SY_DNS_NAME_MAX];
  g_autofree char *text = NULL;
  gsize length;

  parse_as (data, size, "example.com", SY_DNS_TYPE_A);
  parse_as (data, size, "example.com", SY_DNS_TYPE_AAAA);
  parse_as (data, size, "a", SY_DNS_TYPE_A);

  /* The encoder takes text; what it accepts is a valid wire name. */
  text = g_strndup ((const char *) data, size);
  length = sy_dns_name_encode (text, wire);
  if (length > 0)
    {
      gsize pos = 0;

      check (length <= SY_DNS_NAME_MAX, "an encoded name over 255 bytes");
      while (wire[pos] != 0)
        {
          check (wire[pos] <= 63, "a label over 63 bytes");
          for (guint i = 1; i <= wire[pos]; i++)
            check (!g_ascii_isupper (wire[pos + i]) && wire[pos + i] != '.',
                   "an upper-case letter or a dot inside a label");
          pos += wire[pos] + 1;
          check (pos < length, "labels past the encoded length");
        }
      check (pos + 1 == length, "the root label is not last");
    }

  return 0;
}
