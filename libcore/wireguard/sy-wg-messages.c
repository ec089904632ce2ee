/* sy-wg-messages.c — classifying received datagrams
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "wireguard/sy-wg-messages.h"

SyWgMessageType
sy_wg_message_classify (const guint8 *data,
                        gsize         len)
{
  /* The type is a little-endian 32-bit word on the wire (wireguard-go and
   * Linux read it so), hence the zero reserved bytes. */
  if (data == NULL || len < 4 || data[1] != 0 || data[2] != 0 || data[3] != 0)
    return SY_WG_MESSAGE_INVALID;

  switch (data[0])
    {
    case SY_WG_MESSAGE_INITIATION:
      return len == SY_WG_INITIATION_LEN ? SY_WG_MESSAGE_INITIATION : SY_WG_MESSAGE_INVALID;
    case SY_WG_MESSAGE_RESPONSE:
      return len == SY_WG_RESPONSE_LEN ? SY_WG_MESSAGE_RESPONSE : SY_WG_MESSAGE_INVALID;
    case SY_WG_MESSAGE_COOKIE:
      return len == SY_WG_COOKIE_REPLY_LEN ? SY_WG_MESSAGE_COOKIE : SY_WG_MESSAGE_INVALID;
    case SY_WG_MESSAGE_TRANSPORT:
      return len >= SY_WG_TRANSPORT_MIN_LEN ? SY_WG_MESSAGE_TRANSPORT : SY_WG_MESSAGE_INVALID;
    default:
      return SY_WG_MESSAGE_INVALID;
    }
}

guint32
sy_wg_message_receiver_index (const guint8 *data,
                              gsize         len)
{
  switch (sy_wg_message_classify (data, len))
    {
    case SY_WG_MESSAGE_RESPONSE:
      return sy_wg_read_le32 (((const SyWgMessageResponse *) data)->receiver_index);
    case SY_WG_MESSAGE_COOKIE:
    case SY_WG_MESSAGE_TRANSPORT:
      /* both have it right after the type */
      return sy_wg_read_le32 (data + 4);
    case SY_WG_MESSAGE_INITIATION:
    case SY_WG_MESSAGE_INVALID:
    default:
      g_return_val_if_reached (0);
    }
}
