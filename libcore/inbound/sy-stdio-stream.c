/* sy-stdio-stream.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GUnixInputStream/GUnixOutputStream already poll and read/write without
 * blocking once the descriptor is O_NONBLOCK (their writev_nonblocking on a
 * blocking pipe would block on a write larger than the room left). They
 * only lack a way to undo that and to close 0–2 safely, so the two small
 * subclasses below own the descriptor (the parent's close-fd is off) and
 * replace the parent's close.
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-tunnel"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "sy-stdio-stream.h"
#include "util/sy-error.h"

/* Descriptors ------------------------------------------------------------- */

typedef struct
{
  int      fd;
  int      saved_flags;
  gboolean owned;        /* set once sy_stdio_stream_new() succeeded */
} StdioFd;

static gboolean
stdio_fd_release (StdioFd  *fd,
                  GError  **error)
{
  int devnull;
  int res;
  int errsv;

  if (!fd->owned)
    return TRUE;
  fd->owned = FALSE;

  fcntl (fd->fd, F_SETFL, fd->saved_flags);

  if (fd->fd <= STDERR_FILENO)
    {
      devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
      if (devnull >= 0)
        {
          /* dup2() drops our reference to the pipe in the same step */
          res = dup2 (devnull, fd->fd);
          errsv = errno;
          close (devnull);
          if (res >= 0)
            return TRUE;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "Could not release descriptor %d: %s", fd->fd, g_strerror (errsv));
          return FALSE;
        }
    }

  if (close (fd->fd) < 0)
    {
      errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Could not close descriptor %d: %s", fd->fd, g_strerror (errsv));
      return FALSE;
    }

  return TRUE;
}

/* Input ------------------------------------------------------------------- */

typedef struct
{
  GUnixInputStream parent_instance;
  StdioFd          fd;
} SyStdioInputStream;

typedef struct
{
  GUnixInputStreamClass parent_class;
} SyStdioInputStreamClass;

static GType sy_stdio_input_stream_get_type (void);

G_DEFINE_TYPE (SyStdioInputStream, sy_stdio_input_stream, G_TYPE_UNIX_INPUT_STREAM)

static gboolean
sy_stdio_input_stream_close (GInputStream  *stream,
                             GCancellable  *cancellable,
                             GError       **error)
{
  return stdio_fd_release (&((SyStdioInputStream *) stream)->fd, error);
}

static void
sy_stdio_input_stream_class_init (SyStdioInputStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->close_fn = sy_stdio_input_stream_close;
}

static void
sy_stdio_input_stream_init (SyStdioInputStream *self)
{
}

/* Output ------------------------------------------------------------------ */

typedef struct
{
  GUnixOutputStream parent_instance;
  StdioFd           fd;
} SyStdioOutputStream;

typedef struct
{
  GUnixOutputStreamClass parent_class;
} SyStdioOutputStreamClass;

static GType sy_stdio_output_stream_get_type (void);

G_DEFINE_TYPE (SyStdioOutputStream, sy_stdio_output_stream, G_TYPE_UNIX_OUTPUT_STREAM)

static gboolean
sy_stdio_output_stream_close (GOutputStream  *stream,
                              GCancellable   *cancellable,
                              GError        **error)
{
  return stdio_fd_release (&((SyStdioOutputStream *) stream)->fd, error);
}

static void
sy_stdio_output_stream_class_init (SyStdioOutputStreamClass *klass)
{
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = sy_stdio_output_stream_close;
}

static void
sy_stdio_output_stream_init (SyStdioOutputStream *self)
{
}

/* The pair ---------------------------------------------------------------- */

static gboolean
stdio_fd_prepare (StdioFd     *fd,
                  int          number,
                  const char  *what,
                  GError     **error)
{
  int errsv;

  fd->fd = number;
  fd->saved_flags = fcntl (number, F_GETFL);
  if (fd->saved_flags < 0)
    {
      errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot use %s (descriptor %d): %s", what, number, g_strerror (errsv));
      return FALSE;
    }

  return TRUE;
}

GIOStream *
sy_stdio_stream_new (int      input_fd,
                     int      output_fd,
                     GError **error)
{
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) output = NULL;
  StdioFd *in_fd;
  StdioFd *out_fd;
  int duplicate = -1;
  int errsv;

  g_return_val_if_fail (input_fd >= 0, NULL);
  g_return_val_if_fail (output_fd >= 0, NULL);

  /* One socket for both directions: each half must own its own descriptor,
   * or closing one half would close the other. */
  if (output_fd == input_fd)
    {
      duplicate = fcntl (input_fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
      if (duplicate < 0)
        {
          errsv = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "Cannot duplicate descriptor %d: %s", input_fd, g_strerror (errsv));
          return NULL;
        }
      output_fd = duplicate;
    }

  input = g_object_new (sy_stdio_input_stream_get_type (),
                        "fd", input_fd, "close-fd", FALSE, NULL);
  output = g_object_new (sy_stdio_output_stream_get_type (),
                         "fd", output_fd, "close-fd", FALSE, NULL);
  in_fd = &((SyStdioInputStream *) input)->fd;
  out_fd = &((SyStdioOutputStream *) output)->fd;

  if (!stdio_fd_prepare (in_fd, input_fd, "standard input", error) ||
      !stdio_fd_prepare (out_fd, output_fd, "standard output", error))
    goto fail;

  if (!g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)))
    {
      g_set_error (error, SY_ERROR, SY_ERROR_UNSUPPORTED,
                   "Standard input (descriptor %d) cannot be polled: it is a regular file "
                   "or a device such as /dev/null. Use a pipe, a socket or a terminal",
                   input_fd);
      goto fail;
    }
  if (!g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (output)))
    {
      g_set_error (error, SY_ERROR, SY_ERROR_UNSUPPORTED,
                   "Standard output (descriptor %d) cannot be polled: it is a regular file "
                   "or a device such as /dev/null. Use a pipe, a socket or a terminal",
                   output_fd);
      goto fail;
    }

  if (fcntl (input_fd, F_SETFL, in_fd->saved_flags | O_NONBLOCK) < 0 ||
      fcntl (output_fd, F_SETFL, out_fd->saved_flags | O_NONBLOCK) < 0)
    {
      errsv = errno;
      fcntl (output_fd, F_SETFL, out_fd->saved_flags);
      fcntl (input_fd, F_SETFL, in_fd->saved_flags);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot make standard input and output non-blocking: %s",
                   g_strerror (errsv));
      goto fail;
    }

  in_fd->owned = TRUE;
  out_fd->owned = TRUE;

  return g_simple_io_stream_new (input, output);

fail:
  if (duplicate >= 0)
    close (duplicate);
  return NULL;
}
