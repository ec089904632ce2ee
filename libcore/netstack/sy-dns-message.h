/* sy-dns-message.h — DNS queries and answers for A and AAAA (RFC 1035, RFC 3596)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Just enough of the DNS wire format for a stub resolver: build a query
 * with one question (and an EDNS(0) OPT record, RFC 6891, asking for 1232-
 * byte answers), and read the answer: header, question, answer section,
 * CNAME chains inside it. Pure functions without I/O or allocation, for
 * the resolver and for the fuzzer (tests/fuzz/fuzz-dns-answer.c). Every
 * read is bounds-checked; compression pointers must point backwards, so
 * they cannot loop.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SY_DNS_TYPE_A        1
#define SY_DNS_TYPE_CNAME    5
#define SY_DNS_TYPE_AAAA     28
#define SY_DNS_TYPE_OPT      41
#define SY_DNS_CLASS_IN      1

#define SY_DNS_RCODE_NOERROR  0
#define SY_DNS_RCODE_FORMERR  1
#define SY_DNS_RCODE_SERVFAIL 2
#define SY_DNS_RCODE_NXDOMAIN 3
#define SY_DNS_RCODE_NOTIMP   4
#define SY_DNS_RCODE_REFUSED  5

/* A name in wire form (length-prefixed labels, lower case, ending with the
 * root's zero byte) is at most 255 bytes (RFC 1035 §3.1). */
#define SY_DNS_NAME_MAX      255
/* The UDP payload size we announce (the DNS Flag Day 2020 value). */
#define SY_DNS_UDP_PAYLOAD   1232
/* Room for any query we build: header, question, OPT record. */
#define SY_DNS_QUERY_MAX     (12 + SY_DNS_NAME_MAX + 4 + 11)
/* Addresses kept from one answer; the rest are dropped. */
#define SY_DNS_MAX_ADDRESSES 32
/* CNAME records followed from the question's name. */
#define SY_DNS_MAX_CNAMES    8

typedef struct
{
  guint8  family;       /* 4 or 6 */
  guint8  bytes[16];
  guint32 ttl;
} SyDnsAddress;

typedef struct
{
  guint16      id;
  guint8       rcode;
  gboolean     truncated;
  guint        n_cnames;        /* CNAME records followed */
  guint        n_addresses;
  SyDnsAddress addresses[SY_DNS_MAX_ADDRESSES];
} SyDnsAnswer;

typedef enum
{
  SY_DNS_PARSE_OK,
  SY_DNS_PARSE_NOT_OURS,        /* another ID, not a response, another question */
  SY_DNS_PARSE_MALFORMED,       /* cut short, bad lengths or names */
} SyDnsParseResult;

/* Encodes a host name ("www.example.com", a final dot allowed, letters,
 * digits, '-' and '_' only: IDNs must be in ASCII form already) into wire
 * form, lower case. Returns the length (including the final zero), or 0
 * when @hostname is not a valid name. */
gsize            sy_dns_name_encode  (const char    *hostname,
                                      guint8         wire[SY_DNS_NAME_MAX]);

/* Writes a recursive query for (@qname, @qtype, IN) with ID @id into
 * @buffer (SY_DNS_QUERY_MAX bytes). Returns its length. */
gsize            sy_dns_build_query  (guint8        *buffer,
                                      guint16        id,
                                      const guint8  *qname,
                                      gsize          qname_length,
                                      guint16        qtype);

/* Reads an answer to the query (@id, @qname, @qtype). On SY_DNS_PARSE_OK,
 * @answer holds the rcode, the TC bit and the addresses of type @qtype
 * owned by @qname or by the end of the CNAME chain that starts at @qname
 * within the answer section (records of other names are ignored: a
 * resolver must not take what it did not ask for). */
SyDnsParseResult sy_dns_parse_answer (const guint8  *message,
                                      gsize          length,
                                      guint16        id,
                                      const guint8  *qname,
                                      gsize          qname_length,
                                      guint16        qtype,
                                      SyDnsAnswer   *answer);

G_END_DECLS
