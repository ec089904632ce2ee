/* sy-wg-allowedips.c — the AllowedIPs table: longest-prefix match to a peer
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sy-wg-allowedips.h"

/*
 * The trie. Every node stands for a prefix (bits[], masked to length). Its
 * children extend it: child[b] holds prefixes whose bit at position
 * `length` is b, possibly many bits longer (path compression: no node for a
 * length where nothing branches and no prefix ends). A node with a peer is
 * a prefix of the table; a node without one exists only because two
 * subtrees part at its length, so it always has two children — removals
 * restore that by splicing out the nodes that lose their reason to exist.
 */
typedef struct _Node Node;
struct _Node
{
  Node     *child[2];
  gpointer  peer;
  guint8    bits[16];
  guint8    length;
};

struct _SyWgAllowedips
{
  Node  *root4;
  Node  *root6;
  guint  size;
};

static inline guint
bit_at (const guint8 *bytes,
        guint         index)
{
  return (bytes[index / 8] >> (7 - index % 8)) & 1;
}

/* How many leading bits @a and @b share, at most @limit. */
static guint
common_bits (const guint8 *a,
             const guint8 *b,
             guint         limit)
{
  guint n = 0;

  for (guint i = 0; n < limit; i++)
    {
      guint8 x = a[i] ^ b[i];

      if (x != 0)
        {
          n += (guint) __builtin_clz ((guint) x) - 24;
          break;
        }
      n += 8;
    }
  return MIN (n, limit);
}

/* Whether the first @length bits of @address are those of @bits. */
static inline gboolean
matches (const guint8 *bits,
         guint         length,
         const guint8 *address)
{
  guint whole = length / 8;
  guint rest = length % 8;

  if (memcmp (bits, address, whole) != 0)
    return FALSE;
  if (rest == 0)
    return TRUE;
  return ((bits[whole] ^ address[whole]) & (guint8) (0xff << (8 - rest))) == 0;
}

static void
mask_bits (guint8 bits[16],
           guint  length)
{
  guint whole = length / 8;

  if (whole >= 16)
    return;
  if (length % 8)
    bits[whole++] &= (guint8) (0xff << (8 - length % 8));
  memset (bits + whole, 0, 16 - whole);
}

static Node *
node_new (const guint8 *bits,
          guint         length,
          gpointer      peer)
{
  Node *node = g_new0 (Node, 1);

  memcpy (node->bits, bits, 16);
  mask_bits (node->bits, length);
  node->length = (guint8) length;
  node->peer = peer;
  return node;
}

static void
node_free_all (Node *node)
{
  if (node == NULL)
    return;
  node_free_all (node->child[0]);
  node_free_all (node->child[1]);
  g_free (node);
}

static Node **
root_of (SyWgAllowedips *self,
         guint8          family)
{
  return family == 4 ? &self->root4 : &self->root6;
}

static gboolean
prefix_ok (const SyWgPrefix *prefix)
{
  return (prefix->family == 4 && prefix->length <= 32) ||
         (prefix->family == 6 && prefix->length <= 128);
}

SyWgAllowedips *
sy_wg_allowedips_new (void)
{
  return g_new0 (SyWgAllowedips, 1);
}

void
sy_wg_allowedips_clear (SyWgAllowedips *self)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->root4, node_free_all);
  g_clear_pointer (&self->root6, node_free_all);
  self->size = 0;
}

void
sy_wg_allowedips_free (SyWgAllowedips *self)
{
  if (self == NULL)
    return;
  sy_wg_allowedips_clear (self);
  g_free (self);
}

gboolean
sy_wg_allowedips_insert (SyWgAllowedips   *self,
                         const SyWgPrefix *prefix,
                         gpointer          peer)
{
  guint8 key[16];
  guint length;
  Node **link;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (prefix != NULL, FALSE);
  g_return_val_if_fail (peer != NULL, FALSE);

  if (!prefix_ok (prefix))
    return FALSE;

  memcpy (key, prefix->bytes, 16);
  length = prefix->length;
  mask_bits (key, length);

  link = root_of (self, prefix->family);
  for (;;)
    {
      Node *node = *link;
      guint common;
      Node *fork;

      if (node == NULL)
        {
          *link = node_new (key, length, peer);
          self->size++;
          return TRUE;
        }

      common = common_bits (node->bits, key, MIN (node->length, length));

      if (common == node->length && common == length)
        {
          /* The same prefix: it changes hands. */
          if (node->peer == NULL)
            self->size++;
          node->peer = peer;
          return TRUE;
        }

      if (common == node->length)
        {
          /* @node covers the new prefix: go down on the next bit. */
          link = &node->child[bit_at (key, node->length)];
          continue;
        }

      if (common == length)
        {
          /* The new prefix covers @node: it goes in between. */
          Node *above = node_new (key, length, peer);

          above->child[bit_at (node->bits, length)] = node;
          *link = above;
          self->size++;
          return TRUE;
        }

      /* They part at bit @common: a branch node without a peer joins them. */
      fork = node_new (key, common, NULL);
      fork->child[bit_at (node->bits, common)] = node;
      fork->child[bit_at (key, common)] = node_new (key, length, peer);
      *link = fork;
      self->size++;
      return TRUE;
    }
}

/* After @node (at *@link) lost its peer or a child: a node without a peer
 * needs two children to exist. */
static void
compact (Node **link)
{
  Node *node = *link;

  if (node->peer != NULL || (node->child[0] != NULL && node->child[1] != NULL))
    return;
  *link = node->child[0] != NULL ? node->child[0] : node->child[1];
  g_free (node);
}

gboolean
sy_wg_allowedips_remove (SyWgAllowedips   *self,
                         const SyWgPrefix *prefix)
{
  Node **path[130];
  guint depth = 0;
  guint8 key[16];
  guint length;
  Node **link;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (prefix != NULL, FALSE);

  if (!prefix_ok (prefix))
    return FALSE;

  memcpy (key, prefix->bytes, 16);
  length = prefix->length;
  mask_bits (key, length);

  link = root_of (self, prefix->family);
  while (*link != NULL)
    {
      Node *node = *link;

      if (node->length > length || !matches (node->bits, node->length, key))
        return FALSE;
      path[depth++] = link;
      if (node->length == length)
        {
          if (node->peer == NULL)
            return FALSE;
          node->peer = NULL;
          self->size--;
          /* The node may go; then its parent may have lost its reason. */
          compact (link);
          if (depth >= 2)
            compact (path[depth - 2]);
          return TRUE;
        }
      link = &node->child[bit_at (key, node->length)];
    }
  return FALSE;
}

static guint
remove_peer_below (Node     **link,
                   gpointer   peer)
{
  Node *node = *link;
  guint removed = 0;

  if (node == NULL)
    return 0;
  removed += remove_peer_below (&node->child[0], peer);
  removed += remove_peer_below (&node->child[1], peer);
  if (node->peer == peer)
    {
      node->peer = NULL;
      removed++;
    }
  compact (link);
  return removed;
}

guint
sy_wg_allowedips_remove_peer (SyWgAllowedips *self,
                              gpointer        peer)
{
  guint removed;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (peer != NULL, 0);

  removed = remove_peer_below (&self->root4, peer) + remove_peer_below (&self->root6, peer);
  self->size -= removed;
  return removed;
}

gpointer
sy_wg_allowedips_lookup (SyWgAllowedips *self,
                         guint8          family,
                         const guint8   *address)
{
  const Node *node;
  gpointer best = NULL;
  guint max;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  if (family == 4)
    {
      node = self->root4;
      max = 32;
    }
  else if (family == 6)
    {
      node = self->root6;
      max = 128;
    }
  else
    return NULL;

  while (node != NULL && matches (node->bits, node->length, address))
    {
      if (node->peer != NULL)
        best = node->peer;
      if (node->length == max)
        break;
      node = node->child[bit_at (address, node->length)];
    }
  return best;
}

guint
sy_wg_allowedips_get_size (SyWgAllowedips *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->size;
}

static void
foreach_below (const Node         *node,
               guint8              family,
               SyWgAllowedipsFunc  func,
               gpointer            user_data)
{
  if (node == NULL)
    return;
  if (node->peer != NULL)
    {
      SyWgPrefix prefix = { .family = family, .length = node->length };

      memcpy (prefix.bytes, node->bits, family == 4 ? 4 : 16);
      func (&prefix, node->peer, user_data);
    }
  foreach_below (node->child[0], family, func, user_data);
  foreach_below (node->child[1], family, func, user_data);
}

void
sy_wg_allowedips_foreach (SyWgAllowedips     *self,
                          SyWgAllowedipsFunc  func,
                          gpointer            user_data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (func != NULL);

  foreach_below (self->root4, 4, func, user_data);
  foreach_below (self->root6, 6, func, user_data);
}
