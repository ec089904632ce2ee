/* sy-test-wg.c — wireguard-go in network namespaces, as a real WireGuard peer
 *
 * Copyright 2026 The Switchyard developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_LOG_DOMAIN "sy-test-wg"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <glib/gstdio.h>

#include "sy-test-peers.h"
#include "sy-test-process.h"
#include "sy-test-wg.h"

/* Where `ip netns` keeps its bind mounts, and where wireguard-go and wg
 * meet (wireguard-go's UAPI socket, one per interface). The sockets live in
 * the file system, not in a network namespace: interface names must be
 * unique across every namespace and every test process, hence the pid in
 * them. */
#define NETNS_DIR            "/run/netns"
#define UAPI_DIR             "/var/run/wireguard"
#define NAME_PREFIX          "sywg"

#define MAX_INDEX            255
#define MAX_KERNEL_CLIENTS   63   /* a /30 each in 10.201.N.0/24 */
#define MAX_SERIAL           999  /* keeps "sywg<pid>k<serial>" within IFNAMSIZ */

#define LISTEN_PORT_BASE     51820
#define CLIENT_LISTEN_PORT   51820
#define HTTP_PORT            8080
#define IPERF_PORT           5201
#define UDP_ECHO_PORT        7
#define DNS_PORT             53

#define COMMAND_TIMEOUT_MS   60000
#define READY_TIMEOUT_MS     10000
#define STOP_TIMEOUT_MS      3000
#define POLL_INTERVAL_US     (5 * 1000)

#define BYTES_CHUNK          65536
#define BYTES_DIGEST         32

/* Environment variables that would send a child's traffic elsewhere. */
static const char * const proxy_variables[] = {
  "http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy",
  "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "FTP_PROXY",
};

typedef enum
{
  PROGRAM_WIREGUARD_GO,
  PROGRAM_WG,
  PROGRAM_IP,
  PROGRAM_IPERF3,
  PROGRAM_PYTHON3,
  N_PROGRAMS
} Program;

static const char * const program_names[N_PROGRAMS] = {
  "wireguard-go", "wg", "ip", "iperf3", "python3",
};

static char *program_paths[N_PROGRAMS];
static gboolean isolated;
static char *isolation_failure;

typedef struct
{
  char *public_key;
  char *allowed_ips;   /* comma-separated */
  char *endpoint;      /* or NULL */
  char *psk_path;      /* or NULL */
} Peer;

struct _SyTestWgServer
{
  guint          index;
  char          *name;
  char          *netns;
  int            netns_leftover;
  char          *interface;
  char          *uapi_path;
  int            uapi_leftover;
  char          *outside_veth;
  char          *dir;               /* 0700: the key files */
  char          *private_key_path;
  char          *psk_path;
  char          *public_key;
  char          *client_public_key;
  char          *endpoint;
  char          *endpoint6;
  char          *tunnel4;
  char          *tunnel6;
  char          *subnet4;
  char          *subnet6;
  char          *client4;
  char          *client6;
  guint16        listen_port;
  GPtrArray     *peers;             /* Peer */
  GPtrArray     *services;          /* SyTestProcess */
  SyTestProcess *wireguard;
  guint          n_kernel_clients;
};

struct _SyTestWgKernelClient
{
  char          *name;
  char          *netns;
  int            netns_leftover;
  char          *interface;
  char          *uapi_path;
  int            uapi_leftover;
  char          *dir;
  char          *public_key;
  SyTestProcess *wireguard;
};

/* ---- What to remove if the test dies ------------------------------------
 *
 * Named namespaces are bind mounts that outlive the test; wireguard-go's
 * socket stays behind when it is killed. They are kept in a fixed array a
 * signal handler can walk, and removed with umount2() and unlink() alone,
 * which is all `ip netns delete` does and is async-signal-safe. */

#define MAX_LEFTOVERS 64

typedef struct
{
  char                  path[128];
  gboolean              is_mount;
  volatile sig_atomic_t used;
} Leftover;

static Leftover leftovers[MAX_LEFTOVERS];
/* A child forked without exec inherits the table; the paths are not its. */
static pid_t leftovers_owner;

static const int fatal_signals[] = { SIGABRT, SIGTERM, SIGINT };
static struct sigaction previous_actions[G_N_ELEMENTS (fatal_signals)];

static void
remove_leftover (Leftover *leftover)
{
  if (leftover->is_mount)
    umount2 (leftover->path, MNT_DETACH);
  unlink (leftover->path);
}

static void
remove_all_leftovers (void)
{
  if (getpid () != leftovers_owner)
    return;
  for (gsize i = 0; i < MAX_LEFTOVERS; i++)
    if (leftovers[i].used)
      {
        remove_leftover (&leftovers[i]);
        leftovers[i].used = 0;
      }
}

static void
on_fatal_signal (int signum)
{
  remove_all_leftovers ();
  /* The signal is blocked while we run; once we return, the previous
   * action (the default: the end of the process) takes it. */
  for (gsize i = 0; i < G_N_ELEMENTS (fatal_signals); i++)
    if (fatal_signals[i] == signum)
      sigaction (signum, &previous_actions[i], NULL);
  raise (signum);
}

static void
install_leftover_handlers (void)
{
  static gboolean installed;
  struct sigaction action = { 0 };

  if (installed)
    return;
  installed = TRUE;

  leftovers_owner = getpid ();
  atexit (remove_all_leftovers);
  action.sa_handler = on_fatal_signal;
  sigemptyset (&action.sa_mask);
  for (gsize i = 0; i < G_N_ELEMENTS (fatal_signals); i++)
    sigaction (fatal_signals[i], &action, &previous_actions[i]);
}

/* Returns a handle for forget_leftover(), or -1 when the table is full. */
static int
register_leftover (const char *path,
                   gboolean    is_mount)
{
  install_leftover_handlers ();
  for (int i = 0; i < MAX_LEFTOVERS; i++)
    if (!leftovers[i].used)
      {
        g_strlcpy (leftovers[i].path, path, sizeof leftovers[i].path);
        leftovers[i].is_mount = is_mount;
        /* The handler must not see the slot before its path. */
        __atomic_signal_fence (__ATOMIC_SEQ_CST);
        leftovers[i].used = 1;
        return i;
      }
  return -1;
}

static void
forget_leftover (int *handle)
{
  if (*handle >= 0)
    leftovers[*handle].used = 0;
  *handle = -1;
}

static void
remove_registered (int *handle)
{
  if (*handle >= 0)
    remove_leftover (&leftovers[*handle]);
  forget_leftover (handle);
}

static gboolean
pid_is_alive (pid_t pid)
{
  return kill (pid, 0) == 0 || errno == EPERM;
}

/* The pid in "<prefix><pid><separator>…", or 0. */
static pid_t
pid_in_name (const char *name,
             const char *prefix,
             const char *separators)
{
  const char *digits;
  char *end = NULL;
  guint64 pid;

  if (!g_str_has_prefix (name, prefix))
    return 0;
  digits = name + strlen (prefix);
  if (!g_ascii_isdigit (*digits))
    return 0;
  pid = g_ascii_strtoull (digits, &end, 10);
  if (end == NULL || *end == '\0' || strchr (separators, *end) == NULL || pid > G_MAXINT)
    return 0;
  return (pid_t) pid;
}

/* Namespaces and sockets that tests killed with SIGKILL left behind. */
static void
remove_stale_leftovers (void)
{
  static gboolean done;
  GDir *dir;
  const char *name;

  if (done)
    return;
  done = TRUE;

  if ((dir = g_dir_open (NETNS_DIR, 0, NULL)) != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          pid_t pid = pid_in_name (name, NAME_PREFIX "-", "-");

          if (pid != 0 && pid != getpid () && !pid_is_alive (pid))
            {
              g_autofree char *path = g_build_filename (NETNS_DIR, name, NULL);

              g_debug ("removing the stale namespace %s", name);
              umount2 (path, MNT_DETACH);
              g_unlink (path);
            }
        }
      g_dir_close (dir);
    }

  if ((dir = g_dir_open (UAPI_DIR, 0, NULL)) != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          pid_t pid = pid_in_name (name, NAME_PREFIX, "sk");

          if (pid != 0 && pid != getpid () && !pid_is_alive (pid) &&
              g_str_has_suffix (name, ".sock"))
            {
              g_autofree char *path = g_build_filename (UAPI_DIR, name, NULL);

              g_debug ("removing the stale socket %s", name);
              g_unlink (path);
            }
        }
      g_dir_close (dir);
    }
}

/* ---- Isolation ---------------------------------------------------------- */

static char *
find_program (const char *name)
{
  static const char * const sbin_dirs[] = { "/usr/sbin", "/sbin" };
  char *path = g_find_program_in_path (name);

  /* ip is in /usr/sbin, which is not always on PATH. */
  for (gsize i = 0; path == NULL && i < G_N_ELEMENTS (sbin_dirs); i++)
    {
      g_autofree char *candidate = g_build_filename (sbin_dirs[i], name, NULL);

      if (g_file_test (candidate, G_FILE_TEST_IS_EXECUTABLE))
        path = g_steal_pointer (&candidate);
    }
  return path;
}

static const char *
program (Program which)
{
  if (program_paths[which] == NULL)
    program_paths[which] = find_program (program_names[which]);
  return program_paths[which] != NULL ? program_paths[which] : program_names[which];
}

static gboolean
bring_loopback_up (char **reason)
{
  struct ifreq request = { 0 };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    {
      *reason = g_strdup_printf ("cannot open a socket: %s", g_strerror (errno));
      return FALSE;
    }
  g_strlcpy (request.ifr_name, "lo", sizeof request.ifr_name);
  ok = ioctl (fd, SIOCGIFFLAGS, &request) == 0;
  if (ok)
    {
      request.ifr_flags |= IFF_UP;
      ok = ioctl (fd, SIOCSIFFLAGS, &request) == 0;
    }
  if (!ok)
    *reason = g_strdup_printf ("cannot bring lo up: %s", g_strerror (errno));
  close (fd);
  return ok;
}

static gboolean
isolate (char **reason)
{
  if (geteuid () != 0)
    {
      *reason = g_strdup ("the WireGuard tests need root (network namespaces, veth pairs, "
                          "TUN devices)");
      return FALSE;
    }
  for (Program which = 0; which < N_PROGRAMS; which++)
    if (program_paths[which] == NULL &&
        (program_paths[which] = find_program (program_names[which])) == NULL)
      {
        *reason = g_strdup_printf ("%s is not installed (see .ci/install-deps)",
                                   program_names[which]);
        return FALSE;
      }
  if (access ("/dev/net/tun", R_OK | W_OK) != 0)
    {
      *reason = g_strdup_printf ("no usable /dev/net/tun: %s", g_strerror (errno));
      return FALSE;
    }
  if (unshare (CLONE_NEWNET) != 0)
    {
      *reason = g_strdup_printf ("cannot create a network namespace: %s", g_strerror (errno));
      return FALSE;
    }
  return bring_loopback_up (reason);
}

gboolean
sy_test_wg_isolate (char **reason)
{
  g_autofree char *failure = NULL;

  if (isolated)
    return TRUE;

  isolated = isolate (&failure);
  if (!isolated)
    {
      g_free (isolation_failure);
      isolation_failure = g_strdup (failure);
      if (reason != NULL)
        *reason = g_steal_pointer (&failure);
    }
  return isolated;
}

gboolean
sy_test_wg_require_isolation (void)
{
  const char *reason;

  if (isolated)
    return TRUE;

  reason = isolation_failure != NULL ? isolation_failure
                                     : "sy_test_wg_isolate() was not called at the start of main()";
  /* On CI the machine is set up for these tests: a skip there would hide
   * a broken set-up behind a green run. */
  if (g_getenv ("CI") != NULL)
    g_test_fail_printf ("%s (CI is set: failing instead of skipping)", reason);
  else
    g_test_skip_printf ("%s", reason);
  return FALSE;
}

/* ---- Commands ------------------------------------------------------------ */

static void
child_setup (gpointer user_data)
{
  /* A group of its own, so that a timeout reaches what it started, and
   * gone with the thread that started it when the test aborts. */
  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

typedef struct
{
  gboolean  done;
  GBytes   *out;
  GBytes   *err;
  GError   *error;
} Communication;

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Communication *communication = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &communication->out,
                                   &communication->err, &communication->error);
  communication->done = TRUE;
}

static gboolean
command_timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

char *
sy_test_wg_netns_run (const char          *netns,
                      const char * const  *argv,
                      GBytes              *input,
                      gsize               *length,
                      GError             **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GSource) timeout = NULL;
  g_autoptr(GBytes) empty = NULL;
  g_auto(GStrv) full_argv = NULL;
  g_autofree char *command = NULL;
  Communication communication = { 0 };
  gboolean timed_out = FALSE;
  GError *status_error = NULL;
  GPid pid = 0;
  gsize size;
  char *output;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  if (netns != NULL)
    g_strv_builder_add_many (builder, program (PROGRAM_IP), "netns", "exec", netns, NULL);
  g_strv_builder_addv (builder, (const char **) argv);
  full_argv = g_strv_builder_end (builder);
  command = g_strjoinv (" ", full_argv);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  for (gsize i = 0; i < G_N_ELEMENTS (proxy_variables); i++)
    g_subprocess_launcher_unsetenv (launcher, proxy_variables[i]);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) full_argv, error);
  if (subprocess == NULL)
    {
      g_prefix_error (error, "cannot run %s: ", command);
      return NULL;
    }
  if (g_subprocess_get_identifier (subprocess) != NULL)
    pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (subprocess), NULL, 10);

  /* A private context: the caller's main loop, if any, is not ours to run. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  timeout = g_timeout_source_new (COMMAND_TIMEOUT_MS);
  g_source_set_callback (timeout, command_timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  empty = g_bytes_new_static ("", 0);
  g_subprocess_communicate_async (subprocess, input != NULL ? input : empty, NULL,
                                  communicate_cb, &communication);
  while (!communication.done)
    {
      g_main_context_iteration (context, TRUE);
      /* Killing the group closes the pipes, which ends the communication. */
      if (timed_out && pid > 0)
        {
          kill (-pid, SIGKILL);
          pid = 0;
        }
    }
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);

  if (communication.error != NULL)
    {
      g_propagate_prefixed_error (error, communication.error, "%s: ", command);
      g_clear_pointer (&communication.out, g_bytes_unref);
      g_clear_pointer (&communication.err, g_bytes_unref);
      return NULL;
    }
  if (timed_out || !g_spawn_check_wait_status (g_subprocess_get_status (subprocess),
                                               &status_error))
    {
      gsize err_size = 0;
      const char *err_text = communication.err != NULL
                             ? g_bytes_get_data (communication.err, &err_size) : NULL;

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s; its standard error:\n%.*s",
                   command,
                   timed_out ? "ran longer than 60 s and was killed" : status_error->message,
                   (int) err_size, err_text != NULL ? err_text : "");
      g_clear_error (&status_error);
      g_clear_pointer (&communication.out, g_bytes_unref);
      g_clear_pointer (&communication.err, g_bytes_unref);
      return NULL;
    }
  g_clear_pointer (&communication.err, g_bytes_unref);

  output = g_bytes_unref_to_data (communication.out, &size);
  output = g_realloc (output, size + 1);
  output[size] = '\0';
  if (length != NULL)
    *length = size;
  return output;
}

static char *
run_text (const char          *netns,
          const char * const  *argv,
          const char          *input,
          GError             **error)
{
  g_autoptr(GBytes) bytes = input != NULL ? g_bytes_new (input, strlen (input)) : NULL;
  char *output = sy_test_wg_netns_run (netns, argv, bytes, NULL, error);

  return output != NULL ? g_strstrip (output) : NULL;
}

/* Runs `ip [-n NETNS] -batch -` on @commands, one process for them all. */
static gboolean
ip_batch (const char  *netns,
          const char  *commands,
          GError     **error)
{
  const char *argv_here[] = { program (PROGRAM_IP), "-batch", "-", NULL };
  const char *argv_there[] = { program (PROGRAM_IP), "-n", netns, "-batch", "-", NULL };
  g_autofree char *output = NULL;

  output = run_text (NULL, netns != NULL ? argv_there : argv_here, commands, error);
  if (output == NULL)
    {
      g_prefix_error (error, "ip commands failed:\n%s", commands);
      return FALSE;
    }
  return TRUE;
}

static gboolean
netns_add (const char  *netns,
           int         *leftover,
           GError     **error)
{
  const char *argv[] = { program (PROGRAM_IP), "netns", "add", netns, NULL };
  g_autofree char *path = g_build_filename (NETNS_DIR, netns, NULL);
  g_autofree char *output = NULL;

  output = run_text (NULL, argv, NULL, error);
  if (output == NULL)
    return FALSE;
  *leftover = register_leftover (path, TRUE);
  if (*leftover < 0)
    {
      umount2 (path, MNT_DETACH);
      g_unlink (path);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   "too many namespaces at once (%d at most)", MAX_LEFTOVERS / 2);
      return FALSE;
    }
  return TRUE;
}

/* ---- Keys ---------------------------------------------------------------- */

char *
sy_test_wg_pubkey (const char  *private_b64,
                   GError     **error)
{
  const char *argv[] = { program (PROGRAM_WG), "pubkey", NULL };
  g_autofree char *input = NULL;

  g_return_val_if_fail (private_b64 != NULL, NULL);

  input = g_strconcat (private_b64, "\n", NULL);
  return run_text (NULL, argv, input, error);
}

gboolean
sy_test_wg_genkey (char   **private_b64,
                   char   **public_b64,
                   GError **error)
{
  const char *argv[] = { program (PROGRAM_WG), "genkey", NULL };
  g_autofree char *private_key = NULL;
  g_autofree char *public_key = NULL;

  g_return_val_if_fail (private_b64 != NULL, FALSE);

  private_key = run_text (NULL, argv, NULL, error);
  if (private_key == NULL)
    return FALSE;
  if (public_b64 != NULL)
    {
      public_key = sy_test_wg_pubkey (private_key, error);
      if (public_key == NULL)
        return FALSE;
      *public_b64 = g_steal_pointer (&public_key);
    }
  *private_b64 = g_steal_pointer (&private_key);
  return TRUE;
}

char *
sy_test_wg_genpsk (GError **error)
{
  const char *argv[] = { program (PROGRAM_WG), "genpsk", NULL };

  return run_text (NULL, argv, NULL, error);
}

static char *
write_secret (const char  *dir,
              const char  *name,
              const char  *key_b64,
              GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = g_strconcat (key_b64, "\n", NULL);

  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, error))
    return NULL;
  return g_steal_pointer (&path);
}

/* ---- wireguard-go ---------------------------------------------------------- */

/* Whether something accepts connections on the Unix socket @path: a
 * socket file left by a killed wireguard-go does not. */
static gboolean
uapi_is_listening (const char *path)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  g_strlcpy (address.sun_path, path, sizeof address.sun_path);
  ok = connect (fd, (struct sockaddr *) &address, sizeof address) == 0;
  close (fd);
  return ok;
}

/* Starts wireguard-go for @interface in @netns and blocks until wg can
 * configure it. */
static SyTestProcess *
wireguard_start (const char  *label,
                 const char  *netns,
                 const char  *interface,
                 const char  *uapi_path,
                 GError     **error)
{
  const char *argv[] = {
    program (PROGRAM_IP), "netns", "exec", netns, program (PROGRAM_WIREGUARD_GO),
    "-f", interface, NULL
  };
  /* The variable silences the banner that advises the kernel module;
   * verbose logging shows the handshakes. */
  const char *env[] = { "WG_PROCESS_FOREGROUND=1", "LOG_LEVEL=verbose", NULL };
  gint64 deadline = g_get_monotonic_time () + (gint64) READY_TIMEOUT_MS * 1000;
  g_autoptr(SyTestProcess) process = NULL;
  g_autofree char *output = NULL;

  process = sy_test_process_spawn (label, NULL, argv, env, error);
  if (process == NULL)
    {
      g_prefix_error (error, "cannot start wireguard-go: ");
      return NULL;
    }
  while (sy_test_process_is_running (process) && g_get_monotonic_time () < deadline)
    {
      if (uapi_is_listening (uapi_path))
        return g_steal_pointer (&process);
      g_usleep (POLL_INTERVAL_US);
    }

  sy_test_process_signal (process, SIGKILL);
  sy_test_process_wait (process, STOP_TIMEOUT_MS);
  output = sy_test_process_dup_output (process);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "wireguard-go did not open %s; its output:\n%s", uapi_path, output);
  return NULL;
}

static void
wireguard_stop (SyTestProcess **process,
                const char     *uapi_path)
{
  if (*process == NULL)
    return;
  /* SIGTERM lets it close the TUN device and remove its socket. */
  if (sy_test_process_is_running (*process))
    {
      sy_test_process_signal (*process, SIGTERM);
      sy_test_process_wait (*process, STOP_TIMEOUT_MS);
    }
  g_clear_pointer (process, sy_test_process_free);
  g_unlink (uapi_path);
}

static void
wg_add_peer_args (GStrvBuilder *argv,
                  const Peer   *peer)
{
  g_strv_builder_add_many (argv, "peer", peer->public_key, "allowed-ips", peer->allowed_ips,
                           NULL);
  if (peer->psk_path != NULL)
    g_strv_builder_add_many (argv, "preshared-key", peer->psk_path, NULL);
  if (peer->endpoint != NULL)
    g_strv_builder_add_many (argv, "endpoint", peer->endpoint, NULL);
}

static gboolean
wg_set (GStrvBuilder  *builder,
        GError       **error)
{
  g_auto(GStrv) argv = g_strv_builder_end (builder);
  g_autofree char *output = run_text (NULL, (const char * const *) argv, NULL, error);

  return output != NULL;
}

/* Seconds since the epoch of the last handshake with @public_b64 (NULL:
 * the first peer), 0 if none or if wireguard-go is not running. */
static gint64
latest_handshake (const char *interface,
                  const char *public_b64)
{
  const char *argv[] = { program (PROGRAM_WG), "show", interface, "latest-handshakes", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *output = run_text (NULL, argv, NULL, &error);
  g_auto(GStrv) lines = NULL;

  if (output == NULL)
    {
      g_debug ("%s", error->message);
      return 0;
    }
  lines = g_strsplit (output, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], "\t", 2);

      if (g_strv_length (fields) == 2 &&
          (public_b64 == NULL || g_str_equal (fields[0], public_b64)))
        return g_ascii_strtoll (fields[1], NULL, 10);
    }
  return 0;
}

/* ---- The server ------------------------------------------------------------ */

static void
peer_free (Peer *peer)
{
  g_free (peer->public_key);
  g_free (peer->allowed_ips);
  g_free (peer->endpoint);
  g_free (peer->psk_path);
  g_free (peer);
}

/* The address written the way GLib and inet_ntop() write it ("fd77::1",
 * not "fd77:0::1"), so that tests may compare strings. */
static char * G_GNUC_PRINTF (1, 2)
canonical_address (const char *format,
                   ...)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  address = g_inet_address_new_from_string (text);
  g_assert (address != NULL);
  return g_inet_address_to_string (address);
}

const char *
sy_test_wg_get_peers_dir (void)
{
  return SY_TEST_WG_PEERS_DIR;
}

static gboolean
server_configure_wireguard (SyTestWgServer  *self,
                            GError         **error)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autofree char *port = g_strdup_printf ("%u", self->listen_port);
  g_autofree char *commands = NULL;

  g_strv_builder_add_many (argv, program (PROGRAM_WG), "set", self->interface,
                           "private-key", self->private_key_path, "listen-port", port, NULL);
  for (guint i = 0; i < self->peers->len; i++)
    wg_add_peer_args (argv, g_ptr_array_index (self->peers, i));
  if (!wg_set (argv, error))
    return FALSE;

  /* No duplicate address detection: nothing else is on these links, and a
   * tentative address could not be used for a second or so. */
  commands = g_strdup_printf ("address add %s/24 dev %s\n"
                              "address add %s/64 dev %s nodad\n"
                              "link set %s up\n",
                              self->tunnel4, self->interface,
                              self->tunnel6, self->interface,
                              self->interface);
  return ip_batch (self->netns, commands, error);
}

gboolean
sy_test_wg_server_start (SyTestWgServer  *self,
                         GError         **error)
{
  g_autofree char *label = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (sy_test_wg_server_is_running (self))
    return TRUE;
  g_clear_pointer (&self->wireguard, sy_test_process_free);

  label = g_strdup_printf ("%s wireguard-go", self->name);
  self->wireguard = wireguard_start (label, self->netns, self->interface, self->uapi_path, error);
  if (self->wireguard == NULL)
    return FALSE;
  if (!server_configure_wireguard (self, error))
    {
      wireguard_stop (&self->wireguard, self->uapi_path);
      return FALSE;
    }
  return TRUE;
}

gboolean
sy_test_wg_server_stop (SyTestWgServer  *self,
                        GError         **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  wireguard_stop (&self->wireguard, self->uapi_path);
  return TRUE;
}

gboolean
sy_test_wg_server_is_running (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->wireguard != NULL && sy_test_process_is_running (self->wireguard);
}

static void
add_bind_args (GStrvBuilder   *argv,
               SyTestWgServer *self)
{
  g_strv_builder_add_many (argv, "--bind", self->tunnel4, "--bind", self->tunnel6, NULL);
}

static SyTestProcess *
server_spawn_service (SyTestWgServer  *self,
                      const char      *service,
                      GStrvBuilder    *command,
                      GError         **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) tail = g_strv_builder_end (command);
  g_auto(GStrv) argv = NULL;
  g_autofree char *label = g_strdup_printf ("%s %s", self->name, service);
  SyTestProcess *process;

  g_strv_builder_add_many (builder, program (PROGRAM_IP), "netns", "exec", self->netns, NULL);
  g_strv_builder_addv (builder, (const char **) tail);
  argv = g_strv_builder_end (builder);
  process = sy_test_process_spawn (label, NULL, (const char * const *) argv, NULL, error);
  if (process == NULL)
    g_prefix_error (error, "cannot start %s: ", service);
  else
    g_ptr_array_add (self->services, process);
  return process;
}

static SyTestProcess *
server_spawn_python (SyTestWgServer  *self,
                     const char      *script,
                     GStrvBuilder    *args,
                     GError         **error)
{
  g_autoptr(GStrvBuilder) command = g_strv_builder_new ();
  g_autofree char *path = g_build_filename (SY_TEST_WG_PEERS_DIR, script, NULL);
  g_auto(GStrv) tail = g_strv_builder_end (args);

  /* -u: "ready" must arrive at once; -B: no __pycache__ in the source tree. */
  g_strv_builder_add_many (command, program (PROGRAM_PYTHON3), "-u", "-B", path, NULL);
  g_strv_builder_addv (command, (const char **) tail);
  return server_spawn_service (self, script, command, error);
}

static gboolean
server_start_services (SyTestWgServer  *self,
                       GError         **error)
{
  g_autofree char *http_port = g_strdup_printf ("%u", HTTP_PORT);
  g_autofree char *echo_port = g_strdup_printf ("%u", UDP_ECHO_PORT);
  g_autofree char *dns_port = g_strdup_printf ("%u", DNS_PORT);
  g_autofree char *iperf_port = g_strdup_printf ("%u", IPERF_PORT);
  const char *tunnel_addresses[] = { self->tunnel4, self->tunnel6 };
  const char *needles[] = { "ready", "ready", "ready", "Server listening on",
                            "Server listening on" };
  g_autoptr(GStrvBuilder) args = NULL;

  args = g_strv_builder_new ();
  add_bind_args (args, self);
  g_strv_builder_add_many (args, "--port", http_port, "--name", self->name, NULL);
  if (server_spawn_python (self, "http_server.py", args, error) == NULL)
    return FALSE;
  g_clear_pointer (&args, g_strv_builder_unref);

  args = g_strv_builder_new ();
  add_bind_args (args, self);
  g_strv_builder_add_many (args, "--port", echo_port, NULL);
  if (server_spawn_python (self, "udp_echo.py", args, error) == NULL)
    return FALSE;
  g_clear_pointer (&args, g_strv_builder_unref);

  args = g_strv_builder_new ();
  add_bind_args (args, self);
  g_strv_builder_add_many (args, "--port", dns_port, NULL);
  {
    g_autofree char *web4 = g_strconcat ("web.wg.test=", self->tunnel4, NULL);
    g_autofree char *web6 = g_strconcat ("web.wg.test=", self->tunnel6, NULL);
    g_autofree char *only4 = g_strconcat ("ipv4.wg.test=", self->tunnel4, NULL);
    g_autofree char *only6 = g_strconcat ("ipv6.wg.test=", self->tunnel6, NULL);

    g_strv_builder_add_many (args, "--record", web4, "--record", web6,
                             "--record", only4, "--record", only6, NULL);
  }
  if (server_spawn_python (self, "dns_server.py", args, error) == NULL)
    return FALSE;

  /* iperf3 binds one address; --forceflush, or "Server listening" would
   * wait in a pipe buffer. */
  for (gsize i = 0; i < G_N_ELEMENTS (tunnel_addresses); i++)
    {
      g_autoptr(GStrvBuilder) command = g_strv_builder_new ();

      g_strv_builder_add_many (command, program (PROGRAM_IPERF3), "-s", "--forceflush",
                               "-B", tunnel_addresses[i], "-p", iperf_port, NULL);
      if (server_spawn_service (self, "iperf3", command, error) == NULL)
        return FALSE;
    }

  g_assert (self->services->len == G_N_ELEMENTS (needles));
  for (guint i = 0; i < self->services->len; i++)
    {
      SyTestProcess *process = g_ptr_array_index (self->services, i);

      if (sy_test_process_wait_output (process, 0, needles[i], READY_TIMEOUT_MS) < 0)
        {
          g_autofree char *output = sy_test_process_dup_output (process);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "a service of %s did not start; its output:\n%s", self->name, output);
          return FALSE;
        }
    }
  return TRUE;
}

/* The namespace, its link to ours, and what the services need of it. */
static gboolean
server_create_netns (SyTestWgServer  *self,
                     GError         **error)
{
  g_autofree char *outside = NULL;
  g_autofree char *inside = NULL;
  g_autofree char *outside6 = canonical_address ("fd00:200:%u::1", self->index);
  g_autofree char *inside6 = canonical_address ("fd00:200:%u::2", self->index);
  const char *sysctl_argv[] = {
    "/bin/sh", "-c",
    /* Services bind the tunnel addresses before wireguard-go creates them
     * and keep them while it is stopped. */
    "echo 1 > /proc/sys/net/ipv4/ip_nonlocal_bind && "
    "echo 1 > /proc/sys/net/ipv6/ip_nonlocal_bind",
    NULL
  };
  g_autofree char *output = NULL;

  if (!netns_add (self->netns, &self->netns_leftover, error))
    return FALSE;
  outside = g_strdup_printf ("link add %s type veth peer name veth-test netns %s\n"
                             "address add 10.200.%u.1/24 dev %s\n"
                             "address add %s/64 dev %s nodad\n"
                             "link set %s up\n",
                             self->outside_veth, self->netns,
                             self->index, self->outside_veth,
                             outside6, self->outside_veth,
                             self->outside_veth);
  if (!ip_batch (NULL, outside, error))
    return FALSE;
  inside = g_strdup_printf ("link set lo up\n"
                            "address add 10.200.%u.2/24 dev veth-test\n"
                            "address add %s/64 dev veth-test nodad\n"
                            "link set veth-test up\n",
                            self->index, inside6);
  if (!ip_batch (self->netns, inside, error))
    return FALSE;
  output = run_text (self->netns, sysctl_argv, NULL, error);
  return output != NULL;
}

SyTestWgServer *
sy_test_wg_server_new (guint        index,
                       const char  *client_public_key_b64,
                       const char  *preshared_key_b64,
                       GError     **error)
{
  g_autoptr(SyTestWgServer) self = NULL;
  g_autofree char *private_key = NULL;
  g_autofree char *address = NULL;

  g_return_val_if_fail (index <= MAX_INDEX, NULL);
  g_return_val_if_fail (preshared_key_b64 == NULL || client_public_key_b64 != NULL, NULL);

  if (!isolated)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   "call sy_test_wg_isolate() at the start of main() first: the server's "
                   "veth pair would otherwise join the machine's own network");
      return NULL;
    }
  remove_stale_leftovers ();

  self = g_new0 (SyTestWgServer, 1);
  self->netns_leftover = -1;
  self->uapi_leftover = -1;
  self->index = index;
  self->name = g_strdup_printf ("wg-server-%u", index);
  self->netns = g_strdup_printf (NAME_PREFIX "-%d-%u", (int) getpid (), index);
  self->interface = g_strdup_printf (NAME_PREFIX "%ds%u", (int) getpid (), index);
  self->uapi_path = g_strdup_printf (UAPI_DIR "/%s.sock", self->interface);
  self->outside_veth = g_strdup_printf (NAME_PREFIX "-s%u", index);
  self->listen_port = LISTEN_PORT_BASE + index;
  self->endpoint = g_strdup_printf ("10.200.%u.2:%u", index, self->listen_port);
  address = canonical_address ("fd00:200:%u::2", index);
  self->endpoint6 = g_strdup_printf ("[%s]:%u", address, self->listen_port);
  self->tunnel4 = g_strdup_printf ("10.77.%u.1", index);
  self->client4 = g_strdup_printf ("10.77.%u.2", index);
  self->subnet4 = g_strdup_printf ("10.77.%u.0/24", index);
  self->tunnel6 = canonical_address ("fd77:%u::1", index);
  self->client6 = canonical_address ("fd77:%u::2", index);
  g_clear_pointer (&address, g_free);
  address = canonical_address ("fd77:%u::", index);
  self->subnet6 = g_strdup_printf ("%s/64", address);
  self->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);
  self->services = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_test_process_free);
  self->uapi_leftover = register_leftover (self->uapi_path, FALSE);

  self->dir = g_dir_make_tmp ("sy-test-wg-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  if (!sy_test_wg_genkey (&private_key, &self->public_key, error))
    return NULL;
  self->private_key_path = write_secret (self->dir, "server.key", private_key, error);
  if (self->private_key_path == NULL)
    return NULL;
  if (preshared_key_b64 != NULL &&
      (self->psk_path = write_secret (self->dir, "client.psk", preshared_key_b64, error)) == NULL)
    return NULL;
  if (client_public_key_b64 != NULL)
    {
      Peer *peer = g_new0 (Peer, 1);

      self->client_public_key = g_strdup (client_public_key_b64);
      peer->public_key = g_strdup (client_public_key_b64);
      peer->allowed_ips = g_strdup_printf ("%s/32,%s/128", self->client4, self->client6);
      peer->psk_path = g_strdup (self->psk_path);
      g_ptr_array_add (self->peers, peer);
    }

  if (!server_create_netns (self, error) ||
      !server_start_services (self, error) ||
      !sy_test_wg_server_start (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

static gboolean
server_add_peer (SyTestWgServer  *self,
                 const char      *public_b64,
                 const char      *allowed_ips,
                 const char      *endpoint,
                 GError         **error)
{
  g_autoptr(GStrvBuilder) argv = NULL;
  g_auto(GStrv) additions = g_strsplit (allowed_ips, ",", -1);
  Peer *peer = NULL;

  for (guint i = 0; i < self->peers->len && peer == NULL; i++)
    if (g_str_equal (((Peer *) g_ptr_array_index (self->peers, i))->public_key, public_b64))
      peer = g_ptr_array_index (self->peers, i);
  if (peer == NULL)
    {
      peer = g_new0 (Peer, 1);
      peer->public_key = g_strdup (public_b64);
      peer->allowed_ips = g_strdup ("");
      if (self->client_public_key != NULL && g_str_equal (public_b64, self->client_public_key))
        peer->psk_path = g_strdup (self->psk_path);
      g_ptr_array_add (self->peers, peer);
    }

  /* `wg set … allowed-ips` replaces the list: keep the whole of it. */
  for (gsize i = 0; additions[i] != NULL; i++)
    {
      g_auto(GStrv) current = g_strsplit (peer->allowed_ips, ",", -1);
      const char *cidr = g_strstrip (additions[i]);

      if (*cidr != '\0' && !g_strv_contains ((const char * const *) current, cidr))
        {
          char *joined = *peer->allowed_ips != '\0'
                         ? g_strconcat (peer->allowed_ips, ",", cidr, NULL) : g_strdup (cidr);

          g_free (peer->allowed_ips);
          peer->allowed_ips = joined;
        }
    }
  if (endpoint != NULL)
    {
      g_free (peer->endpoint);
      peer->endpoint = g_strdup (endpoint);
    }

  if (!sy_test_wg_server_is_running (self))
    return TRUE;
  argv = g_strv_builder_new ();
  g_strv_builder_add_many (argv, program (PROGRAM_WG), "set", self->interface, NULL);
  wg_add_peer_args (argv, peer);
  return wg_set (argv, error);
}

gboolean
sy_test_wg_server_add_peer (SyTestWgServer  *self,
                            const char      *public_b64,
                            const char      *allowed_ips,
                            GError         **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (public_b64 != NULL, FALSE);
  g_return_val_if_fail (allowed_ips != NULL, FALSE);

  return server_add_peer (self, public_b64, allowed_ips, NULL, error);
}

const char *
sy_test_wg_server_get_public_key (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->public_key;
}

const char *
sy_test_wg_server_get_endpoint (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->endpoint;
}

const char *
sy_test_wg_server_get_endpoint6 (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->endpoint6;
}

const char *
sy_test_wg_server_get_tunnel_address (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->tunnel4;
}

const char *
sy_test_wg_server_get_tunnel_address6 (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->tunnel6;
}

const char *
sy_test_wg_server_get_client_address (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client4;
}

const char *
sy_test_wg_server_get_client_address6 (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client6;
}

const char *
sy_test_wg_server_get_netns (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->netns;
}

const char *
sy_test_wg_server_get_interface (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->interface;
}

guint16
sy_test_wg_server_get_listen_port (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->listen_port;
}

guint16
sy_test_wg_server_get_http_port (SyTestWgServer *self)
{
  return HTTP_PORT;
}

guint16
sy_test_wg_server_get_iperf_port (SyTestWgServer *self)
{
  return IPERF_PORT;
}

guint16
sy_test_wg_server_get_udp_echo_port (SyTestWgServer *self)
{
  return UDP_ECHO_PORT;
}

guint16
sy_test_wg_server_get_dns_port (SyTestWgServer *self)
{
  return DNS_PORT;
}

char *
sy_test_wg_server_run (SyTestWgServer      *self,
                       const char * const  *argv,
                       GError             **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  return sy_test_wg_netns_run (self->netns, argv, NULL, NULL, error);
}

gint64
sy_test_wg_server_get_last_handshake (SyTestWgServer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  if (self->client_public_key == NULL)
    return 0;
  return sy_test_wg_server_get_peer_last_handshake (self, self->client_public_key);
}

gint64
sy_test_wg_server_get_peer_last_handshake (SyTestWgServer *self,
                                           const char     *public_b64)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (public_b64 != NULL, 0);

  if (!sy_test_wg_server_is_running (self))
    return 0;
  return latest_handshake (self->interface, public_b64);
}

void
sy_test_wg_server_free (SyTestWgServer *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->services, g_ptr_array_unref);
  wireguard_stop (&self->wireguard, self->uapi_path);
  forget_leftover (&self->uapi_leftover);
  if (self->netns_leftover >= 0)
    {
      /* Deleting one end takes the other; the namespace would take it too,
       * but only once the kernel gets round to it, and a test that creates
       * the same server again needs the name now. */
      const char *argv[] = { program (PROGRAM_IP), "link", "delete", self->outside_veth, NULL };

      g_free (run_text (NULL, argv, NULL, NULL));
    }
  remove_registered (&self->netns_leftover);
  sy_test_rm_rf (self->dir);

  g_clear_pointer (&self->peers, g_ptr_array_unref);
  g_free (self->name);
  g_free (self->netns);
  g_free (self->interface);
  g_free (self->uapi_path);
  g_free (self->outside_veth);
  g_free (self->dir);
  g_free (self->private_key_path);
  g_free (self->psk_path);
  g_free (self->public_key);
  g_free (self->client_public_key);
  g_free (self->endpoint);
  g_free (self->endpoint6);
  g_free (self->tunnel4);
  g_free (self->tunnel6);
  g_free (self->subnet4);
  g_free (self->subnet6);
  g_free (self->client4);
  g_free (self->client6);
  g_free (self);
}

/* ---- The reference client ---------------------------------------------------- */

/* Splits "10.77.0.3/24,fd77::3/64" into the addresses to give the
 * interface and the host routes the server allows. */
static gboolean
parse_client_addresses (const char  *address_cidr,
                        GString     *commands,
                        const char  *interface,
                        GString     *allowed_ips,
                        gboolean    *has4,
                        gboolean    *has6,
                        GError     **error)
{
  g_auto(GStrv) items = g_strsplit (address_cidr, ",", -1);

  for (gsize i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_strstrip (items[i]), "/", 2);
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (parts[0]);
      gboolean v6;

      if (address == NULL || parts[1] == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "“%s” is not an address with a prefix length", items[i]);
          return FALSE;
        }
      v6 = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
      g_string_append_printf (commands, "address add %s/%s dev %s%s\n", parts[0], parts[1],
                              interface, v6 ? " nodad" : "");
      g_string_append_printf (allowed_ips, "%s%s/%u", allowed_ips->len > 0 ? "," : "",
                              parts[0], v6 ? 128 : 32);
      *(v6 ? has6 : has4) = TRUE;
    }
  return TRUE;
}

SyTestWgKernelClient *
sy_test_wg_kernel_client_new (SyTestWgServer  *server,
                              const char      *private_b64,
                              const char      *address_cidr,
                              GError         **error)
{
  static guint serial;
  g_autoptr(SyTestWgKernelClient) self = NULL;
  g_autoptr(GString) tunnel_commands = g_string_new (NULL);
  g_autoptr(GString) allowed_ips = g_string_new (NULL);
  g_autoptr(GStrvBuilder) argv = NULL;
  g_autofree char *link_commands = NULL;
  g_autofree char *inside_commands = NULL;
  g_autofree char *server_subnets = NULL;
  g_autofree char *server_endpoint = NULL;
  g_autofree char *own_endpoint = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *listen_port = g_strdup_printf ("%u", CLIENT_LISTEN_PORT);
  g_autofree char *label = NULL;
  gboolean has4 = FALSE;
  gboolean has6 = FALSE;
  guint n;
  guint m;

  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (private_b64 != NULL, NULL);
  g_return_val_if_fail (address_cidr != NULL, NULL);

  if (server->n_kernel_clients > MAX_KERNEL_CLIENTS || serial > MAX_SERIAL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "too many kernel clients");
      return NULL;
    }
  n = server->index;
  m = server->n_kernel_clients++;

  self = g_new0 (SyTestWgKernelClient, 1);
  self->netns_leftover = -1;
  self->uapi_leftover = -1;
  self->name = g_strdup_printf ("wg-client-%u.%u", n, m);
  self->netns = g_strdup_printf (NAME_PREFIX "-%d-%uk%u", (int) getpid (), n, m);
  self->interface = g_strdup_printf (NAME_PREFIX "%dk%u", (int) getpid (), serial++);
  self->uapi_path = g_strdup_printf (UAPI_DIR "/%s.sock", self->interface);
  self->uapi_leftover = register_leftover (self->uapi_path, FALSE);

  if (!parse_client_addresses (address_cidr, tunnel_commands, self->interface, allowed_ips,
                               &has4, &has6, error))
    return NULL;
  self->public_key = sy_test_wg_pubkey (private_b64, error);
  if (self->public_key == NULL)
    return NULL;
  self->dir = g_dir_make_tmp ("sy-test-wg-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  key_path = write_secret (self->dir, "client.key", private_b64, error);
  if (key_path == NULL)
    return NULL;

  /* A /30 of its own on a link of its own to the server's namespace. */
  if (!netns_add (self->netns, &self->netns_leftover, error))
    return NULL;
  link_commands = g_strdup_printf ("link add veth-k%u type veth peer name veth-server netns %s\n"
                                   "address add 10.201.%u.%u/30 dev veth-k%u\n"
                                   "link set veth-k%u up\n",
                                   m, self->netns, n, 4 * m + 1, m, m);
  inside_commands = g_strdup_printf ("link set lo up\n"
                                     "address add 10.201.%u.%u/30 dev veth-server\n"
                                     "link set veth-server up\n",
                                     n, 4 * m + 2);
  if (!ip_batch (server->netns, link_commands, error) ||
      !ip_batch (self->netns, inside_commands, error))
    return NULL;

  label = g_strdup_printf ("%s wireguard-go", self->name);
  self->wireguard = wireguard_start (label, self->netns, self->interface, self->uapi_path, error);
  if (self->wireguard == NULL)
    return NULL;
  server_endpoint = g_strdup_printf ("10.201.%u.%u:%u", n, 4 * m + 1, server->listen_port);
  server_subnets = g_strdup_printf ("%s,%s", server->subnet4, server->subnet6);
  argv = g_strv_builder_new ();
  g_strv_builder_add_many (argv, program (PROGRAM_WG), "set", self->interface,
                           "private-key", key_path, "listen-port", listen_port,
                           "peer", server->public_key, "endpoint", server_endpoint,
                           "allowed-ips", server_subnets, NULL);
  if (server->client_public_key != NULL && server->psk_path != NULL &&
      g_str_equal (self->public_key, server->client_public_key))
    g_strv_builder_add_many (argv, "preshared-key", server->psk_path, NULL);
  if (!wg_set (argv, error))
    return NULL;

  g_string_append_printf (tunnel_commands, "link set %s up\n", self->interface);
  if (has4)
    g_string_append_printf (tunnel_commands, "route replace %s dev %s\n",
                            server->subnet4, self->interface);
  if (has6)
    g_string_append_printf (tunnel_commands, "route replace %s dev %s\n",
                            server->subnet6, self->interface);
  if (!ip_batch (self->netns, tunnel_commands->str, error))
    return NULL;

  own_endpoint = g_strdup_printf ("10.201.%u.%u:%u", n, 4 * m + 2, CLIENT_LISTEN_PORT);
  if (!server_add_peer (server, self->public_key, allowed_ips->str, own_endpoint, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
sy_test_wg_kernel_client_get_public_key (SyTestWgKernelClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->public_key;
}

const char *
sy_test_wg_kernel_client_get_netns (SyTestWgKernelClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->netns;
}

gint64
sy_test_wg_kernel_client_get_last_handshake (SyTestWgKernelClient *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return latest_handshake (self->interface, NULL);
}

char *
sy_test_wg_kernel_client_run (SyTestWgKernelClient  *self,
                              const char * const    *argv,
                              GError               **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  return sy_test_wg_netns_run (self->netns, argv, NULL, NULL, error);
}

void
sy_test_wg_kernel_client_free (SyTestWgKernelClient *self)
{
  if (self == NULL)
    return;

  wireguard_stop (&self->wireguard, self->uapi_path);
  forget_leftover (&self->uapi_leftover);
  if (self->netns_leftover >= 0)
    {
      /* From this side: the server's namespace may already be gone. */
      const char *argv[] = { program (PROGRAM_IP), "-n", self->netns, "link", "delete",
                             "veth-server", NULL };

      g_free (run_text (NULL, argv, NULL, NULL));
    }
  remove_registered (&self->netns_leftover);
  sy_test_rm_rf (self->dir);

  g_free (self->name);
  g_free (self->netns);
  g_free (self->interface);
  g_free (self->uapi_path);
  g_free (self->dir);
  g_free (self->public_key);
  g_free (self);
}

/* ---- The byte stream ----------------------------------------------------------- */

static void
labelled_sha256 (const char *label,
                 guint64     counter,
                 guint8      digest[BYTES_DIGEST])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 le[8];
  gsize length = BYTES_DIGEST;

  for (gsize i = 0; i < sizeof le; i++)
    le[i] = (guint8) (counter >> (8 * i));
  g_checksum_update (checksum, (const guchar *) label, strlen (label));
  g_checksum_update (checksum, le, sizeof le);
  g_checksum_get_digest (checksum, digest, &length);
}

static const guint8 *
bytes_base (void)
{
  static guint8 base[BYTES_CHUNK];
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      for (gsize i = 0; i < BYTES_CHUNK / BYTES_DIGEST; i++)
        labelled_sha256 ("switchyard-base", i, base + i * BYTES_DIGEST);
      g_once_init_leave (&initialized, 1);
    }
  return base;
}

static void
bytes_chunk (guint64 k,
             guint8  chunk[BYTES_CHUNK])
{
  const guint8 *base = bytes_base ();
  guint8 pad[BYTES_DIGEST];

  labelled_sha256 ("switchyard-chunk", k, pad);
  for (gsize j = 0; j < BYTES_CHUNK; j++)
    chunk[j] = base[j] ^ pad[j % BYTES_DIGEST];
}

GBytes *
sy_test_wg_bytes_new (gsize length)
{
  g_autofree guint8 *chunk = g_malloc (BYTES_CHUNK);
  guint8 *data = g_malloc (MAX (length, 1));

  for (gsize offset = 0; offset < length; offset += BYTES_CHUNK)
    {
      bytes_chunk (offset / BYTES_CHUNK, chunk);
      memcpy (data + offset, chunk, MIN (BYTES_CHUNK, length - offset));
    }
  return g_bytes_new_take (data, length);
}

char *
sy_test_wg_bytes_sha256 (guint64 length)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *chunk = g_malloc (BYTES_CHUNK);

  for (guint64 offset = 0; offset < length; offset += BYTES_CHUNK)
    {
      bytes_chunk (offset / BYTES_CHUNK, chunk);
      g_checksum_update (checksum, chunk, MIN (BYTES_CHUNK, length - offset));
    }
  return g_strdup (g_checksum_get_string (checksum));
}
