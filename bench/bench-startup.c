/* startup.ready_ms: from exec of `biokiosk run` to its READY=1 on
 * systemd's notification socket (docs/appliance.md), with the simulated
 * devices of the built-in configuration, headless. The bench plays
 * systemd: it binds its own NOTIFY_SOCKET, starts the kiosk, waits for
 * READY=1, stops the kiosk with SIGTERM. One warm-up run in the state
 * folder (which makes the database and the demo key), then the median of
 * RUNS. Prints "startup.ready_ms <value> ms". */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "bk-config.h"

#define RUNS     7
#define READY_MS 30000

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int bind_socket(const char *path)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (fd < 0 || strlen(path) >= sizeof addr.sun_path)
    return -1;
  strcpy(addr.sun_path, path);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Waits for a datagram with READY=1; FALSE after READY_MS. */
static gboolean wait_ready(int fd)
{
  gint64 deadline = g_get_monotonic_time() + READY_MS * 1000;
  char buf[4096];

  for (gint64 now; (now = g_get_monotonic_time()) < deadline;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ssize_t n;

    if (poll(&p, 1, (int)((deadline - now) / 1000) + 1) <= 0)
      continue;
    n = recv(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
      continue;
    buf[n] = '\0';
    if (strstr(buf, "READY=1"))
      return TRUE;
  }
  return FALSE;
}

/* One start: ms from fork+exec to READY=1, or a negative value. */
static double one_start(const char *biokiosk, const char *set_state, int fd,
                        const char *socket_path)
{
  gint64 start = g_get_monotonic_time();
  double ms = -1;
  int status;
  pid_t pid = fork();

  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);

    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    setenv("NOTIFY_SOCKET", socket_path, 1);
    unsetenv("WATCHDOG_USEC");
    execl(biokiosk, biokiosk, "run", "--headless", "--set", set_state,
          (char *)NULL);
    _exit(127);
  }
  if (pid < 0)
    return -1;
  if (wait_ready(fd))
    ms = (g_get_monotonic_time() - start) / 1000.0;
  kill(pid, SIGTERM);
  waitpid(pid, &status, 0);
  return ms;
}

int main(int argc, char **argv)
{
  g_autofree char *fallback = g_build_filename(BK_BUILD_DIR, "biokiosk", NULL);
  const char *biokiosk = argc > 1 ? argv[1] : fallback;
  g_autofree char *tmp = g_dir_make_tmp("biokiosk-bench-XXXXXX", NULL);
  g_autofree char *socket_path = g_build_filename(tmp, "notify.sock", NULL);
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s/state", tmp);
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp);
  double ready[RUNS];
  int fd;

  g_setenv("SDL_VIDEODRIVER", "offscreen", TRUE);
  fd = tmp ? bind_socket(socket_path) : -1;
  if (fd < 0) {
    g_printerr("bench-startup: cannot bind a notification socket\n");
    return 1;
  }
  for (int i = -1; i < RUNS; i++) {
    double ms = one_start(biokiosk, set_state, fd, socket_path);

    if (ms < 0) {
      g_printerr("bench-startup: %s sent no READY=1 within %d ms\n", biokiosk,
                 READY_MS);
      return 1;
    }
    if (i >= 0)
      ready[i] = ms;
  }
  qsort(ready, RUNS, sizeof *ready, compare_double);
  printf("startup.ready_ms %.1f ms\n", ready[RUNS / 2]);
  close(fd);
  if (system(cmd) != 0)
    g_printerr("bench-startup: could not remove %s\n", tmp);
  return 0;
}
