/* sy-stdio-stream.h — a pollable stream over a process's standard input and output
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A GIOStream reading @input_fd and writing @output_fd (0 and 1 for an
 * ssh ProxyCommand), both made non-blocking so that the relay never
 * stalls the main loop on a full pipe.
 *
 * Closing a half gives its descriptor back the way it came: its file
 * status flags are restored (O_NONBLOCK lives in the open file description,
 * which a terminal shares with the shell), and descriptors 0–2 are pointed
 * at /dev/null instead of being freed, so that the number is not reused by
 * the next socket while something may still print to it. Closing is also
 * what tells the reader of @output_fd that the stream has ended.
 *
 * Takes ownership of both descriptors on success (@input_fd may equal
 * @output_fd, a socket). Fails, leaving them untouched, with
 * SY_ERROR_UNSUPPORTED when one cannot be polled — a regular file or
 * /dev/null: use a pipe, a socket or a terminal. */
GIOStream *sy_stdio_stream_new (int      input_fd,
                                int      output_fd,
                                GError **error);

G_END_DECLS
