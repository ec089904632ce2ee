/* sy-wg-tai64n.c — TAI64N timestamps for handshake initiations
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <time.h>

#include "wireguard/sy-wg-tai64n.h"

/* TAI64 labels second 0 of 1970 as 2^62 + 10 (TAI was 10 s ahead of UTC
 * then); leap seconds since are ignored, as every WireGuard does. */
#define TAI64_EPOCH G_GUINT64_CONSTANT (0x400000000000000a)

/* Rounding the nanoseconds down hides the exact moment a handshake was
 * made (a passive observer could otherwise learn our clock's offset). */
#define WHITENING_MASK ((guint32) ((1u << 24) - 1))

static GMutex last_lock;
static guint64 last_seconds;
static guint32 last_nanoseconds;

static void
encode (guint8  out[SY_WG_TAI64N_LEN],
        guint64 label,
        guint32 nanoseconds)
{
  for (guint i = 0; i < 8; i++)
    out[i] = (guint8) (label >> (56 - 8 * i));
  for (guint i = 0; i < 4; i++)
    out[8 + i] = (guint8) (nanoseconds >> (24 - 8 * i));
}

void
sy_wg_tai64n_from_unix (guint8  out[SY_WG_TAI64N_LEN],
                        gint64  seconds,
                        guint32 nanoseconds)
{
  g_return_if_fail (nanoseconds < G_USEC_PER_SEC * 1000);

  encode (out, TAI64_EPOCH + (guint64) seconds, nanoseconds);
}

void
sy_wg_tai64n_now (guint8 out[SY_WG_TAI64N_LEN])
{
  struct timespec now;
  guint64 seconds;
  guint32 nanoseconds;

  clock_gettime (CLOCK_REALTIME, &now);
  seconds = TAI64_EPOCH + (guint64) now.tv_sec;
  nanoseconds = (guint32) now.tv_nsec & ~WHITENING_MASK;

  g_mutex_lock (&last_lock);
  /* Never repeat or go back: a responder refuses a stamp that is not
   * greater than the last one it accepted from us. */
  if (seconds < last_seconds || (seconds == last_seconds && nanoseconds <= last_nanoseconds))
    {
      seconds = last_seconds;
      nanoseconds = last_nanoseconds + 1;
      if (nanoseconds >= 1000000000u)
        {
          seconds++;
          nanoseconds = 0;
        }
    }
  last_seconds = seconds;
  last_nanoseconds = nanoseconds;
  g_mutex_unlock (&last_lock);

  encode (out, seconds, nanoseconds);
}

int
sy_wg_tai64n_compare (const guint8 a[SY_WG_TAI64N_LEN],
                      const guint8 b[SY_WG_TAI64N_LEN])
{
  return memcmp (a, b, SY_WG_TAI64N_LEN);
}
