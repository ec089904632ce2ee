/* sy-http-parser.h — HTTP/1.x proxy request and response heads, body framing
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Largest head (request-line or status-line plus fields) we buffer. Real
 * browsers stay far below; the bound keeps a slow or hostile peer from
 * making us hold unbounded memory. */
#define SY_HTTP_MAX_HEAD_SIZE          (64 * 1024)
/* Longest request-line before the answer is 414 rather than 431. */
#define SY_HTTP_MAX_REQUEST_LINE       (8 * 1024)

typedef enum
{
  SY_HTTP_PARSE_NEED_MORE,     /* the head is not complete yet: read more */
  SY_HTTP_PARSE_OK,            /* @consumed bytes form the head */
  SY_HTTP_PARSE_ERROR,         /* answer @http_status (requests) and close */
} SyHttpParseStatus;

typedef struct
{
  SyHttpParseStatus  status;
  gsize              consumed;     /* OK: length of the head including its blank line */
  guint              http_status;  /* ERROR: 400, 414, 431, 501, 505 … (502 for responses) */
  const char        *reason;       /* ERROR: static text for the log and the error page */
} SyHttpParseResult;

typedef enum
{
  SY_HTTP_BODY_NONE,
  SY_HTTP_BODY_LENGTH,         /* exactly @content_length bytes */
  SY_HTTP_BODY_CHUNKED,        /* RFC 9112 §7.1 chunked coding is the final one */
  SY_HTTP_BODY_UNTIL_CLOSE,    /* responses only: ends when the server closes */
} SyHttpBodyFraming;

typedef struct
{
  char               *method;
  SoupHTTPVersion     version;
  gboolean            is_connect;
  char               *host;           /* destination; an IPv6 literal has no brackets */
  guint16             port;
  char               *path;           /* origin-form "/path?query"; NULL for CONNECT */
  char               *host_header;    /* Host for the origin: "name[:port]", "[v6][:port]" */
  /* End-to-end fields only: hop-by-hop fields (RFC 9110 §7.6.1) and the
   * ones listed in Connection are gone, Host is not in here. When framing
   * is chunked, Transfer-Encoding stays: the body is passed on as it came. */
  SoupMessageHeaders *headers;
  char               *proxy_authorization;  /* taken out of the headers, or NULL */
  gboolean            keep_alive;     /* the client lets us keep the connection */
  SyHttpBodyFraming   framing;
  guint64             content_length;
} SyHttpRequest;

typedef struct
{
  SoupHTTPVersion     version;
  guint               status;
  char               *reason_phrase;
  SoupMessageHeaders *headers;        /* end-to-end fields plus the framing fields */
  gboolean            keep_alive;     /* the server lets us reuse the connection */
  SyHttpBodyFraming   framing;
  guint64             content_length;
} SyHttpResponse;

/* @scanned: bytes of @data already searched for the end of the head in an
 * earlier call on the same buffer (start at 0); keeps a client sending one
 * byte at a time from costing quadratic time. May be %NULL. */
SyHttpParseResult  sy_http_parse_request      (const guint8        *data,
                                               gsize                length,
                                               gsize               *scanned,
                                               SyHttpRequest      **request);
void               sy_http_request_free       (SyHttpRequest       *request);
/* "METHOD /path?query HTTP/1.1", Host, then the end-to-end fields. */
GBytes            *sy_http_request_serialize  (const SyHttpRequest *request);

/* @request_method decides whether a body can follow (HEAD never has one). */
SyHttpParseResult  sy_http_parse_response     (const guint8        *data,
                                               gsize                length,
                                               gsize               *scanned,
                                               const char          *request_method,
                                               SyHttpResponse     **response);
void               sy_http_response_free      (SyHttpResponse      *response);

typedef enum
{
  SY_HTTP_SERIALIZE_NONE             = 0,
  SY_HTTP_SERIALIZE_CLOSE            = 1 << 0,   /* add "Connection: close" */
  SY_HTTP_SERIALIZE_KEEP_ALIVE       = 1 << 1,   /* add "Connection: keep-alive" (HTTP/1.0 clients) */
  SY_HTTP_SERIALIZE_DROP_FRAMING     = 1 << 2,   /* drop Transfer-Encoding: the body is decoded */
} SyHttpSerializeFlags;

GBytes            *sy_http_response_serialize (const SyHttpResponse *response,
                                               SyHttpSerializeFlags  flags);

/* A complete error response with a short text/plain body. @extra_headers is
 * inserted verbatim (each line ending in CRLF) or %NULL. Always closes. */
GBytes            *sy_http_error_response     (guint                status,
                                               const char          *extra_headers,
                                               const char          *message);

/* Incremental chunked-body scanner (RFC 9112 §7.1). It needs no lookahead,
 * so a body can be split at any byte. Strict on line endings (CRLF only):
 * the bytes are passed on verbatim, and a server that split chunks
 * differently from us would see a different body. */
typedef struct
{
  guint    state;
  guint64  remaining;      /* chunk-data bytes left in the current chunk */
  guint    digits;         /* hex digits of the current chunk-size */
  gsize    line_length;    /* bytes of the current size line or trailer field */
  gsize    trailer_length; /* bytes of the whole trailer section */
} SyHttpChunkDecoder;

void               sy_http_chunk_decoder_init (SyHttpChunkDecoder  *decoder);
/* Feeds @length bytes. Returns how many of them belong to the chunked body:
 * all of them unless the body ends inside @data (then *done is TRUE and the
 * rest is the next message). If @out is not %NULL the chunk payload is
 * written there (@out may be @data itself); its size goes to *out_length
 * either way.
 * Returns -1 and sets *error_reason on malformed framing. */
gssize             sy_http_chunk_decoder_feed (SyHttpChunkDecoder  *decoder,
                                               const guint8        *data,
                                               gsize                length,
                                               guint8              *out,
                                               gsize               *out_length,
                                               gboolean            *done,
                                               const char         **error_reason);
gboolean           sy_http_chunk_decoder_is_done (const SyHttpChunkDecoder *decoder);

/* soup_status_get_phrase() plus the codes libsoup 3.2 does not know (431). */
const char        *sy_http_reason_phrase      (guint                status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyHttpRequest, sy_http_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyHttpResponse, sy_http_response_free)

G_END_DECLS
