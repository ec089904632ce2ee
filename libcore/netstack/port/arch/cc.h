/* arch/cc.h — compiler and platform glue for lwIP on Linux with GLib
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <errno.h>
#include <sys/time.h>

#define LWIP_TIMEVAL_PRIVATE 0
#define LWIP_ERRNO_STDINCLUDE 1

#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { fprintf (stderr, "lwIP assertion \"%s\" failed at %s:%d\n", \
                                              x, __FILE__, __LINE__); abort (); } while (0)

/* sy-lwip-sys.c: lwIP's heap (counted) and its random numbers. */
void     *sy_lwip_malloc (size_t size);
void     *sy_lwip_calloc (size_t count,
                          size_t size);
void      sy_lwip_free   (void  *pointer);
uint32_t  sy_lwip_rand   (void);
