/* See https-server.h. */
#include "tools/https-server.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "bk-config.h"

#include "testlib.h"

/* In the child before it runs nginx: nginx (in the foreground, without a
 * master) dies with the test even when the test is killed or aborts. */
static void die_with_parent(gpointer data)
{
  prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* A port free on loopback now (the kernel's choice), or 0. */
static int free_port(void)
{
  g_autoptr(GSocket) socket = g_socket_new(
      G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback =
      g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  if (!socket || !g_socket_bind(socket, address, FALSE, NULL) ||
      !(bound = g_socket_get_local_address(socket, NULL)))
    return 0;
  return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

/* A socket that listens on loopback and never accepts: the kernel
 * completes connections, nobody answers. */
static GSocket *blackhole_new(int *ret_port)
{
  GSocket *socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback =
      g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_socket_set_listen_backlog(socket, 64);
  if (!g_socket_bind(socket, address, FALSE, NULL) ||
      !g_socket_listen(socket, NULL) ||
      !(bound = g_socket_get_local_address(socket, NULL))) {
    g_object_unref(socket);
    return NULL;
  }
  *ret_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  return socket;
}

/* TRUE once something accepts TCP connections on `port`. */
static gboolean port_answers(int port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host(client, "127.0.0.1",
                                               (guint16)port, NULL, NULL);
  return connection != NULL;
}

static char *cert_path(HttpsServer *server, const char *name)
{
  return g_build_filename(server->dir, "certs", name, NULL);
}

static void https_server_paths(HttpsServer *s)
{
  s->records = g_build_filename(s->dir, "data", "records", NULL);
  s->ca = cert_path(s, "ca.pem");
  s->cert = cert_path(s, "kiosk.pem");
  s->key = cert_path(s, "kiosk.key");
  s->other_ca = cert_path(s, "other-ca.pem");
  s->other_cert = cert_path(s, "other-kiosk.pem");
  s->other_key = cert_path(s, "other-kiosk.key");
  s->revoked_cert = cert_path(s, "revoked.pem");
  s->revoked_key = cert_path(s, "revoked.key");
}

/* Waits up to 10 s for both TLS ports; FALSE when nginx exited first. */
static gboolean https_server_wait(HttpsServer *s, GError **error)
{
  for (int i = 0; i < 1000; i++) {
    int status;

    if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
      g_autofree char *log =
          g_build_filename(s->dir, "logs", "error.log", NULL);
      g_autofree char *text = NULL;

      s->pid = 0;
      g_file_get_contents(log, &text, NULL, NULL);
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                  "nginx did not start: %s", text ? text : "(no log)");
      return FALSE;
    }
    if (port_answers(s->port) && port_answers(s->expired_port))
      return TRUE;
    g_usleep(10000);
  }
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
              "nginx did not listen within 10 s");
  return FALSE;
}

HttpsServer *https_server_start(GError **error)
{
  /* The build's source tree when the test environment names none (the
   * benches run without it). */
  const char *root = g_getenv("BK_SOURCE_DIR");
  g_autofree char *script =
      g_build_filename(root ? root : BK_SOURCE_DIR, "tests", "tools",
                       "https-backoffice.sh", NULL);
  g_autofree char *nginx = g_find_program_in_path("nginx");
  HttpsServer *s;
  int blackhole_port = 0;
  char ports[3][16];

  if (!nginx && !g_file_test("/usr/sbin/nginx", G_FILE_TEST_IS_EXECUTABLE)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "nginx is not installed (make deps installs nginx-light)");
    return NULL;
  }
  s = g_new0(HttpsServer, 1);
  s->dir = testlib_mkdtemp();
  https_server_paths(s);
  s->blackhole = blackhole_new(&blackhole_port);
  s->port = free_port();
  s->expired_port = free_port();
  g_snprintf(ports[0], sizeof ports[0], "%d", s->expired_port);
  g_snprintf(ports[1], sizeof ports[1], "%d", blackhole_port);
  g_snprintf(ports[2], sizeof ports[2], "%d", free_port());
  {
    g_autofree char *port = g_strdup_printf("%d", s->port);
    const char *argv[] = {script,   "run",    s->dir,   port,
                          ports[0], ports[1], ports[2], NULL};

    if (!s->blackhole || !s->port ||
        !g_spawn_async(NULL, (char **)argv, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                       die_with_parent, NULL, &s->pid, error) ||
        !https_server_wait(s, error)) {
      https_server_stop(s);
      return NULL;
    }
  }
  return s;
}

char *https_server_url(const HttpsServer *server, const char *location)
{
  return g_strdup_printf("https://127.0.0.1:%d/%s/", server->port, location);
}

void https_server_stop(HttpsServer *server)
{
  if (!server)
    return;
  if (server->pid > 0) {
    kill(server->pid, SIGTERM);
    waitpid(server->pid, NULL, 0);
    g_spawn_close_pid(server->pid);
  }
  g_clear_object(&server->blackhole);
  testlib_rmtree(server->dir);
  g_free(server->dir);
  g_free(server->records);
  g_free(server->ca);
  g_free(server->cert);
  g_free(server->key);
  g_free(server->other_ca);
  g_free(server->other_cert);
  g_free(server->other_key);
  g_free(server->revoked_cert);
  g_free(server->revoked_key);
  g_free(server);
}
