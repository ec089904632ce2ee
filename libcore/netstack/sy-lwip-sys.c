/* sy-lwip-sys.c — what lwIP asks of the platform: a clock, a heap, random numbers
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built into the lwIP library itself (libcore/netstack/meson.build), so
 * that lwIP's own objects find these symbols whatever the link order.
 */

#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <sys/random.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/blake2.h>

#include <glib.h>

#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/ip_addr.h"

#include "sy-lwip-hooks.h"
#include "sy-lwip-core.h"

u32_t
sys_now (void)
{
  return (u32_t) (g_get_monotonic_time () / 1000);
}

/* The heap ---------------------------------------------------------------
 *
 * lwIP runs on the main thread only, so plain counters do. The size is
 * what malloc really set aside (malloc_usable_size), which is also what
 * free() gives back. */

static gsize heap_bytes;
static gsize heap_blocks;

void *
sy_lwip_malloc (size_t size)
{
  void *pointer = malloc (size);

  if (pointer != NULL)
    {
      heap_bytes += malloc_usable_size (pointer);
      heap_blocks++;
    }
  return pointer;
}

void *
sy_lwip_calloc (size_t count,
                size_t size)
{
  void *pointer = calloc (count, size);

  if (pointer != NULL)
    {
      heap_bytes += malloc_usable_size (pointer);
      heap_blocks++;
    }
  return pointer;
}

void
sy_lwip_free (void *pointer)
{
  if (pointer == NULL)
    return;

  heap_bytes -= malloc_usable_size (pointer);
  heap_blocks--;
  free (pointer);
}

gsize
sy_lwip_heap_get_bytes (void)
{
  return heap_bytes;
}

gsize
sy_lwip_heap_get_blocks (void)
{
  return heap_blocks;
}

/* Randomness --------------------------------------------------------------- */

/* Ephemeral port ranges start somewhere random (tcp.c and udp.c). */
uint32_t
sy_lwip_rand (void)
{
  return g_random_int ();
}

static guint8 isn_secret[32];
static gboolean isn_secret_ready;

static void
isn_secret_init (void)
{
  gsize filled = 0;

  while (filled < sizeof isn_secret)
    {
      ssize_t n = getrandom (isn_secret + filled, sizeof isn_secret - filled, 0);

      if (n > 0)
        filled += n;
      else if (n < 0 && errno != EINTR)
        g_error ("getrandom() failed: %s", g_strerror (errno));
    }
  isn_secret_ready = TRUE;
}

static gsize
put_address (guint8          *buffer,
             const ip_addr_t *address)
{
  if (IP_IS_V6 (address))
    {
      memcpy (buffer, ip_2_ip6 (address)->addr, 16);
      return 16;
    }

  memcpy (buffer, &ip_2_ip4 (address)->addr, 4);
  return 4;
}

/* RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a timer ticking every 4 µs, F a keyed hash. An off-path
 * host cannot guess the sequence numbers of a connection it cannot see,
 * and a new incarnation of a four-tuple still starts above the old one. */
u32_t
sy_lwip_tcp_isn (const ip_addr_t *local_ip,
                 u16_t            local_port,
                 const ip_addr_t *remote_ip,
                 u16_t            remote_port)
{
  guint8 tuple[2 * 16 + 2 * 2];
  guint8 digest[4];
  Blake2s hash;
  gsize length = 0;
  guint32 f;

  if (!isn_secret_ready)
    isn_secret_init ();

  length += put_address (tuple + length, local_ip);
  length += put_address (tuple + length, remote_ip);
  tuple[length++] = local_port >> 8;
  tuple[length++] = local_port & 0xff;
  tuple[length++] = remote_port >> 8;
  tuple[length++] = remote_port & 0xff;

  if (wc_InitBlake2s_WithKey (&hash, sizeof digest, isn_secret, sizeof isn_secret) != 0 ||
      wc_Blake2sUpdate (&hash, tuple, length) != 0 ||
      wc_Blake2sFinal (&hash, digest, sizeof digest) != 0)
    g_error ("BLAKE2s failed");

  memcpy (&f, digest, sizeof f);
  return (u32_t) (g_get_monotonic_time () / 4) + f;
}
