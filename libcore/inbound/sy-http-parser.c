/* sy-http-parser.c
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libsoup tokenizes the heads; this file adds what a forwarding proxy needs
 * on top: request-target forms (RFC 9112 §3.2), hop-by-hop removal
 * (RFC 9110 §7.6.1) and message framing (RFC 9112 §6).
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-http"

#include <string.h>

#include "sy-http-parser.h"

/* Fields that describe one connection, not the message (RFC 9110 §7.6.1,
 * plus the non-standard Proxy-Connection that clients still send).
 * Transfer-Encoding is handled with the framing. */
static const char * const hop_by_hop_fields[] = {
  "Connection",
  "Keep-Alive",
  "Proxy-Authenticate",
  "Proxy-Authorization",
  "Proxy-Connection",
  "TE",
  "Trailer",
  "Upgrade",
};

/* Fields a Connection header must not make us drop: the framing of what we
 * forward has to stay what we parsed, and Host is ours to set. */
static const char * const protected_fields[] = {
  "Content-Length",
  "Transfer-Encoding",
  "Host",
};

static SyHttpParseResult
need_more (void)
{
  SyHttpParseResult result = { SY_HTTP_PARSE_NEED_MORE, 0, 0, NULL };

  return result;
}

static SyHttpParseResult
ok (gsize consumed)
{
  SyHttpParseResult result = { SY_HTTP_PARSE_OK, consumed, 0, NULL };

  return result;
}

static SyHttpParseResult
fail (guint       status,
      const char *reason)
{
  SyHttpParseResult result = { SY_HTTP_PARSE_ERROR, 0, status, reason };

  return result;
}

const char *
sy_http_reason_phrase (guint status)
{
  switch (status)
    {
    case 431:
      return "Request Header Fields Too Large";
    case 200:
      return "OK";
    default:
      return soup_status_get_phrase (status);
    }
}

/* Head framing ------------------------------------------------------------ */

/* Finds the empty line that ends a head. Returns the offset just past it
 * and the length of the empty line itself ("\r\n" or a bare "\n", which
 * RFC 9112 §2.2 lets a recipient accept), or 0 while it is not there. */
static gsize
find_head_end (const guint8 *data,
               gsize         start,
               gsize         length,
               gsize        *scanned,
               gsize        *blank_length)
{
  gsize from = start;

  if (scanned != NULL && *scanned > start + 2)
    from = *scanned - 2;

  while (from < length)
    {
      const guint8 *lf = memchr (data + from, '\n', length - from);
      gsize i;

      if (lf == NULL)
        break;

      i = lf - data;
      if (i + 1 < length && data[i + 1] == '\n')
        {
          *blank_length = 1;
          return i + 2;
        }
      if (i + 2 < length && data[i + 1] == '\r' && data[i + 2] == '\n')
        {
          *blank_length = 2;
          return i + 3;
        }
      from = i + 1;
    }

  if (scanned != NULL)
    *scanned = length;

  return 0;
}

/* RFC 9110 §5.6.2 tchar */
static gboolean
is_tchar (guchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static gboolean
is_token (const char *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!is_tchar (*s))
      return FALSE;
  return TRUE;
}

/* RFC 9110 §5.5: no control characters but HTAB in a value. A bare CR
 * in particular must not reach a server that might take it as a line end. */
static gboolean
is_field_value (const char *s)
{
  for (; *s != '\0'; s++)
    {
      guchar c = *s;

      if ((c < 0x20 && c != '\t') || c == 0x7f)
        return FALSE;
    }
  return TRUE;
}

/* RFC 9112 §5.1: a server MUST answer 400 to whitespace between a field name
 * and its colon (libsoup would silently drop such a line, and the origin
 * might not: the classic request-smuggling disagreement). §5.2: obsolete line
 * folding is rejected too rather than guessed at. */
static gboolean
field_lines_are_well_formed (const char *text,
                             gsize       length)
{
  const char *line = memchr (text, '\n', length);

  while (line != NULL && (gsize) (line + 1 - text) < length)
    {
      const char *start = line + 1;
      const char *end = memchr (start, '\n', length - (start - text));
      const char *stop = end != NULL ? end : text + length;
      const char *colon = memchr (start, ':', stop - start);

      if (start < stop && (*start == ' ' || *start == '\t'))
        return FALSE;
      if (colon != NULL && colon > start && (colon[-1] == ' ' || colon[-1] == '\t'))
        return FALSE;

      line = end;
    }

  return TRUE;
}

static gboolean
fields_are_valid (SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (!is_token (name) || !is_field_value (value))
        return FALSE;
    }

  return TRUE;
}

/* Connection options from Connection and the legacy Proxy-Connection. */
static GSList *
connection_options (SoupMessageHeaders *headers)
{
  const char *connection = soup_message_headers_get_list (headers, "Connection");
  const char *proxy_connection = soup_message_headers_get_list (headers, "Proxy-Connection");
  GSList *options = NULL;

  if (connection != NULL)
    options = soup_header_parse_list (connection);
  if (proxy_connection != NULL)
    options = g_slist_concat (options, soup_header_parse_list (proxy_connection));

  return options;
}

static gboolean
options_contain (GSList     *options,
                 const char *token)
{
  for (GSList *l = options; l != NULL; l = l->next)
    if (g_ascii_strcasecmp (l->data, token) == 0)
      return TRUE;
  return FALSE;
}

/* RFC 9112 §9.3: HTTP/1.1 is persistent unless "close"; HTTP/1.0 only with
 * "keep-alive". */
static gboolean
wants_keep_alive (SoupHTTPVersion  version,
                  GSList          *options)
{
  if (options_contain (options, "close"))
    return FALSE;
  if (version == SOUP_HTTP_1_0)
    return options_contain (options, "keep-alive");
  return TRUE;
}

static void
remove_hop_by_hop (SoupMessageHeaders *headers,
                   GSList             *options)
{
  for (GSList *l = options; l != NULL; l = l->next)
    {
      gboolean keep = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (protected_fields); i++)
        if (g_ascii_strcasecmp (l->data, protected_fields[i]) == 0)
          keep = TRUE;
      if (!keep)
        soup_message_headers_remove (headers, l->data);
    }

  for (guint i = 0; i < G_N_ELEMENTS (hop_by_hop_fields); i++)
    soup_message_headers_remove (headers, hop_by_hop_fields[i]);
}

/* RFC 9110 §8.6: 1*DIGIT. Several fields, or a list, are only acceptable
 * when every member is the same number; anything else is how request
 * smuggling starts. */
static gboolean
parse_content_length (const char *value,
                      guint64    *length)
{
  g_auto(GStrv) members = g_strsplit (value, ",", -1);
  gboolean have = FALSE;

  for (guint i = 0; members[i] != NULL; i++)
    {
      const char *member = g_strstrip (members[i]);
      guint64 number;

      if (*member == '\0' || strspn (member, "0123456789") != strlen (member) ||
          strlen (member) > 18)
        return FALSE;
      number = g_ascii_strtoull (member, NULL, 10);
      if (have && number != *length)
        return FALSE;
      *length = number;
      have = TRUE;
    }

  return have;
}

/* Is chunked the final transfer coding of @value (RFC 9112 §6.3)? */
static gboolean
final_coding_is_chunked (const char *value)
{
  GSList *codings = soup_header_parse_list (value);
  GSList *last = g_slist_last (codings);
  gboolean chunked = FALSE;

  if (last != NULL)
    {
      char *coding = last->data;
      char *semicolon = strchr (coding, ';');

      if (semicolon != NULL)
        *semicolon = '\0';
      chunked = g_ascii_strcasecmp (g_strstrip (coding), "chunked") == 0;
    }

  soup_header_free_list (codings);
  return chunked;
}

static gboolean
is_host_name (const char *host)
{
  gsize length = strlen (host);

  if (length == 0 || length > 253)
    return FALSE;
  for (const char *p = host; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
      return FALSE;
  return TRUE;
}

static gboolean
is_ipv6_literal (const char *host)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

  return address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
}

static gboolean
parse_port (const char *text,
            gsize       length,
            guint16    *port)
{
  guint value = 0;

  if (length == 0 || length > 5)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      value = value * 10 + (text[i] - '0');
    }
  if (value == 0 || value > 65535)
    return FALSE;

  *port = (guint16) value;
  return TRUE;
}

/* RFC 9112 §3.2.3 authority-form: "host:port" or "[v6]:port"; the port is
 * not optional for CONNECT. */
static gboolean
parse_authority (const char  *target,
                 char       **host,
                 guint16     *port)
{
  const char *colon;
  g_autofree char *name = NULL;

  if (target[0] == '[')
    {
      const char *close = strchr (target, ']');

      if (close == NULL || close[1] != ':')
        return FALSE;
      name = g_strndup (target + 1, close - target - 1);
      if (!is_ipv6_literal (name))
        return FALSE;
      colon = close + 1;
    }
  else
    {
      colon = strrchr (target, ':');
      if (colon == NULL)
        return FALSE;
      name = g_strndup (target, colon - target);
      if (!is_host_name (name))
        return FALSE;
    }

  if (!parse_port (colon + 1, strlen (colon + 1), port))
    return FALSE;

  *host = g_steal_pointer (&name);
  return TRUE;
}

/* RFC 9112 §3.2.2 absolute-form, http only: a proxy has no business
 * fetching https:// on a client's behalf in cleartext. */
static SyHttpParseResult
parse_absolute (const char    *target,
                SyHttpRequest *request)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;
  const char *path;
  gsize path_length;
  int port;

  if (g_ascii_strncasecmp (target, "https://", 8) == 0)
    return fail (400, "https:// URLs must be requested with CONNECT through this proxy");
  if (g_ascii_strncasecmp (target, "http://", 7) != 0)
    {
      if (target[0] == '/' || strcmp (target, "*") == 0)
        return fail (400, "This is a proxy: request an absolute http:// URL, or use CONNECT");
      return fail (400, "Only http:// URLs can be forwarded");
    }

  uri = g_uri_parse (target, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return fail (400, "Malformed request URL");

  host = g_uri_get_host (uri);
  if (host == NULL || (!is_host_name (host) && !is_ipv6_literal (host)))
    return fail (400, "Malformed host in request URL");

  port = g_uri_get_port (uri);
  if (port == 0 || port > 65535)
    return fail (400, "Malformed port in request URL");
  request->host = g_strdup (host);
  request->port = port > 0 ? (guint16) port : 80;

  /* The path and query go on exactly as the client wrote them: GUri would
   * remove dot segments and decode unreserved escapes, and a proxy that
   * rewrites paths can make a server see a different resource than an
   * access rule in front of it did. The fragment never goes on the wire
   * (RFC 9110 §4.2.4). */
  path = target + 7 + strcspn (target + 7, "/?#");
  path_length = strcspn (path, "#");
  request->path = g_strdup_printf ("%s%.*s", path[0] == '/' ? "" : "/", (int) path_length, path);

  /* RFC 9112 §3.2.2: the Host a proxy sends is the authority of the target,
   * whatever Host the client put beside it. Userinfo is left out. */
  if (strchr (host, ':') != NULL)
    request->host_header = port > 0 && port != 80
      ? g_strdup_printf ("[%s]:%d", host, port) : g_strdup_printf ("[%s]", host);
  else
    request->host_header = port > 0 && port != 80
      ? g_strdup_printf ("%s:%d", host, port) : g_strdup (host);

  return ok (0);
}

static gboolean
is_request_target (const char *target)
{
  if (*target == '\0')
    return FALSE;
  for (; *target != '\0'; target++)
    if ((guchar) *target <= 0x20 || (guchar) *target >= 0x7f)
      return FALSE;
  return TRUE;
}

/* Everything before the head proper: RFC 9112 §2.2 lets a server ignore
 * empty lines where a request-line is expected. */
static gsize
skip_leading_newlines (const guint8 *data,
                       gsize         length)
{
  gsize skip = 0;

  while (skip < length && (data[skip] == '\r' || data[skip] == '\n'))
    skip++;
  return skip;
}

/* Requests ---------------------------------------------------------------- */

void
sy_http_request_free (SyHttpRequest *request)
{
  if (request == NULL)
    return;

  g_free (request->method);
  g_free (request->host);
  g_free (request->path);
  g_free (request->host_header);
  g_clear_pointer (&request->headers, soup_message_headers_unref);
  if (request->proxy_authorization != NULL)
    explicit_bzero (request->proxy_authorization, strlen (request->proxy_authorization));
  g_free (request->proxy_authorization);
  g_free (request);
}

static SyHttpParseResult
request_framing (SyHttpRequest *request)
{
  const char *transfer_encoding;
  const char *content_length;

  transfer_encoding = soup_message_headers_get_list (request->headers, "Transfer-Encoding");
  content_length = soup_message_headers_get_list (request->headers, "Content-Length");

  request->framing = SY_HTTP_BODY_NONE;
  request->content_length = 0;

  if (transfer_encoding != NULL)
    {
      /* RFC 9112 §6.3 (3): both at once, or a final coding other than
       * chunked, leave the length undecidable: reject and close. */
      if (content_length != NULL)
        return fail (400, "Request has both Transfer-Encoding and Content-Length");
      if (!final_coding_is_chunked (transfer_encoding))
        return fail (400, "Request body is not chunked: its length cannot be determined");
      request->framing = SY_HTTP_BODY_CHUNKED;
      /* RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message is suspect;
       * serve it, but do not trust the connection afterwards. */
      if (request->version == SOUP_HTTP_1_0)
        request->keep_alive = FALSE;
    }
  else if (content_length != NULL)
    {
      if (!parse_content_length (content_length, &request->content_length))
        return fail (400, "Malformed Content-Length");
      request->framing = request->content_length > 0 ? SY_HTTP_BODY_LENGTH : SY_HTTP_BODY_NONE;
    }

  return ok (0);
}

SyHttpParseResult
sy_http_parse_request (const guint8   *data,
                       gsize           length,
                       gsize          *scanned,
                       SyHttpRequest **out_request)
{
  g_autoptr(SyHttpRequest) request = NULL;
  g_autofree char *text = NULL;
  g_autofree char *target = NULL;
  GSList *options;
  SyHttpParseResult result;
  const guint8 *line_end;
  gsize skip;
  gsize end;
  gsize blank_length = 0;
  gsize text_length;
  guint status;

  g_return_val_if_fail (data != NULL || length == 0, fail (500, "bug"));
  g_return_val_if_fail (out_request != NULL, fail (500, "bug"));

  *out_request = NULL;

  skip = skip_leading_newlines (data, length);
  line_end = memchr (data + skip, '\n', MIN (length - skip, SY_HTTP_MAX_REQUEST_LINE + 1));
  if (line_end == NULL && length - skip > SY_HTTP_MAX_REQUEST_LINE)
    return fail (414, "Request line too long");

  end = find_head_end (data, skip, length, scanned, &blank_length);
  if (end == 0)
    {
      if (length >= SY_HTTP_MAX_HEAD_SIZE)
        return fail (431, "Request head too large");
      return need_more ();
    }
  if (end > SY_HTTP_MAX_HEAD_SIZE)
    return fail (431, "Request head too large");

  /* libsoup wants the head without its final empty line. */
  text_length = end - skip - blank_length;
  if (memchr (data + skip, '\0', text_length) != NULL)
    return fail (400, "Request head contains a NUL byte");
  text = g_strndup ((const char *) data + skip, text_length);
  if (!field_lines_are_well_formed (text, text_length))
    return fail (400, "Whitespace before a header field's colon, or a folded header line");

  request = g_new0 (SyHttpRequest, 1);
  request->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);

  status = soup_headers_parse_request (text, text_length, request->headers,
                                       &request->method, &target, &request->version);
  if (status != SOUP_STATUS_OK)
    {
      switch (status)
        {
        case SOUP_STATUS_HTTP_VERSION_NOT_SUPPORTED:
          return fail (505, "Only HTTP/1.0 and HTTP/1.1 are supported");
        case SOUP_STATUS_EXPECTATION_FAILED:
          return fail (417, "Unsupported Expect field");
        default:
          return fail (400, "Malformed request head");
        }
    }

  if (!is_token (request->method) || !is_request_target (target))
    return fail (400, "Malformed request line");
  if (!fields_are_valid (request->headers))
    return fail (400, "Malformed header field");

  if (strcmp (request->method, "CONNECT") == 0)
    {
      request->is_connect = TRUE;
      if (!parse_authority (target, &request->host, &request->port))
        return fail (400, "CONNECT needs host:port");
    }
  else
    {
      result = parse_absolute (target, request);
      if (result.status == SY_HTTP_PARSE_ERROR)
        return result;
    }

  options = connection_options (request->headers);
  request->keep_alive = wants_keep_alive (request->version, options);

  result = request_framing (request);
  if (result.status == SY_HTTP_PARSE_ERROR)
    {
      soup_header_free_list (options);
      return result;
    }

  request->proxy_authorization =
    g_strdup (soup_message_headers_get_one (request->headers, "Proxy-Authorization"));
  remove_hop_by_hop (request->headers, options);
  soup_header_free_list (options);
  soup_message_headers_remove (request->headers, "Host");

  *out_request = g_steal_pointer (&request);
  return ok (end);
}

static void
append_fields (GString            *out,
               SoupMessageHeaders *headers,
               gboolean            drop_framing)
{
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (drop_framing && g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
        continue;
      g_string_append_printf (out, "%s: %s\r\n", name, value);
    }
}

GBytes *
sy_http_request_serialize (const SyHttpRequest *request)
{
  GString *out;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (!request->is_connect, NULL);

  out = g_string_sized_new (512);
  /* We speak HTTP/1.1 to the origin whatever the client spoke: framing
   * and persistence are per hop (RFC 9110 §6.2). */
  g_string_append_printf (out, "%s %s HTTP/1.1\r\nHost: %s\r\n",
                          request->method, request->path, request->host_header);
  append_fields (out, request->headers, FALSE);
  g_string_append (out, "\r\n");

  return g_string_free_to_bytes (out);
}

/* Responses --------------------------------------------------------------- */

void
sy_http_response_free (SyHttpResponse *response)
{
  if (response == NULL)
    return;

  g_free (response->reason_phrase);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_free (response);
}

SyHttpParseResult
sy_http_parse_response (const guint8    *data,
                        gsize            length,
                        gsize           *scanned,
                        const char      *request_method,
                        SyHttpResponse **out_response)
{
  g_autoptr(SyHttpResponse) response = NULL;
  g_autofree char *text = NULL;
  const char *transfer_encoding;
  const char *content_length;
  GSList *options;
  gsize skip;
  gsize end;
  gsize blank_length = 0;
  gsize text_length;

  g_return_val_if_fail (data != NULL || length == 0, fail (502, "bug"));
  g_return_val_if_fail (out_response != NULL, fail (502, "bug"));

  *out_response = NULL;

  skip = skip_leading_newlines (data, length);
  end = find_head_end (data, skip, length, scanned, &blank_length);
  if (end == 0)
    {
      if (length >= SY_HTTP_MAX_HEAD_SIZE)
        return fail (502, "Response head from the server is too large");
      return need_more ();
    }
  if (end > SY_HTTP_MAX_HEAD_SIZE)
    return fail (502, "Response head from the server is too large");

  text_length = end - skip - blank_length;
  if (memchr (data + skip, '\0', text_length) != NULL)
    return fail (502, "Malformed response head from the server");
  text = g_strndup ((const char *) data + skip, text_length);

  response = g_new0 (SyHttpResponse, 1);
  response->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  if (!soup_headers_parse_response (text, text_length, response->headers,
                                    &response->version, &response->status,
                                    &response->reason_phrase) ||
      !fields_are_valid (response->headers) || !is_field_value (response->reason_phrase) ||
      response->status < 100 || response->status > 599)
    return fail (502, "Malformed response head from the server");

  options = connection_options (response->headers);
  response->keep_alive = wants_keep_alive (response->version, options);

  transfer_encoding = soup_message_headers_get_list (response->headers, "Transfer-Encoding");
  content_length = soup_message_headers_get_list (response->headers, "Content-Length");

  /* RFC 9112 §6.3, in its order. */
  if ((request_method != NULL && strcmp (request_method, "HEAD") == 0) ||
      (response->status >= 100 && response->status < 200) ||
      response->status == 204 || response->status == 304)
    {
      response->framing = SY_HTTP_BODY_NONE;
    }
  else if (transfer_encoding != NULL)
    {
      /* (3) Transfer-Encoding overrides Content-Length, which a proxy must
       * then remove; a final coding other than chunked runs to the close. */
      soup_message_headers_remove (response->headers, "Content-Length");
      if (final_coding_is_chunked (transfer_encoding))
        response->framing = SY_HTTP_BODY_CHUNKED;
      else
        {
          response->framing = SY_HTTP_BODY_UNTIL_CLOSE;
          response->keep_alive = FALSE;
        }
    }
  else if (content_length != NULL)
    {
      /* (5) an invalid length from a server: 502, never a guess. */
      if (!parse_content_length (content_length, &response->content_length))
        {
          soup_header_free_list (options);
          return fail (502, "Malformed Content-Length from the server");
        }
      response->framing = response->content_length > 0 ? SY_HTTP_BODY_LENGTH : SY_HTTP_BODY_NONE;
    }
  else
    {
      response->framing = SY_HTTP_BODY_UNTIL_CLOSE;
      response->keep_alive = FALSE;
    }

  remove_hop_by_hop (response->headers, options);
  soup_header_free_list (options);

  *out_response = g_steal_pointer (&response);
  return ok (end);
}

GBytes *
sy_http_response_serialize (const SyHttpResponse *response,
                            SyHttpSerializeFlags  flags)
{
  GString *out;
  const char *phrase;

  g_return_val_if_fail (response != NULL, NULL);

  phrase = response->reason_phrase != NULL && response->reason_phrase[0] != '\0'
    ? response->reason_phrase : sy_http_reason_phrase (response->status);

  out = g_string_sized_new (512);
  g_string_append_printf (out, "HTTP/1.1 %u %s\r\n", response->status, phrase);
  append_fields (out, response->headers, (flags & SY_HTTP_SERIALIZE_DROP_FRAMING) != 0);
  if (flags & SY_HTTP_SERIALIZE_CLOSE)
    g_string_append (out, "Connection: close\r\n");
  else if (flags & SY_HTTP_SERIALIZE_KEEP_ALIVE)
    g_string_append (out, "Connection: keep-alive\r\n");
  g_string_append (out, "\r\n");

  return g_string_free_to_bytes (out);
}

GBytes *
sy_http_error_response (guint       status,
                        const char *extra_headers,
                        const char *message)
{
  GString *out = g_string_sized_new (256);
  g_autofree char *body = g_strdup_printf ("%s\n", message != NULL ? message
                                                                    : sy_http_reason_phrase (status));

  g_string_append_printf (out,
                          "HTTP/1.1 %u %s\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                          "Connection: close\r\n"
                          "%s"
                          "\r\n"
                          "%s",
                          status, sy_http_reason_phrase (status),
                          strlen (body),
                          extra_headers != NULL ? extra_headers : "",
                          body);

  return g_string_free_to_bytes (out);
}

/* Chunked coding ---------------------------------------------------------- */

enum
{
  CHUNK_SIZE,          /* hex digits of chunk-size */
  CHUNK_EXTENSION,     /* ";name=value" up to CR */
  CHUNK_SIZE_LF,
  CHUNK_DATA,
  CHUNK_DATA_CR,
  CHUNK_DATA_LF,
  CHUNK_TRAILER_START, /* a field line or the final CRLF */
  CHUNK_TRAILER_LINE,
  CHUNK_TRAILER_LF,
  CHUNK_FINAL_LF,
  CHUNK_DONE,
};

/* Bounds on the parts of the coding that carry no payload, so that a peer
 * cannot make us scan an endless extension or trailer. */
#define CHUNK_MAX_LINE    4096
#define CHUNK_MAX_TRAILER (16 * 1024)
#define CHUNK_MAX_DIGITS  15   /* sizes below 2^60 */

void
sy_http_chunk_decoder_init (SyHttpChunkDecoder *decoder)
{
  g_return_if_fail (decoder != NULL);

  memset (decoder, 0, sizeof *decoder);
  decoder->state = CHUNK_SIZE;
}

gboolean
sy_http_chunk_decoder_is_done (const SyHttpChunkDecoder *decoder)
{
  return decoder->state == CHUNK_DONE;
}

static int
hex_value (guint8 c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

gssize
sy_http_chunk_decoder_feed (SyHttpChunkDecoder  *decoder,
                            const guint8        *data,
                            gsize                length,
                            guint8              *out,
                            gsize               *out_length,
                            gboolean            *done,
                            const char         **error_reason)
{
  gsize i = 0;
  gsize written = 0;

  g_return_val_if_fail (decoder != NULL, -1);
  g_return_val_if_fail (data != NULL || length == 0, -1);

#define CHUNK_ERROR(text) \
  G_STMT_START { \
    if (error_reason != NULL) \
      *error_reason = (text); \
    return -1; \
  } G_STMT_END

  while (i < length && decoder->state != CHUNK_DONE)
    {
      guint8 c = data[i];

      switch (decoder->state)
        {
        case CHUNK_SIZE:
          if (hex_value (c) >= 0)
            {
              if (decoder->digits == CHUNK_MAX_DIGITS)
                CHUNK_ERROR ("chunk size too large");
              decoder->remaining = (decoder->remaining << 4) | (guint64) hex_value (c);
              decoder->digits++;
            }
          else if (decoder->digits == 0)
            CHUNK_ERROR ("chunk size missing");
          /* RFC 9112 §7.1.1 allows BWS before the extension. */
          else if (c == ';' || c == ' ' || c == '\t')
            decoder->state = CHUNK_EXTENSION;
          else if (c == '\r')
            decoder->state = CHUNK_SIZE_LF;
          else
            CHUNK_ERROR ("malformed chunk size");
          decoder->line_length++;
          i++;
          break;

        case CHUNK_EXTENSION:
          if (c == '\r')
            decoder->state = CHUNK_SIZE_LF;
          else if (c == '\n' || c == '\0')
            CHUNK_ERROR ("malformed chunk extension");
          if (++decoder->line_length > CHUNK_MAX_LINE)
            CHUNK_ERROR ("chunk extension too long");
          i++;
          break;

        case CHUNK_SIZE_LF:
          if (c != '\n')
            CHUNK_ERROR ("chunk size line not ended by CRLF");
          decoder->state = decoder->remaining > 0 ? CHUNK_DATA : CHUNK_TRAILER_START;
          decoder->line_length = 0;
          i++;
          break;

        case CHUNK_DATA:
          {
            gsize n = (gsize) MIN ((guint64) (length - i), decoder->remaining);

            if (out != NULL)
              memmove (out + written, data + i, n);
            written += n;
            decoder->remaining -= n;
            i += n;
            if (decoder->remaining == 0)
              decoder->state = CHUNK_DATA_CR;
          }
          break;

        case CHUNK_DATA_CR:
          if (c != '\r')
            CHUNK_ERROR ("chunk data longer than its size");
          decoder->state = CHUNK_DATA_LF;
          i++;
          break;

        case CHUNK_DATA_LF:
          if (c != '\n')
            CHUNK_ERROR ("chunk data not ended by CRLF");
          decoder->state = CHUNK_SIZE;
          decoder->digits = 0;
          decoder->line_length = 0;
          i++;
          break;

        case CHUNK_TRAILER_START:
          if (c == '\r')
            decoder->state = CHUNK_FINAL_LF;
          else if (c == '\n')
            CHUNK_ERROR ("trailer section not ended by CRLF");
          else
            decoder->state = CHUNK_TRAILER_LINE;
          if (++decoder->trailer_length > CHUNK_MAX_TRAILER)
            CHUNK_ERROR ("trailer section too large");
          i++;
          break;

        case CHUNK_TRAILER_LINE:
          if (c == '\r')
            decoder->state = CHUNK_TRAILER_LF;
          else if (c == '\n' || c == '\0')
            CHUNK_ERROR ("malformed trailer field");
          if (++decoder->trailer_length > CHUNK_MAX_TRAILER)
            CHUNK_ERROR ("trailer section too large");
          i++;
          break;

        case CHUNK_TRAILER_LF:
          if (c != '\n')
            CHUNK_ERROR ("trailer field not ended by CRLF");
          decoder->state = CHUNK_TRAILER_START;
          i++;
          break;

        case CHUNK_FINAL_LF:
          if (c != '\n')
            CHUNK_ERROR ("chunked body not ended by CRLF");
          decoder->state = CHUNK_DONE;
          i++;
          break;

        default:
          g_assert_not_reached ();
        }
    }

#undef CHUNK_ERROR

  if (out_length != NULL)
    *out_length = written;
  if (done != NULL)
    *done = decoder->state == CHUNK_DONE;

  return (gssize) i;
}
