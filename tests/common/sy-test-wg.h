/* sy-test-wg.h — wireguard-go in network namespaces, as a real WireGuard peer
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The WireGuard tests run our userspace client against wireguard-go, the
 * reference implementation, inside a network namespace of its own, with
 * real services behind the tunnel. Everything here needs root.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* ---- Isolation ---------------------------------------------------------
 *
 * Call sy_test_wg_isolate() first thing in main(), before g_test_init() and
 * before anything can start a thread: it moves the process into a network
 * namespace of its own (unshare(CLONE_NEWNET), which applies to the calling
 * thread and the threads and children it creates later) with only lo, up.
 * The test then sees nothing of the machine's network, and the machine
 * nothing of the test's.
 *
 * Returns FALSE, with a reason, when that is impossible: not root, no
 * network namespaces, no /dev/net/tun, or one of the programs missing
 * (wireguard-go, wg, ip, iperf3, python3). Each test case then calls
 * sy_test_wg_require_isolation(), which skips it with that reason when the
 * environment variable CI is unset and fails it when CI is set. */

gboolean sy_test_wg_isolate             (char **reason);
gboolean sy_test_wg_require_isolation   (void);

/* ---- Keys (through `wg genkey`, `wg pubkey`, `wg genpsk`) -------------- */

gboolean sy_test_wg_genkey              (char       **private_b64,
                                         char       **public_b64,
                                         GError     **error);
char    *sy_test_wg_pubkey              (const char  *private_b64,
                                         GError     **error);
char    *sy_test_wg_genpsk              (GError     **error);

/* ---- The server --------------------------------------------------------
 *
 * For @index N (0 to 255) the server lives in the named namespace
 * "sywg-<pid>-N", reached from the test's namespace over a veth pair:
 *
 *   test's namespace                      server's namespace
 *   10.200.N.1/24, fd00:200:N::1/64  <->  10.200.N.2/24, fd00:200:N::2/64
 *                                         wireguard-go on UDP 51820 + N
 *                                         tunnel 10.77.N.1/24, fd77:N::1/64
 *
 * IPv6 addresses are written the way GLib writes them: "fd77::1" for N = 0.
 *
 * The client whose public key is given (may be NULL: no such peer) may use
 * the tunnel addresses 10.77.N.2 and fd77:N::2 (its allowed IPs on the
 * server), with the preshared key if one is given.
 *
 * Bound to both tunnel addresses inside the namespace:
 *   - HTTP/1.1 on port 8080 (tests/common/wg-peers/http_server.py):
 *     GET / answers "hello from wg-server-N\n"; GET /ip the client's
 *     address; GET /bytes/LENGTH the first LENGTH bytes of the stream of
 *     sy_test_wg_bytes_new(); POST or PUT /upload (Content-Length or
 *     chunked) answers "<sha256 hex> <length>\n" of the body;
 *   - iperf3 -s on port 5201 (one iperf3 per address);
 *   - a UDP echo server on port 7;
 *   - an authoritative DNS server on UDP port 53 for wg.test:
 *     web.wg.test has A 10.77.N.1 and AAAA fd77:N::1, ipv4.wg.test only the
 *     A, ipv6.wg.test only the AAAA; other names get NXDOMAIN.
 * The services stay up while wireguard-go is stopped (the namespace allows
 * binding addresses it does not have), so a restart finds them again.
 *
 * Set-up blocks until everything answers. sy_test_wg_server_free() kills
 * every process and deletes the veth pair and the namespace. A test that aborts leaves no process behind (PR_SET_PDEATHSIG) and,
 * best effort, no namespace either (removed on exit, SIGABRT, SIGTERM and
 * SIGINT; whatever a SIGKILL left is removed by the next test that creates
 * a server, the pid in the name being dead). */

typedef struct _SyTestWgServer SyTestWgServer;

SyTestWgServer *sy_test_wg_server_new            (guint                index,
                                                  const char          *client_public_key_b64,
                                                  const char          *preshared_key_b64,
                                                  GError             **error);
/* Adds a peer, or adds @allowed_ips (comma-separated CIDRs) to the allowed
 * IPs of a peer the server already has. */
gboolean        sy_test_wg_server_add_peer       (SyTestWgServer      *server,
                                                  const char          *public_b64,
                                                  const char          *allowed_ips,
                                                  GError             **error);

/* Base64, as wg writes keys. */
const char     *sy_test_wg_server_get_public_key (SyTestWgServer      *server);
/* "10.200.N.2:PORT" and "[fd00:200:N::2]:PORT" */
const char     *sy_test_wg_server_get_endpoint   (SyTestWgServer      *server);
const char     *sy_test_wg_server_get_endpoint6  (SyTestWgServer      *server);
/* "10.77.N.1" and "fd77:N::1" */
const char     *sy_test_wg_server_get_tunnel_address  (SyTestWgServer *server);
const char     *sy_test_wg_server_get_tunnel_address6 (SyTestWgServer *server);
/* The client's: "10.77.N.2" and "fd77:N::2" */
const char     *sy_test_wg_server_get_client_address  (SyTestWgServer *server);
const char     *sy_test_wg_server_get_client_address6 (SyTestWgServer *server);
const char     *sy_test_wg_server_get_netns      (SyTestWgServer      *server);
const char     *sy_test_wg_server_get_interface  (SyTestWgServer      *server);
guint16         sy_test_wg_server_get_listen_port     (SyTestWgServer *server);
guint16         sy_test_wg_server_get_http_port       (SyTestWgServer *server);
guint16         sy_test_wg_server_get_iperf_port      (SyTestWgServer *server);
guint16         sy_test_wg_server_get_udp_echo_port   (SyTestWgServer *server);
guint16         sy_test_wg_server_get_dns_port        (SyTestWgServer *server);

/* Stops only wireguard-go (SIGTERM, then SIGKILL): the tunnel interface and
 * every session with it are gone. Start brings it back with the same keys,
 * port, peers and addresses; peers must then handshake again. */
gboolean        sy_test_wg_server_stop           (SyTestWgServer      *server,
                                                  GError             **error);
gboolean        sy_test_wg_server_start          (SyTestWgServer      *server,
                                                  GError             **error);
gboolean        sy_test_wg_server_is_running     (SyTestWgServer      *server);

/* Runs @argv inside the server's namespace (see sy_test_wg_netns_run()). */
char           *sy_test_wg_server_run            (SyTestWgServer      *server,
                                                  const char * const  *argv,
                                                  GError             **error);
/* When the server last completed a handshake with the client given to
 * sy_test_wg_server_new(), or with @public_b64, in seconds since the epoch
 * (`wg show latest-handshakes`); 0 if never, or if the server is stopped. */
gint64          sy_test_wg_server_get_last_handshake      (SyTestWgServer *server);
gint64          sy_test_wg_server_get_peer_last_handshake (SyTestWgServer *server,
                                                           const char     *public_b64);
void            sy_test_wg_server_free           (SyTestWgServer      *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTestWgServer, sy_test_wg_server_free)

/* ---- The reference client ----------------------------------------------
 *
 * wireguard-go as a client, with the kernel's TCP/IP stack, in a namespace
 * of its own ("sywg-<pid>-NkM", M counting the server's clients) joined to
 * the server's namespace by a veth pair of its own (10.201.N.4M+1/30 on
 * the server's side, 10.201.N.4M+2/30 on the client's), so that curl,
 * iperf3 -c and the like run inside it through a real tunnel.
 *
 * @address_cidr: the client's tunnel addresses, comma-separated, e.g.
 * "10.77.0.3/24,fd77:0::3/64". The client routes the server's tunnel
 * subnets into the tunnel, and the server gets the client as a peer (see
 * sy_test_wg_server_add_peer()) with these addresses as allowed IPs; when
 * the client's key is the one the server was created for, the server's
 * preshared key applies. The server knows the client's endpoint, but the
 * first handshake is the client's, on its first packet. */

typedef struct _SyTestWgKernelClient SyTestWgKernelClient;

SyTestWgKernelClient *sy_test_wg_kernel_client_new      (SyTestWgServer        *server,
                                                         const char            *private_b64,
                                                         const char            *address_cidr,
                                                         GError               **error);
const char           *sy_test_wg_kernel_client_get_public_key (SyTestWgKernelClient *client);
const char           *sy_test_wg_kernel_client_get_netns      (SyTestWgKernelClient *client);
/* The client's view: when it last completed a handshake with the server. */
gint64                sy_test_wg_kernel_client_get_last_handshake (SyTestWgKernelClient *client);
char                 *sy_test_wg_kernel_client_run      (SyTestWgKernelClient  *client,
                                                         const char * const    *argv,
                                                         GError               **error);
void                  sy_test_wg_kernel_client_free     (SyTestWgKernelClient  *client);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTestWgKernelClient, sy_test_wg_kernel_client_free)

/* ---- Commands and data -------------------------------------------------- */

/* Runs @argv in the named namespace @netns (NULL: the test's own) and
 * returns its standard output, NUL-terminated, its length in @length (may
 * be NULL). @input (may be NULL) is its standard input. Fails when it cannot
 * start, exits with a status other than 0 (the error then carries its
 * standard error) or runs longer than 60 s (it is then killed). Proxy
 * variables are removed from its environment; it gets SIGKILL if the
 * calling thread exits. */
char     *sy_test_wg_netns_run     (const char          *netns,
                                    const char * const  *argv,
                                    GBytes              *input,
                                    gsize               *length,
                                    GError             **error);

/* The deterministic stream behind GET /bytes/LENGTH, 64 KiB chunks long:
 *   B     = SHA-256 ("switchyard-base" ‖ le64 (i)) for i = 0 … 2047, joined
 *   D(k)  = SHA-256 ("switchyard-chunk" ‖ le64 (k))
 *   chunk k, byte j = B[j] XOR D(k)[j mod 32]
 * Every chunk differs, and the server makes it at hundreds of MB/s, where
 * SHA-256 in counter mode from Python would cap it near 60 MB/s. */
GBytes   *sy_test_wg_bytes_new     (gsize                length);
/* The SHA-256, in hex, of its first @length bytes, without holding them. */
char     *sy_test_wg_bytes_sha256  (guint64              length);

/* tests/common/wg-peers, for the scripts there (dns_query.py). */
const char *sy_test_wg_get_peers_dir (void);

G_END_DECLS
