/* sy-wg-noise.c — the Noise_IKpsk2 handshake and transport keys (§5.4.2–§5.4.6)
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-wireguard"

#include <stddef.h>
#include <string.h>

#include "util/sy-error.h"
#include "wireguard/sy-wg-crypto.h"
#include "wireguard/sy-wg-noise.h"
#include "wireguard/sy-wg-tai64n.h"

/* The Noise messages are written straight into the WireGuard structs:
 * their fields are contiguous in the order the pattern produces them. */
G_STATIC_ASSERT (offsetof (SyWgMessageInitiation, encrypted_static)
                 == offsetof (SyWgMessageInitiation, unencrypted_ephemeral) + SY_WG_KEY_LEN);
G_STATIC_ASSERT (offsetof (SyWgMessageInitiation, encrypted_timestamp)
                 == offsetof (SyWgMessageInitiation,
                              encrypted_static) + SY_WG_KEY_LEN + SY_WG_AEAD_TAG_LEN);
G_STATIC_ASSERT (offsetof (SyWgMessageInitiation, mac1)
                 == offsetof (SyWgMessageInitiation,
                              unencrypted_ephemeral) + SY_WG_NOISE_MSG1_LEN (SY_WG_TAI64N_LEN));
G_STATIC_ASSERT (offsetof (SyWgMessageResponse, mac1)
                 == offsetof (SyWgMessageResponse,
                              unencrypted_ephemeral) + SY_WG_NOISE_MSG2_LEN (0));

/* ---- 1. Noise SymmetricState --------------------------------------------- */

void
sy_wg_symmetric_init (SyWgSymmetricState *state,
                      const char         *protocol_name,
                      const guint8       *prologue,
                      gsize               prologue_len)
{
  gsize name_len;

  g_return_if_fail (state != NULL);
  g_return_if_fail (protocol_name != NULL);

  memset (state, 0, sizeof *state);
  name_len = strlen (protocol_name);
  if (name_len <= SY_WG_HASH_LEN)
    memcpy (state->hash, protocol_name, name_len);
  else
    sy_wg_hash (state->hash, (const guint8 *) protocol_name, name_len);
  memcpy (state->chaining_key, state->hash, SY_WG_HASH_LEN);
  sy_wg_symmetric_mix_hash (state, prologue, prologue_len);
}

void
sy_wg_symmetric_mix_hash (SyWgSymmetricState *state,
                          const guint8       *data,
                          gsize               len)
{
  sy_wg_hash2 (state->hash, state->hash, SY_WG_HASH_LEN, data, len);
}

void
sy_wg_symmetric_mix_key (SyWgSymmetricState *state,
                         const guint8       *input,
                         gsize               len)
{
  sy_wg_kdf (state->chaining_key, state->key, NULL, state->chaining_key, SY_WG_HASH_LEN,
             input, len);
  state->has_key = TRUE;
  state->nonce = 0;
}

void
sy_wg_symmetric_mix_key_and_hash (SyWgSymmetricState *state,
                                  const guint8       *input,
                                  gsize               len)
{
  guint8 temp_hash[SY_WG_HASH_LEN];

  sy_wg_kdf (state->chaining_key, temp_hash, state->key, state->chaining_key, SY_WG_HASH_LEN,
             input, len);
  sy_wg_symmetric_mix_hash (state, temp_hash, sizeof temp_hash);
  sy_wg_memzero (temp_hash, sizeof temp_hash);
  state->has_key = TRUE;
  state->nonce = 0;
}

void
sy_wg_symmetric_encrypt_and_hash (SyWgSymmetricState *state,
                                  const guint8       *plain,
                                  gsize               len,
                                  guint8             *out)
{
  if (!state->has_key)
    {
      if (len > 0)
        memmove (out, plain, len);
      sy_wg_symmetric_mix_hash (state, out, len);
      return;
    }

  sy_wg_aead_encrypt (out, state->key, state->nonce++, plain, len,
                      state->hash, SY_WG_HASH_LEN);
  sy_wg_symmetric_mix_hash (state, out, len + SY_WG_AEAD_TAG_LEN);
}

gboolean
sy_wg_symmetric_decrypt_and_hash (SyWgSymmetricState *state,
                                  const guint8       *in,
                                  gsize               len,
                                  guint8             *out)
{
  guint8 next_hash[SY_WG_HASH_LEN];

  /* h must absorb the ciphertext, which decrypting in place destroys. */
  sy_wg_hash2 (next_hash, state->hash, SY_WG_HASH_LEN, in, len);

  if (!state->has_key)
    {
      if (len > 0)
        memmove (out, in, len);
    }
  else if (!sy_wg_aead_decrypt (out, state->key, state->nonce, in, len,
                                state->hash, SY_WG_HASH_LEN))
    {
      return FALSE;
    }
  else
    {
      state->nonce++;
    }

  memcpy (state->hash, next_hash, SY_WG_HASH_LEN);
  return TRUE;
}

void
sy_wg_symmetric_split (const SyWgSymmetricState *state,
                       guint8                    k1[SY_WG_KEY_LEN],
                       guint8                    k2[SY_WG_KEY_LEN])
{
  sy_wg_kdf (k1, k2, NULL, state->chaining_key, SY_WG_HASH_LEN, NULL, 0);
}

void
sy_wg_symmetric_clear (SyWgSymmetricState *state)
{
  sy_wg_memzero (state, sizeof *state);
}

/* ---- 2. The IKpsk2 pattern ---------------------------------------------- */

void
sy_wg_noise_ikpsk2_init (SyWgSymmetricState *state,
                         const char         *protocol_name,
                         const guint8       *prologue,
                         gsize               prologue_len,
                         const guint8        responder_static[SY_WG_KEY_LEN])
{
  sy_wg_symmetric_init (state, protocol_name, prologue, prologue_len);
  sy_wg_symmetric_mix_hash (state, responder_static, SY_WG_KEY_LEN);
}

/* The "e" token. In a psk handshake it is also mixed into the key (Noise
 * §9.2), which is WireGuard's C = KDF1(C, E_pub). */
static void
token_e (SyWgSymmetricState *state,
         const guint8        ephemeral_public[SY_WG_KEY_LEN])
{
  sy_wg_symmetric_mix_hash (state, ephemeral_public, SY_WG_KEY_LEN);
  sy_wg_symmetric_mix_key (state, ephemeral_public, SY_WG_KEY_LEN);
}

/* A DH token: MixKey(DH(private, public)). FALSE for a low-order point. */
static gboolean
token_dh (SyWgSymmetricState *state,
          const guint8        private_key[SY_WG_KEY_LEN],
          const guint8        public_key[SY_WG_KEY_LEN])
{
  guint8 shared[SY_WG_KEY_LEN];

  if (!sy_wg_dh (shared, private_key, public_key))
    return FALSE;
  sy_wg_symmetric_mix_key (state, shared, sizeof shared);
  sy_wg_memzero (shared, sizeof shared);
  return TRUE;
}

gboolean
sy_wg_noise_ikpsk2_write_msg1 (SyWgSymmetricState *state,
                               const guint8        ephemeral_private[SY_WG_KEY_LEN],
                               const guint8        static_public[SY_WG_KEY_LEN],
                               const guint8        responder_static[SY_WG_KEY_LEN],
                               const guint8        static_static[SY_WG_KEY_LEN],
                               const guint8       *payload,
                               gsize               payload_len,
                               guint8             *out)
{
  /* -> e */
  sy_wg_derive_public_key (out, ephemeral_private);
  token_e (state, out);
  out += SY_WG_KEY_LEN;

  /* es */
  if (!token_dh (state, ephemeral_private, responder_static))
    return FALSE;

  /* s */
  sy_wg_symmetric_encrypt_and_hash (state, static_public, SY_WG_KEY_LEN, out);
  out += SY_WG_KEY_LEN + SY_WG_AEAD_TAG_LEN;

  /* ss, precomputed */
  sy_wg_symmetric_mix_key (state, static_static, SY_WG_KEY_LEN);

  sy_wg_symmetric_encrypt_and_hash (state, payload, payload_len, out);
  return TRUE;
}

gboolean
sy_wg_noise_ikpsk2_read_msg1_static (SyWgSymmetricState *state,
                                     const guint8        static_private[SY_WG_KEY_LEN],
                                     const guint8       *in,
                                     guint8              remote_ephemeral[SY_WG_KEY_LEN],
                                     guint8              remote_static[SY_WG_KEY_LEN])
{
  /* -> e */
  memcpy (remote_ephemeral, in, SY_WG_KEY_LEN);
  token_e (state, remote_ephemeral);
  in += SY_WG_KEY_LEN;

  /* es */
  if (!token_dh (state, static_private, remote_ephemeral))
    return FALSE;

  /* s */
  return sy_wg_symmetric_decrypt_and_hash (state, in, SY_WG_KEY_LEN + SY_WG_AEAD_TAG_LEN,
                                           remote_static);
}

gboolean
sy_wg_noise_ikpsk2_read_msg1_payload (SyWgSymmetricState *state,
                                      const guint8        static_static[SY_WG_KEY_LEN],
                                      const guint8       *in,
                                      gsize               len,
                                      guint8             *payload)
{
  const gsize head = SY_WG_KEY_LEN + SY_WG_KEY_LEN + SY_WG_AEAD_TAG_LEN;

  if (len < SY_WG_NOISE_MSG1_LEN (0))
    return FALSE;

  /* ss */
  sy_wg_symmetric_mix_key (state, static_static, SY_WG_KEY_LEN);

  return sy_wg_symmetric_decrypt_and_hash (state, in + head, len - head, payload);
}

gboolean
sy_wg_noise_ikpsk2_write_msg2 (SyWgSymmetricState *state,
                               const guint8        ephemeral_private[SY_WG_KEY_LEN],
                               const guint8        remote_ephemeral[SY_WG_KEY_LEN],
                               const guint8        remote_static[SY_WG_KEY_LEN],
                               const guint8        psk[SY_WG_KEY_LEN],
                               const guint8       *payload,
                               gsize               payload_len,
                               guint8             *out)
{
  /* <- e */
  sy_wg_derive_public_key (out, ephemeral_private);
  token_e (state, out);
  out += SY_WG_KEY_LEN;

  /* ee, se */
  if (!token_dh (state, ephemeral_private, remote_ephemeral) ||
      !token_dh (state, ephemeral_private, remote_static))
    return FALSE;

  /* psk */
  sy_wg_symmetric_mix_key_and_hash (state, psk, SY_WG_KEY_LEN);

  sy_wg_symmetric_encrypt_and_hash (state, payload, payload_len, out);
  return TRUE;
}

gboolean
sy_wg_noise_ikpsk2_read_msg2 (SyWgSymmetricState *state,
                              const guint8        ephemeral_private[SY_WG_KEY_LEN],
                              const guint8        static_private[SY_WG_KEY_LEN],
                              const guint8        psk[SY_WG_KEY_LEN],
                              const guint8       *in,
                              gsize               len,
                              guint8             *payload)
{
  const guint8 *remote_ephemeral = in;

  if (len < SY_WG_NOISE_MSG2_LEN (0))
    return FALSE;

  /* <- e */
  token_e (state, remote_ephemeral);

  /* ee, se */
  if (!token_dh (state, ephemeral_private, remote_ephemeral) ||
      !token_dh (state, static_private, remote_ephemeral))
    return FALSE;

  /* psk */
  sy_wg_symmetric_mix_key_and_hash (state, psk, SY_WG_KEY_LEN);

  return sy_wg_symmetric_decrypt_and_hash (state, in + SY_WG_KEY_LEN, len - SY_WG_KEY_LEN,
                                           payload);
}

/* ---- 3. WireGuard ------------------------------------------------------- */

gboolean
sy_wg_identity_init (SyWgIdentity  *identity,
                     const guint8   private_key[SY_WG_KEY_LEN],
                     GError       **error)
{
  g_return_val_if_fail (identity != NULL, FALSE);
  g_return_val_if_fail (private_key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (sy_wg_is_zero_ct (private_key, SY_WG_KEY_LEN))
    {
      g_set_error_literal (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "The WireGuard private key is all zeros; generate one with “wg genkey”");
      return FALSE;
    }

  memcpy (identity->private_key, private_key, SY_WG_KEY_LEN);
  sy_wg_clamp_private_key (identity->private_key);
  sy_wg_derive_public_key (identity->public_key, identity->private_key);
  return TRUE;
}

void
sy_wg_identity_clear (SyWgIdentity *identity)
{
  sy_wg_memzero (identity, sizeof *identity);
}

gboolean
sy_wg_peer_static_init (SyWgPeerStatic      *peer,
                        const SyWgIdentity  *identity,
                        const guint8         public_key[SY_WG_KEY_LEN],
                        const guint8        *psk,
                        GError             **error)
{
  g_return_val_if_fail (peer != NULL, FALSE);
  g_return_val_if_fail (identity != NULL, FALSE);
  g_return_val_if_fail (public_key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (peer, 0, sizeof *peer);

  if (memcmp (public_key, identity->public_key, SY_WG_KEY_LEN) == 0)
    {
      g_set_error_literal (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "A WireGuard peer has the interface’s own public key; "
                           "use the public key of the other side");
      return FALSE;
    }
  if (!sy_wg_dh (peer->static_static, identity->private_key, public_key))
    {
      g_set_error_literal (error, SY_ERROR, SY_ERROR_INVALID_ARGUMENT,
                           "A WireGuard peer’s public key is not a usable Curve25519 key; "
                           "check that it was copied correctly");
      return FALSE;
    }

  memcpy (peer->public_key, public_key, SY_WG_KEY_LEN);
  if (psk != NULL)
    memcpy (peer->preshared_key, psk, SY_WG_KEY_LEN);
  return TRUE;
}

void
sy_wg_peer_static_clear (SyWgPeerStatic *peer)
{
  sy_wg_memzero (peer, sizeof *peer);
}

void
sy_wg_handshake_init (SyWgHandshake *handshake)
{
  g_return_if_fail (handshake != NULL);

  memset (handshake, 0, sizeof *handshake);
}

void
sy_wg_handshake_clear (SyWgHandshake *handshake)
{
  g_return_if_fail (handshake != NULL);

  handshake->state = SY_WG_HANDSHAKE_ZEROED;
  sy_wg_memzero (handshake->hash, sizeof handshake->hash);
  sy_wg_memzero (handshake->chaining_key, sizeof handshake->chaining_key);
  sy_wg_memzero (handshake->ephemeral_private, sizeof handshake->ephemeral_private);
  sy_wg_memzero (handshake->remote_ephemeral, sizeof handshake->remote_ephemeral);
  handshake->local_index = 0;
  handshake->remote_index = 0;
}

/* The symmetric state a handshake in progress stands for. Between messages
 * only h and ck matter: every message starts with "e", whose MixKey sets a
 * fresh k. */
static void
load_state (SyWgSymmetricState  *state,
            const SyWgHandshake *handshake)
{
  memset (state, 0, sizeof *state);
  memcpy (state->hash, handshake->hash, SY_WG_HASH_LEN);
  memcpy (state->chaining_key, handshake->chaining_key, SY_WG_HASH_LEN);
}

static void
store_state (SyWgHandshake            *handshake,
             const SyWgSymmetricState *state)
{
  memcpy (handshake->hash, state->hash, SY_WG_HASH_LEN);
  memcpy (handshake->chaining_key, state->chaining_key, SY_WG_HASH_LEN);
}

static void
wireguard_init (SyWgSymmetricState *state,
                const guint8        responder_static[SY_WG_KEY_LEN])
{
  sy_wg_noise_ikpsk2_init (state, SY_WG_CONSTRUCTION,
                           (const guint8 *) SY_WG_IDENTIFIER, strlen (SY_WG_IDENTIFIER),
                           responder_static);
}

gboolean
sy_wg_handshake_create_initiation (SyWgHandshake         *handshake,
                                   const SyWgIdentity    *identity,
                                   const SyWgPeerStatic  *peer,
                                   guint32                local_index,
                                   SyWgMessageInitiation *msg)
{
  SyWgSymmetricState state;
  guint8 ephemeral[SY_WG_KEY_LEN];
  guint8 timestamp[SY_WG_TAI64N_LEN];
  gboolean ok;

  g_return_val_if_fail (handshake != NULL, FALSE);
  g_return_val_if_fail (identity != NULL, FALSE);
  g_return_val_if_fail (peer != NULL, FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);

  sy_wg_handshake_clear (handshake);
  memset (msg, 0, sizeof *msg);
  msg->type = SY_WG_MESSAGE_INITIATION;
  sy_wg_write_le32 (msg->sender_index, local_index);

  sy_wg_generate_private_key (ephemeral);
  sy_wg_tai64n_now (timestamp);

  wireguard_init (&state, peer->public_key);
  ok = sy_wg_noise_ikpsk2_write_msg1 (&state, ephemeral, identity->public_key,
                                      peer->public_key, peer->static_static,
                                      timestamp, sizeof timestamp,
                                      msg->unencrypted_ephemeral);
  if (ok)
    {
      store_state (handshake, &state);
      memcpy (handshake->ephemeral_private, ephemeral, SY_WG_KEY_LEN);
      handshake->local_index = local_index;
      handshake->state = SY_WG_HANDSHAKE_CREATED_INITIATION;
    }

  sy_wg_symmetric_clear (&state);
  sy_wg_memzero (ephemeral, sizeof ephemeral);
  return ok;
}

gpointer
sy_wg_handshake_consume_initiation (const SyWgIdentity          *identity,
                                    const SyWgMessageInitiation *msg,
                                    gint64                       now_us,
                                    SyWgPeerLookupFunc           lookup,
                                    gpointer                     user_data)
{
  SyWgSymmetricState state;
  guint8 remote_ephemeral[SY_WG_KEY_LEN];
  guint8 remote_static[SY_WG_KEY_LEN];
  guint8 timestamp[SY_WG_TAI64N_LEN];
  SyWgHandshake *handshake = NULL;
  const SyWgPeerStatic *peer_static = NULL;
  gpointer peer = NULL;

  g_return_val_if_fail (identity != NULL, NULL);
  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (lookup != NULL, NULL);

  if (sy_wg_message_classify ((const guint8 *) msg, sizeof *msg) != SY_WG_MESSAGE_INITIATION)
    return NULL;

  wireguard_init (&state, identity->public_key);
  if (!sy_wg_noise_ikpsk2_read_msg1_static (&state, identity->private_key,
                                            msg->unencrypted_ephemeral,
                                            remote_ephemeral, remote_static))
    goto out;

  peer = lookup (remote_static, &handshake, &peer_static, user_data);
  if (peer == NULL)
    goto out;
  g_assert (handshake != NULL && peer_static != NULL);

  if (!sy_wg_noise_ikpsk2_read_msg1_payload (&state, peer_static->static_static,
                                             msg->unencrypted_ephemeral,
                                             SY_WG_NOISE_MSG1_LEN (SY_WG_TAI64N_LEN),
                                             timestamp))
    {
      peer = NULL;
      goto out;
    }

  /* §5.1: a replayed initiation carries an old timestamp. The rate limit
   * keeps an attacker from making us do DH work with many *new*
   * initiations it cannot have (it would need the peer's keys) — it
   * bounds the cost of a burst of genuine retries. */
  if (sy_wg_tai64n_compare (timestamp, handshake->latest_timestamp) <= 0 ||
      (handshake->last_initiation_consumed != 0 &&
       now_us - handshake->last_initiation_consumed < SY_WG_INITIATION_MIN_INTERVAL_US))
    {
      peer = NULL;
      goto out;
    }

  sy_wg_handshake_clear (handshake);
  store_state (handshake, &state);
  memcpy (handshake->remote_ephemeral, remote_ephemeral, SY_WG_KEY_LEN);
  handshake->remote_index = sy_wg_read_le32 (msg->sender_index);
  memcpy (handshake->latest_timestamp, timestamp, SY_WG_TAI64N_LEN);
  handshake->last_initiation_consumed = now_us;
  handshake->state = SY_WG_HANDSHAKE_CONSUMED_INITIATION;

out:
  sy_wg_symmetric_clear (&state);
  sy_wg_memzero (remote_ephemeral, sizeof remote_ephemeral);
  return peer;
}

gboolean
sy_wg_handshake_create_response (SyWgHandshake         *handshake,
                                 const SyWgIdentity    *identity,
                                 const SyWgPeerStatic  *peer,
                                 guint32                local_index,
                                 SyWgMessageResponse   *msg)
{
  SyWgSymmetricState state;
  guint8 ephemeral[SY_WG_KEY_LEN];
  gboolean ok;

  g_return_val_if_fail (handshake != NULL, FALSE);
  g_return_val_if_fail (identity != NULL, FALSE);
  g_return_val_if_fail (peer != NULL, FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);

  if (handshake->state != SY_WG_HANDSHAKE_CONSUMED_INITIATION)
    return FALSE;

  memset (msg, 0, sizeof *msg);
  msg->type = SY_WG_MESSAGE_RESPONSE;
  sy_wg_write_le32 (msg->sender_index, local_index);
  sy_wg_write_le32 (msg->receiver_index, handshake->remote_index);

  sy_wg_generate_private_key (ephemeral);
  load_state (&state, handshake);
  ok = sy_wg_noise_ikpsk2_write_msg2 (&state, ephemeral, handshake->remote_ephemeral,
                                      peer->public_key, peer->preshared_key,
                                      NULL, 0, msg->unencrypted_ephemeral);
  if (ok)
    {
      store_state (handshake, &state);
      memcpy (handshake->ephemeral_private, ephemeral, SY_WG_KEY_LEN);
      handshake->local_index = local_index;
      handshake->state = SY_WG_HANDSHAKE_CREATED_RESPONSE;
    }
  else
    {
      /* their ephemeral key is of low order: nothing can come of it */
      sy_wg_handshake_clear (handshake);
    }

  sy_wg_symmetric_clear (&state);
  sy_wg_memzero (ephemeral, sizeof ephemeral);
  return ok;
}

gboolean
sy_wg_handshake_consume_response (SyWgHandshake             *handshake,
                                  const SyWgIdentity        *identity,
                                  const SyWgPeerStatic      *peer,
                                  const SyWgMessageResponse *msg)
{
  SyWgSymmetricState state;
  guint8 nothing[1];
  gboolean ok;

  g_return_val_if_fail (handshake != NULL, FALSE);
  g_return_val_if_fail (identity != NULL, FALSE);
  g_return_val_if_fail (peer != NULL, FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);

  if (sy_wg_message_classify ((const guint8 *) msg, sizeof *msg) != SY_WG_MESSAGE_RESPONSE ||
      handshake->state != SY_WG_HANDSHAKE_CREATED_INITIATION ||
      sy_wg_read_le32 (msg->receiver_index) != handshake->local_index)
    return FALSE;

  /* Work on a copy: a forged response must not disturb the handshake the
   * real one will complete. */
  load_state (&state, handshake);
  ok = sy_wg_noise_ikpsk2_read_msg2 (&state, handshake->ephemeral_private,
                                     identity->private_key, peer->preshared_key,
                                     msg->unencrypted_ephemeral, SY_WG_NOISE_MSG2_LEN (0),
                                     nothing);
  if (ok)
    {
      store_state (handshake, &state);
      memcpy (handshake->remote_ephemeral, msg->unencrypted_ephemeral, SY_WG_KEY_LEN);
      handshake->remote_index = sy_wg_read_le32 (msg->sender_index);
      handshake->state = SY_WG_HANDSHAKE_CONSUMED_RESPONSE;
    }

  sy_wg_symmetric_clear (&state);
  return ok;
}

gboolean
sy_wg_handshake_derive_keypair (SyWgHandshake *handshake,
                                SyWgKeypair   *keypair)
{
  SyWgSymmetricState state;
  gboolean initiator;

  g_return_val_if_fail (handshake != NULL, FALSE);
  g_return_val_if_fail (keypair != NULL, FALSE);

  if (handshake->state == SY_WG_HANDSHAKE_CONSUMED_RESPONSE)
    initiator = TRUE;
  else if (handshake->state == SY_WG_HANDSHAKE_CREATED_RESPONSE)
    initiator = FALSE;
  else
    return FALSE;

  memset (keypair, 0, sizeof *keypair);
  load_state (&state, handshake);
  /* §5.4.5: (T_send_i = T_recv_r, T_recv_i = T_send_r) = KDF2(C, ε) */
  if (initiator)
    sy_wg_symmetric_split (&state, keypair->send_key, keypair->receive_key);
  else
    sy_wg_symmetric_split (&state, keypair->receive_key, keypair->send_key);
  keypair->local_index = handshake->local_index;
  keypair->remote_index = handshake->remote_index;
  keypair->initiator = initiator;

  sy_wg_symmetric_clear (&state);
  sy_wg_handshake_clear (handshake);
  return TRUE;
}

void
sy_wg_keypair_clear (SyWgKeypair *keypair)
{
  sy_wg_memzero (keypair, sizeof *keypair);
}

gsize
sy_wg_transport_padded_length (gsize len,
                               guint mtu)
{
  gsize padded = (len + SY_WG_TRANSPORT_PADDING - 1) & ~(gsize) (SY_WG_TRANSPORT_PADDING - 1);

  /* Padding hides the exact length, but never makes a packet that fitted
   * the tunnel's MTU too big for it. */
  if (mtu > 0 && len <= mtu && padded > mtu)
    padded = mtu;
  return padded;
}

gsize
sy_wg_transport_encrypt (SyWgKeypair  *keypair,
                         const guint8 *plain,
                         gsize         len,
                         guint         mtu,
                         guint8       *out,
                         gsize         out_size)
{
  SyWgMessageTransport *header;
  guint8 *body;
  gsize padded, total;
  guint64 counter;

  g_return_val_if_fail (keypair != NULL, 0);
  g_return_val_if_fail (plain != NULL || len == 0, 0);
  g_return_val_if_fail (out != NULL, 0);

  header = (SyWgMessageTransport *) out;
  body = out + SY_WG_TRANSPORT_HEADER_LEN;
  padded = sy_wg_transport_padded_length (len, mtu);
  total = SY_WG_TRANSPORT_LEN (padded);
  if (out_size < total || total > G_MAXUINT32)
    return 0;
  /* §5.4.6: a nonce must never repeat under one key. */
  if (keypair->send_counter >= SY_WG_REJECT_AFTER_MESSAGES)
    return 0;
  counter = keypair->send_counter++;

  if (len > 0 && plain != body)
    memmove (body, plain, len);
  memset (body + len, 0, padded - len);

  header->type = SY_WG_MESSAGE_TRANSPORT;
  memset (header->reserved, 0, sizeof header->reserved);
  sy_wg_write_le32 (header->receiver_index, keypair->remote_index);
  sy_wg_write_le64 (header->counter, counter);

  sy_wg_aead_encrypt (body, keypair->send_key, counter, body, padded, NULL, 0);
  return total;
}

gboolean
sy_wg_transport_decrypt (const SyWgKeypair  *keypair,
                         guint8             *msg,
                         gsize               len,
                         guint8            **plain,
                         gsize              *plain_len,
                         guint64            *counter)
{
  const SyWgMessageTransport *header;
  guint8 *body;
  guint64 n;

  g_return_val_if_fail (keypair != NULL, FALSE);
  g_return_val_if_fail (plain != NULL && plain_len != NULL && counter != NULL, FALSE);

  if (sy_wg_message_classify (msg, len) != SY_WG_MESSAGE_TRANSPORT)
    return FALSE;
  header = (const SyWgMessageTransport *) msg;
  body = msg + SY_WG_TRANSPORT_HEADER_LEN;
  if (sy_wg_read_le32 (header->receiver_index) != keypair->local_index)
    return FALSE;

  n = sy_wg_read_le64 (header->counter);
  if (n >= SY_WG_REJECT_AFTER_MESSAGES)
    return FALSE;

  if (!sy_wg_aead_decrypt (body, keypair->receive_key, n, body,
                           len - SY_WG_TRANSPORT_HEADER_LEN, NULL, 0))
    return FALSE;

  *plain = body;
  *plain_len = len - SY_WG_TRANSPORT_MIN_LEN;
  *counter = n;
  return TRUE;
}
