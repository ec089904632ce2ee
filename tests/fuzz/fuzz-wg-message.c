/* fuzz-wg-message.c — libFuzzer harness for received WireGuard datagrams
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything a peer (or anyone on the path) can send us: the input is
 * classified as it is, then fed as each of the four message types (its
 * type byte forced, cut or taken whole to that type's length) to the
 * functions the device calls on received data — mac1/mac2 checks,
 * consume_initiation, consume_response, the cookie reply, transport
 * decryption — all with fixed keys, so that the seed corpus (valid
 * messages made by fuzz_wg_message_seed()) reaches the success paths and
 * mutations of it reach every check in between. Each message is copied to
 * a heap block of exactly its length, so AddressSanitizer sees any read
 * past it.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wireguard/sy-wg-cookie.h"
#include "wireguard/sy-wg-crypto.h"
#include "wireguard/sy-wg-messages.h"
#include "wireguard/sy-wg-noise.h"

/* Shared with tests/wireguard/fuzz-wg-message-replay.c. */
typedef struct
{
  guint classified[5];   /* by SyWgMessageType */
  guint initiations;     /* accepted by consume_initiation */
  guint responses;       /* accepted by consume_response */
  guint cookies;         /* cookie replies accepted */
  guint transports;      /* transport messages authenticated */
} FuzzWgMessageStats;

extern FuzzWgMessageStats fuzz_wg_message_stats;
gsize fuzz_wg_message_seed (SyWgMessageType  type,
                            guint8          *out,
                            gsize            out_size);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

FuzzWgMessageStats fuzz_wg_message_stats;

#define INITIATOR_INDEX  0x01020304u
#define RESPONDER_INDEX  0x05060708u
#define TRANSPORT_INDEX  0x0a0b0c0du
#define NOW_US           (1000 * G_TIME_SPAN_SECOND)

static const guint8 source_address[4] = { 192, 0, 2, 44 };
static const guint16 source_port = 51820;

static struct
{
  gboolean          ready;
  SyWgIdentity      initiator;
  SyWgIdentity      responder;
  SyWgPeerStatic    initiator_peer;     /* the responder, as the initiator knows it */
  SyWgPeerStatic    responder_peer;     /* the initiator, as the responder knows it */
  SyWgCookieChecker responder_checker;
  SyWgCookieChecker initiator_checker;
  SyWgCookieSender  initiator_sender;   /* has sent the seed initiation */
  SyWgHandshake     initiator_handshake;  /* CREATED_INITIATION, for the seed response */
  SyWgKeypair       keypair;
  SyWgMessageInitiation initiation;
  SyWgMessageResponse   response;
  SyWgMessageCookieReply cookie_reply;
  guint8            transport[64];
  gsize             transport_len;
} fx;

static void
fill (guint8 *out,
      gsize   len,
      guint8  start)
{
  for (gsize i = 0; i < len; i++)
    out[i] = (guint8) (start + i);
}

static void
check (gboolean    condition,
       const char *what)
{
  if (!condition)
    {
      g_printerr ("fuzz-wg-message: fixture: %s\n", what);
      abort ();
    }
}

static gpointer
lookup_responder_peer (const guint8           public_key[SY_WG_KEY_LEN],
                       SyWgHandshake        **handshake,
                       const SyWgPeerStatic **peer_static,
                       gpointer               user_data)
{
  if (memcmp (public_key, fx.responder_peer.public_key, SY_WG_KEY_LEN) != 0)
    return NULL;
  *handshake = user_data;
  *peer_static = &fx.responder_peer;
  return &fx.responder_peer;
}

/* Builds the fixed keys and the four valid messages. The ephemeral keys and
 * the timestamp are fixed (the Noise layer takes them as arguments), so the
 * messages are the same on every run and the committed seeds stay valid. */
static void
fixture_init (void)
{
  guint8 key[32], e_i[32], e_r[32], timestamp[12], cookie[16];
  SyWgSymmetricState state;
  SyWgHandshake responder_handshake;
  SyWgCookieSender responder_sender;

  if (fx.ready)
    return;

  fill (key, 32, 0x20);
  check (sy_wg_identity_init (&fx.initiator, key, NULL), "initiator key");
  fill (key, 32, 0x60);
  check (sy_wg_identity_init (&fx.responder, key, NULL), "responder key");
  check (sy_wg_peer_static_init (&fx.initiator_peer, &fx.initiator, fx.responder.public_key, NULL,
                                 NULL),
         "initiator's peer");
  check (sy_wg_peer_static_init (&fx.responder_peer, &fx.responder, fx.initiator.public_key, NULL,
                                 NULL),
         "responder's peer");
  sy_wg_cookie_checker_init (&fx.responder_checker, fx.responder.public_key);
  sy_wg_cookie_checker_init (&fx.initiator_checker, fx.initiator.public_key);
  sy_wg_cookie_sender_init (&fx.initiator_sender, fx.responder.public_key);

  /* the initiation, as sy_wg_handshake_create_initiation() makes it */
  fill (e_i, 32, 0xa0);
  fill (e_r, 32, 0xc0);
  fill (timestamp, 12, 0x40);
  memset (&fx.initiation, 0, sizeof fx.initiation);
  fx.initiation.type = SY_WG_MESSAGE_INITIATION;
  sy_wg_write_le32 (fx.initiation.sender_index, INITIATOR_INDEX);
  sy_wg_noise_ikpsk2_init (&state, SY_WG_CONSTRUCTION, (const guint8 *) SY_WG_IDENTIFIER,
                           strlen (SY_WG_IDENTIFIER), fx.responder.public_key);
  check (sy_wg_noise_ikpsk2_write_msg1 (&state, e_i, fx.initiator.public_key,
                                        fx.responder.public_key, fx.initiator_peer.static_static,
                                        timestamp, sizeof timestamp,
                                        fx.initiation.unencrypted_ephemeral),
         "initiation");
  sy_wg_cookie_sender_add_macs (&fx.initiator_sender, (guint8 *) &fx.initiation,
                                sizeof fx.initiation, NOW_US);

  sy_wg_handshake_init (&fx.initiator_handshake);
  memcpy (fx.initiator_handshake.hash, state.hash, 32);
  memcpy (fx.initiator_handshake.chaining_key, state.chaining_key, 32);
  memcpy (fx.initiator_handshake.ephemeral_private, e_i, 32);
  fx.initiator_handshake.local_index = INITIATOR_INDEX;
  fx.initiator_handshake.state = SY_WG_HANDSHAKE_CREATED_INITIATION;

  /* the response, as sy_wg_handshake_create_response() makes it */
  sy_wg_handshake_init (&responder_handshake);
  check (sy_wg_handshake_consume_initiation (&fx.responder, &fx.initiation, NOW_US,
                                             lookup_responder_peer, &responder_handshake) != NULL,
         "consume initiation");
  memset (&state, 0, sizeof state);
  memcpy (state.hash, responder_handshake.hash, 32);
  memcpy (state.chaining_key, responder_handshake.chaining_key, 32);
  memset (&fx.response, 0, sizeof fx.response);
  fx.response.type = SY_WG_MESSAGE_RESPONSE;
  sy_wg_write_le32 (fx.response.sender_index, RESPONDER_INDEX);
  sy_wg_write_le32 (fx.response.receiver_index, INITIATOR_INDEX);
  check (sy_wg_noise_ikpsk2_write_msg2 (&state, e_r, responder_handshake.remote_ephemeral,
                                        fx.initiator.public_key, fx.responder_peer.preshared_key,
                                        NULL, 0, fx.response.unencrypted_ephemeral),
         "response");
  sy_wg_cookie_sender_init (&responder_sender, fx.initiator.public_key);
  sy_wg_cookie_sender_add_macs (&responder_sender, (guint8 *) &fx.response, sizeof fx.response,
                                NOW_US);

  /* a cookie reply answering the initiation */
  memset (&fx.cookie_reply, 0, sizeof fx.cookie_reply);
  fx.cookie_reply.type = SY_WG_MESSAGE_COOKIE;
  sy_wg_write_le32 (fx.cookie_reply.receiver_index, INITIATOR_INDEX);
  fill (fx.cookie_reply.nonce, sizeof fx.cookie_reply.nonce, 0x10);
  fill (cookie, sizeof cookie, 0xe0);
  sy_wg_xaead_encrypt (fx.cookie_reply.encrypted_cookie, fx.responder_checker.cookie_key,
                       fx.cookie_reply.nonce, cookie, sizeof cookie,
                       fx.initiation.mac1, sizeof fx.initiation.mac1);

  /* a transport message for a fixed keypair (one key both ways) */
  memset (&fx.keypair, 0, sizeof fx.keypair);
  fill (fx.keypair.send_key, 32, 0x33);
  fill (fx.keypair.receive_key, 32, 0x33);
  fx.keypair.local_index = TRANSPORT_INDEX;
  fx.keypair.remote_index = TRANSPORT_INDEX;
  {
    SyWgKeypair sender = fx.keypair;

    sender.send_counter = 7;
    fx.transport_len = sy_wg_transport_encrypt (&sender, (const guint8 *) "a packet", 8, 1420,
                                                fx.transport, sizeof fx.transport);
    check (fx.transport_len == 48, "transport");
  }

  fx.ready = TRUE;
}

gsize
fuzz_wg_message_seed (SyWgMessageType  type,
                      guint8          *out,
                      gsize            out_size)
{
  const void *msg;
  gsize len;

  fixture_init ();
  switch (type)
    {
    case SY_WG_MESSAGE_INITIATION:
      msg = &fx.initiation, len = sizeof fx.initiation;
      break;
    case SY_WG_MESSAGE_RESPONSE:
      msg = &fx.response, len = sizeof fx.response;
      break;
    case SY_WG_MESSAGE_COOKIE:
      msg = &fx.cookie_reply, len = sizeof fx.cookie_reply;
      break;
    case SY_WG_MESSAGE_TRANSPORT:
      msg = fx.transport, len = fx.transport_len;
      break;
    case SY_WG_MESSAGE_INVALID:
    default:
      return 0;
    }
  if (len > out_size)
    return 0;
  memcpy (out, msg, len);
  return len;
}

/* A heap copy of the input as a message of @type: exactly @len bytes (or
 * all of the input when @len is 0), type byte and reserved bytes forced. */
static guint8 *
as_type (const uint8_t   *data,
         size_t           size,
         SyWgMessageType  type,
         gsize            len)
{
  guint8 *msg;

  if (len == 0)
    len = size;
  if (size < len || len < 4)
    return NULL;
  msg = g_malloc (len);
  memcpy (msg, data, len);
  msg[0] = (guint8) type;
  msg[1] = msg[2] = msg[3] = 0;
  return msg;
}

static void
fuzz_initiation (const uint8_t *data,
                 size_t         size)
{
  g_autofree guint8 *msg = as_type (data, size, SY_WG_MESSAGE_INITIATION, SY_WG_INITIATION_LEN);
  SyWgHandshake handshake;
  SyWgMessageResponse response;
  SyWgMessageCookieReply reply;
  SyWgKeypair keypair;

  if (msg == NULL)
    return;

  sy_wg_cookie_checker_check_mac1 (&fx.responder_checker, msg, SY_WG_INITIATION_LEN);
  sy_wg_cookie_checker_check_mac2 (&fx.responder_checker, msg, SY_WG_INITIATION_LEN,
                                   source_address, sizeof source_address, source_port, NOW_US);
  sy_wg_cookie_checker_create_reply (&fx.responder_checker, msg, SY_WG_INITIATION_LEN,
                                     source_address, sizeof source_address, source_port, NOW_US,
                                     &reply);

  sy_wg_handshake_init (&handshake);
  if (sy_wg_handshake_consume_initiation (&fx.responder, (const SyWgMessageInitiation *) msg,
                                          NOW_US,
                                          lookup_responder_peer, &handshake) == NULL)
    return;
  fuzz_wg_message_stats.initiations++;
  check (sy_wg_handshake_create_response (&handshake, &fx.responder, &fx.responder_peer,
                                          RESPONDER_INDEX, &response), "create response");
  check (sy_wg_handshake_derive_keypair (&handshake, &keypair), "responder keypair");
}

static void
fuzz_response (const uint8_t *data,
               size_t         size)
{
  g_autofree guint8 *msg = as_type (data, size, SY_WG_MESSAGE_RESPONSE, SY_WG_RESPONSE_LEN);
  SyWgHandshake handshake = fx.initiator_handshake;
  SyWgKeypair keypair;

  if (msg == NULL)
    return;

  sy_wg_cookie_checker_check_mac1 (&fx.initiator_checker, msg, SY_WG_RESPONSE_LEN);
  if (!sy_wg_handshake_consume_response (&handshake, &fx.initiator, &fx.initiator_peer,
                                         (const SyWgMessageResponse *) msg))
    {
      check (memcmp (&handshake, &fx.initiator_handshake, sizeof handshake) == 0,
             "a refused response changed the handshake");
      return;
    }
  fuzz_wg_message_stats.responses++;
  check (sy_wg_handshake_derive_keypair (&handshake, &keypair), "initiator keypair");
}

static void
fuzz_cookie_reply (const uint8_t *data,
                   size_t         size)
{
  g_autofree guint8 *msg = as_type (data, size, SY_WG_MESSAGE_COOKIE, SY_WG_COOKIE_REPLY_LEN);
  SyWgCookieSender sender = fx.initiator_sender;
  SyWgMessageInitiation next = fx.initiation;

  if (msg == NULL)
    return;

  if (!sy_wg_cookie_sender_consume_reply (&sender, (const SyWgMessageCookieReply *) msg, NOW_US))
    return;
  fuzz_wg_message_stats.cookies++;
  sy_wg_cookie_sender_add_macs (&sender, (guint8 *) &next, sizeof next, NOW_US);
  check (!sy_wg_is_zero_ct (next.mac2, sizeof next.mac2), "no mac2 after a cookie");
}

static void
fuzz_transport (const uint8_t *data,
                size_t         size)
{
  g_autofree guint8 *msg = as_type (data, size, SY_WG_MESSAGE_TRANSPORT, 0);
  guint8 *plain;
  gsize plain_len;
  guint64 counter;

  if (msg == NULL)
    return;

  if (!sy_wg_transport_decrypt (&fx.keypair, msg, size, &plain, &plain_len, &counter))
    return;
  fuzz_wg_message_stats.transports++;
  check (plain == msg + SY_WG_TRANSPORT_HEADER_LEN && plain_len == size - SY_WG_TRANSPORT_MIN_LEN,
         "transport plaintext bounds");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree guint8 *copy = NULL;
  SyWgMessageType type;

  fixture_init ();

  /* as received */
  copy = g_memdup2 (data, size);
  type = sy_wg_message_classify (copy, size);
  fuzz_wg_message_stats.classified[type]++;
  if (type == SY_WG_MESSAGE_RESPONSE || type == SY_WG_MESSAGE_COOKIE ||
      type == SY_WG_MESSAGE_TRANSPORT)
    (void) sy_wg_message_receiver_index (copy, size);

  /* as each type */
  fuzz_initiation (data, size);
  fuzz_response (data, size);
  fuzz_cookie_reply (data, size);
  fuzz_transport (data, size);
  return 0;
}
