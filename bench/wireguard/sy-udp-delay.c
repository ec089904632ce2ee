/* sy-udp-delay.c — a UDP relay that delays every datagram, to add RTT where there is no netem
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: sy-udp-delay LISTEN_ADDR:PORT TARGET_ADDR:PORT DELAY_MS
 *
 * Datagrams arriving on LISTEN from a client are sent on to TARGET after
 * DELAY_MS; datagrams coming back from TARGET go to the last client after
 * DELAY_MS too, so the round trip grows by twice DELAY_MS. The relay keeps
 * order and never drops unless its queue (65,536 datagrams each way) is
 * full. One thread, poll(2) and recvmmsg(2); IPv4 only (the benchmark's
 * namespaces use IPv4 endpoints).
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_LENGTH 65536
#define DATAGRAM_MAX 2048
#define BATCH        64

typedef struct
{
  uint64_t due_ns;
  uint16_t length;
  unsigned char data[DATAGRAM_MAX];
} Datagram;

typedef struct
{
  Datagram *slots;
  size_t head;
  size_t count;
  uint64_t dropped;
} Queue;

static uint64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int
parse_address (const char *text, struct sockaddr_in *out)
{
  char host[64];
  const char *colon = strrchr (text, ':');

  if (colon == NULL || (size_t) (colon - text) >= sizeof host)
    return -1;
  memcpy (host, text, (size_t) (colon - text));
  host[colon - text] = '\0';
  memset (out, 0, sizeof *out);
  out->sin_family = AF_INET;
  out->sin_port = htons ((uint16_t) atoi (colon + 1));
  return inet_pton (AF_INET, host, &out->sin_addr) == 1 ? 0 : -1;
}

/* Receives a batch from @fd into @queue, stamping each with @due_ns. */
static void
receive_batch (int fd, Queue *queue, uint64_t due_ns,
               struct sockaddr_in *last_peer)
{
  struct mmsghdr messages[BATCH];
  struct iovec iovecs[BATCH];
  struct sockaddr_in peers[BATCH];
  Datagram *slots[BATCH];
  unsigned int n = 0;
  int received;

  for (; n < BATCH; n++)
    {
      if (queue->count + n >= QUEUE_LENGTH)
        break;
      slots[n] = &queue->slots[(queue->head + queue->count + n) % QUEUE_LENGTH];
      iovecs[n].iov_base = slots[n]->data;
      iovecs[n].iov_len = DATAGRAM_MAX;
      memset (&messages[n].msg_hdr, 0, sizeof messages[n].msg_hdr);
      messages[n].msg_hdr.msg_iov = &iovecs[n];
      messages[n].msg_hdr.msg_iovlen = 1;
      messages[n].msg_hdr.msg_name = &peers[n];
      messages[n].msg_hdr.msg_namelen = sizeof peers[n];
    }
  if (n == 0)
    {
      /* full: drain one datagram into the void so the socket does not stall */
      unsigned char sink[DATAGRAM_MAX];
      if (recv (fd, sink, sizeof sink, MSG_DONTWAIT) >= 0)
        queue->dropped++;
      return;
    }

  received = recvmmsg (fd, messages, n, MSG_DONTWAIT, NULL);
  if (received <= 0)
    return;
  for (int i = 0; i < received; i++)
    {
      slots[i]->due_ns = due_ns;
      slots[i]->length = (uint16_t) messages[i].msg_len;
    }
  if (last_peer != NULL)
    *last_peer = peers[received - 1];
  queue->count += (size_t) received;
}

/* Sends every datagram of @queue that is due; returns the next due time or 0. */
static uint64_t
send_due (int fd, Queue *queue, const struct sockaddr_in *to, uint64_t now)
{
  while (queue->count > 0)
    {
      Datagram *d = &queue->slots[queue->head];

      if (d->due_ns > now)
        return d->due_ns;
      if (to != NULL && to->sin_family == AF_INET)
        {
          if (sendto (fd, d->data, d->length, 0,
                      (const struct sockaddr *) to, sizeof *to) < 0
              && (errno == EAGAIN || errno == ENOBUFS))
            return now + 100000; /* socket buffer full: retry in 0.1 ms */
        }
      queue->head = (queue->head + 1) % QUEUE_LENGTH;
      queue->count--;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  struct sockaddr_in listen_address, target, client = { 0 };
  Queue to_target = { 0 }, to_client = { 0 };
  uint64_t delay_ns;
  int front, back;
  int buffer = 8 * 1024 * 1024;

  if (argc != 4 || parse_address (argv[1], &listen_address) < 0
      || parse_address (argv[2], &target) < 0)
    {
      fprintf (stderr, "usage: %s LISTEN_ADDR:PORT TARGET_ADDR:PORT DELAY_MS\n", argv[0]);
      return 2;
    }
  delay_ns = (uint64_t) strtoull (argv[3], NULL, 10) * 1000000u;

  to_target.slots = calloc (QUEUE_LENGTH, sizeof (Datagram));
  to_client.slots = calloc (QUEUE_LENGTH, sizeof (Datagram));
  front = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  back = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (to_target.slots == NULL || to_client.slots == NULL || front < 0 || back < 0)
    {
      perror ("sy-udp-delay");
      return 1;
    }
  setsockopt (front, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  setsockopt (front, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  setsockopt (back, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  setsockopt (back, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  if (bind (front, (struct sockaddr *) &listen_address, sizeof listen_address) < 0)
    {
      perror ("sy-udp-delay: bind");
      return 1;
    }
  printf ("sy-udp-delay: %s -> %s, +%s ms each way\n", argv[1], argv[2], argv[3]);
  fflush (stdout);

  for (;;)
    {
      struct pollfd fds[2] = { { front, POLLIN, 0 }, { back, POLLIN, 0 } };
      uint64_t now = now_ns ();
      uint64_t next_a = send_due (back, &to_target, &target, now);
      uint64_t next_b = send_due (front, &to_client, &client, now);
      uint64_t next = next_a == 0 ? next_b : (next_b == 0 || next_a < next_b ? next_a : next_b);
      struct timespec timeout_ts, *timeout = NULL;

      if (next != 0)
        {
          uint64_t wait = next > now ? next - now : 0;
          timeout_ts.tv_sec = (time_t) (wait / 1000000000u);
          timeout_ts.tv_nsec = (long) (wait % 1000000000u);
          timeout = &timeout_ts;
        }
      if (ppoll (fds, 2, timeout, NULL) < 0 && errno != EINTR)
        {
          perror ("sy-udp-delay: ppoll");
          return 1;
        }
      now = now_ns ();
      if (fds[0].revents & POLLIN)
        receive_batch (front, &to_target, now + delay_ns, &client);
      if (fds[1].revents & POLLIN)
        receive_batch (back, &to_client, now + delay_ns, NULL);
    }
}
