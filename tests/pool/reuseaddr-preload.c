/* reuseaddr-preload.c — LD_PRELOAD shim that sets SO_REUSEADDR before bind()
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pool interop tests kill a microsocks upstream and start it again on
 * the same port. microsocks binds without SO_REUSEADDR, so any connection it
 * closed first leaves a TIME_WAIT socket on that port and the new listener
 * would fail with EADDRINUSE for a minute. Preloaded into microsocks only.
 */

#include "config.h"

#include <dlfcn.h>
#include <stddef.h>
#include <sys/socket.h>

int
bind (int                    fd,
      const struct sockaddr *address,
      socklen_t              length)
{
  static int (*real_bind) (int, const struct sockaddr *, socklen_t);
  int one = 1;

  if (real_bind == NULL)
    real_bind = (int (*) (int, const struct sockaddr *, socklen_t)) dlsym (RTLD_NEXT, "bind");

  (void) setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  return real_bind (fd, address, length);
}
