/* fuzz-http.c — libFuzzer harness for the HTTP proxy parser
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Checks what the inbound relies on: feeding a head in pieces gives the
 * same answer as feeding it at once; a forwarded head is well formed (CRLF
 * line ends only, no hop-by-hop field, nothing a server could split
 * differently); chunked framing finds the same end however the body is
 * split, and decoding in place matches decoding out of place.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inbound/sy-http-parser.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check (gboolean    condition,
       const char *what)
{
  if (!condition)
    {
      g_printerr ("http parser invariant broken: %s\n", what);
      abort ();
    }
}

/* Every LF is preceded by CR, no CR stands alone, no NUL, and the head
 * ends with its empty line. */
static void
check_head (GBytes   *head,
            gboolean  ours_added_close)
{
  gsize size;
  const char *text = g_bytes_get_data (head, &size);
  static const char * const forbidden[] = {
    "\nConnection:", "\nKeep-Alive:", "\nProxy-Authorization:", "\nProxy-Connection:",
    "\nTE:", "\nTrailer:", "\nUpgrade:",
  };
  g_autofree char *copy = NULL;

  check (size >= 4 && memcmp (text + size - 4, "\r\n\r\n", 4) == 0, "head does not end in CRLFCRLF");
  check (memchr (text, '\0', size) == NULL, "NUL in head");
  for (gsize i = 0; i < size; i++)
    {
      if (text[i] == '\n')
        check (i > 0 && text[i - 1] == '\r', "bare LF in head");
      if (text[i] == '\r')
        check (i + 1 < size && text[i + 1] == '\n', "bare CR in head");
    }

  copy = g_strndup (text, size);
  if (ours_added_close)
    {
      /* the one Connection field is ours, and it is the last field */
      char *close = strstr (copy, "\r\nConnection: close\r\n\r\n");

      check (close != NULL, "Connection: close missing");
      close[2] = '\0';
    }
  for (guint i = 0; i < G_N_ELEMENTS (forbidden); i++)
    check (strstr (copy, forbidden[i]) == NULL, "hop-by-hop field forwarded");
}

static void
fuzz_request (const guint8 *data,
              gsize         size)
{
  g_autoptr(SyHttpRequest) request = NULL;
  SyHttpParseResult whole;
  SyHttpParseResult r = { 0 };
  gsize scanned = 0;
  gsize step = size > 0 ? (data[0] % 13) + 1 : 1;

  whole = sy_http_parse_request (data, size, NULL, &request);
  check ((whole.status == SY_HTTP_PARSE_OK) == (request != NULL), "request without OK");

  /* the same bytes arriving in pieces, with the incremental scan */
  for (gsize end = MIN (step, size); ; end = MIN (end + step, size))
    {
      g_autoptr(SyHttpRequest) partial = NULL;

      r = sy_http_parse_request (data, end, &scanned, &partial);
      if (r.status != SY_HTTP_PARSE_NEED_MORE || end == size)
        break;
    }
  check (r.status == whole.status, "incremental parse disagrees");
  check (r.consumed == whole.consumed, "incremental parse consumed differently");

  switch (whole.status)
    {
    case SY_HTTP_PARSE_OK:
      check (whole.consumed > 0 && whole.consumed <= size, "consumed out of range");
      check (whole.consumed <= SY_HTTP_MAX_HEAD_SIZE, "head over the limit accepted");
      check (request->host != NULL && request->port > 0, "no destination");
      if (!request->is_connect)
        {
          g_autoptr(GBytes) head = sy_http_request_serialize (request);

          check (request->path != NULL && request->path[0] == '/', "path is not origin-form");
          check_head (head, FALSE);
        }
      break;

    case SY_HTTP_PARSE_ERROR:
      check (whole.http_status >= 400 && whole.http_status <= 599, "error status out of range");
      check (whole.reason != NULL, "error without reason");
      break;

    case SY_HTTP_PARSE_NEED_MORE:
      check (size < SY_HTTP_MAX_HEAD_SIZE, "incomplete beyond the limit");
      break;

    default:
      check (FALSE, "unknown status");
    }
}

static void
fuzz_response (const guint8 *data,
               gsize         size)
{
  g_autoptr(SyHttpResponse) response = NULL;
  SyHttpParseResult r;

  r = sy_http_parse_response (data, size, NULL, size > 0 && data[0] & 1 ? "HEAD" : "GET",
                              &response);
  if (r.status == SY_HTTP_PARSE_OK)
    {
      g_autoptr(GBytes) head = sy_http_response_serialize (response, SY_HTTP_SERIALIZE_CLOSE);

      check (response->status >= 100 && response->status <= 599, "status out of range");
      check (r.consumed <= size, "consumed out of range");
      check_head (head, TRUE);
    }
  else if (r.status == SY_HTTP_PARSE_ERROR)
    check (r.http_status == 502, "response error is not 502");
}

static void
fuzz_chunked (const guint8 *data,
              gsize         size)
{
  SyHttpChunkDecoder one;
  SyHttpChunkDecoder two;
  g_autofree guint8 *copy = g_malloc (size + 1);
  g_autofree guint8 *out = g_malloc (size + 1);
  gsize split = size > 0 ? data[0] % (size + 1) : 0;
  gsize out_one = 0;
  gsize out_a = 0;
  gsize out_b = 0;
  gboolean done_one = FALSE;
  gboolean done_two = FALSE;
  gssize used_one;
  gssize used_a;
  gssize used_b = 0;

  if (size > 0)
    memcpy (copy, data, size);
  sy_http_chunk_decoder_init (&one);
  used_one = sy_http_chunk_decoder_feed (&one, data, size, out, &out_one, &done_one, NULL);

  /* in place, in two pieces */
  sy_http_chunk_decoder_init (&two);
  used_a = sy_http_chunk_decoder_feed (&two, copy, split, copy, &out_a, &done_two, NULL);
  if (used_a >= 0 && !done_two)
    {
      check ((gsize) used_a == split, "decoder stopped early without being done");
      memmove (copy + out_a, copy + split, size - split);
      used_b = sy_http_chunk_decoder_feed (&two, copy + out_a, size - split, copy + out_a,
                                           &out_b, &done_two, NULL);
    }

  if (used_one < 0)
    {
      check (used_a < 0 || used_b < 0, "split input parsed where whole failed");
      return;
    }
  check (used_a >= 0 && used_b >= 0, "split input failed where whole parsed");
  check (done_one == done_two, "end of body depends on the split");
  check ((gsize) used_one == (gsize) used_a + (gsize) used_b, "consumed depends on the split");
  check (out_one == out_a + out_b, "payload size depends on the split");
  check (memcmp (out, copy, out_one) == 0, "payload depends on the split");
  check (out_one <= (gsize) used_one, "more payload than input");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  fuzz_request (data, size);
  fuzz_response (data, size);
  fuzz_chunked (data, size);
  return 0;
}
