/* wg-test-packets.h — hand-built IPv4/IPv6 packets for the WireGuard device tests
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Header-only: minimal valid IP headers with the right lengths and
 * checksums, around a payload that carries a sequence number.
 */

#pragma once

#include <arpa/inet.h>
#include <string.h>

#include <glib.h>

static inline guint16
wg_test_checksum (const guint8 *data,
                  gsize         length,
                  guint32       sum)
{
  for (gsize i = 0; i + 1 < length; i += 2)
    sum += ((guint32) data[i] << 8) | data[i + 1];
  if (length % 2)
    sum += (guint32) data[length - 1] << 8;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

static inline void
wg_test_fill_payload (guint8  *payload,
                      gsize    length,
                      guint32  sequence)
{
  for (gsize i = 0; i < length; i++)
    payload[i] = (guint8) (sequence * 7 + i);
  if (length >= 4)
    {
      payload[0] = (guint8) (sequence >> 24);
      payload[1] = (guint8) (sequence >> 16);
      payload[2] = (guint8) (sequence >> 8);
      payload[3] = (guint8) sequence;
    }
}

/* IPv4, protocol @protocol (253: experimental, RFC 3692), @payload_len bytes
 * of payload. Returns the packet's length. */
static inline gsize
wg_test_build_ipv4 (guint8     *buffer,
                    const char *source,
                    const char *destination,
                    guint8      protocol,
                    gsize       payload_len,
                    guint32     sequence)
{
  gsize total = 20 + payload_len;
  guint16 checksum;

  g_assert_cmpuint (total, <=, 65535);
  memset (buffer, 0, 20);
  buffer[0] = 0x45;
  buffer[2] = (guint8) (total >> 8);
  buffer[3] = (guint8) total;
  buffer[4] = (guint8) (sequence >> 8);
  buffer[5] = (guint8) sequence;
  buffer[8] = 64;
  buffer[9] = protocol;
  g_assert_cmpint (inet_pton (AF_INET, source, buffer + 12), ==, 1);
  g_assert_cmpint (inet_pton (AF_INET, destination, buffer + 16), ==, 1);
  checksum = wg_test_checksum (buffer, 20, 0);
  buffer[10] = (guint8) (checksum >> 8);
  buffer[11] = (guint8) checksum;
  wg_test_fill_payload (buffer + 20, payload_len, sequence);
  return total;
}

static inline gsize
wg_test_build_ipv6 (guint8     *buffer,
                    const char *source,
                    const char *destination,
                    guint8      next_header,
                    gsize       payload_len,
                    guint32     sequence)
{
  g_assert_cmpuint (payload_len, <=, 65535);
  memset (buffer, 0, 40);
  buffer[0] = 0x60;
  buffer[4] = (guint8) (payload_len >> 8);
  buffer[5] = (guint8) payload_len;
  buffer[6] = next_header;
  buffer[7] = 64;
  g_assert_cmpint (inet_pton (AF_INET6, source, buffer + 8), ==, 1);
  g_assert_cmpint (inet_pton (AF_INET6, destination, buffer + 24), ==, 1);
  wg_test_fill_payload (buffer + 40, payload_len, sequence);
  return 40 + payload_len;
}

/* An ICMP echo request (type 8) in IPv4, with @payload_len bytes of data. */
static inline gsize
wg_test_build_icmp_echo (guint8     *buffer,
                         const char *source,
                         const char *destination,
                         guint16     identifier,
                         guint16     sequence,
                         gsize       payload_len)
{
  gsize total = wg_test_build_ipv4 (buffer, source, destination, 1, 8 + payload_len, sequence);
  guint8 *icmp = buffer + 20;
  guint16 checksum;

  icmp[0] = 8;
  icmp[1] = 0;
  icmp[2] = 0;
  icmp[3] = 0;
  icmp[4] = (guint8) (identifier >> 8);
  icmp[5] = (guint8) identifier;
  icmp[6] = (guint8) (sequence >> 8);
  icmp[7] = (guint8) sequence;
  for (gsize i = 0; i < payload_len; i++)
    icmp[8 + i] = (guint8) ('a' + i % 26);
  checksum = wg_test_checksum (icmp, 8 + payload_len, 0);
  icmp[2] = (guint8) (checksum >> 8);
  icmp[3] = (guint8) checksum;
  return total;
}
