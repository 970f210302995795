/* systemd's notification protocol as biokiosk.service sees it: the test
 * plays systemd's part. It binds its own NOTIFY_SOCKET (an AF_UNIX datagram
 * socket), runs `biokiosk run` headless with WATCHDOG_USEC set, and checks
 * READY=1 (with MAINPID), periodic WATCHDOG=1 at half the interval, silence
 * once the main loop stalls (the BIOKIOSK_TEST_STALL_MS hook), and
 * STOPPING=1 and exit 0 on SIGTERM. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

#define WATCHDOG_US   200000 /* pings every 100 ms */
#define STALL_MS      1500
#define READY_WAIT_MS 30000

typedef struct {
  char *dir;
  int sock;
  GPid pid;
  gint64 ready_us; /* monotonic, when READY=1 arrived */
} Kiosk;

static int bind_notify_socket(const char *path)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint(fd, >=, 0);
  g_assert_cmpuint(strlen(path), <, sizeof addr.sun_path);
  strcpy(addr.sun_path, path);
  g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof addr), ==, 0);
  return fd;
}

/* The next datagram within timeout_ms, or NULL. */
static char *next_message(int fd, int timeout_ms)
{
  struct pollfd p = {.fd = fd, .events = POLLIN};
  char buf[4096];
  ssize_t n;

  if (poll(&p, 1, timeout_ms) <= 0)
    return NULL;
  n = recv(fd, buf, sizeof buf - 1, 0);
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  return g_strdup(buf);
}

static void kiosk_start(Kiosk *k, const char *watchdog_us, const char *stall)
{
  g_autofree char *sock_path = NULL;
  g_autofree char *set_state = NULL;
  g_auto(GStrv) env = g_get_environ();
  g_autoptr(GError) error = NULL;
  const char *argv[] = {
      g_getenv("BK_BIOKIOSK"), "run", "--headless", "--set", NULL, NULL};

  k->dir = testlib_mkdtemp();
  sock_path = g_build_filename(k->dir, "notify.sock", NULL);
  set_state = g_strdup_printf("paths.state_dir=%s/state", k->dir);
  argv[4] = set_state;
  k->sock = bind_notify_socket(sock_path);
  env = g_environ_setenv(env, "NOTIFY_SOCKET", sock_path, TRUE);
  env = g_environ_unsetenv(env, "WATCHDOG_PID");
  env = g_environ_unsetenv(env, "WATCHDOG_USEC");
  env = g_environ_unsetenv(env, "BIOKIOSK_TEST_STALL_MS");
  if (watchdog_us)
    env = g_environ_setenv(env, "WATCHDOG_USEC", watchdog_us, TRUE);
  if (stall)
    env = g_environ_setenv(env, "BIOKIOSK_TEST_STALL_MS", stall, TRUE);
  g_assert_true(
      g_spawn_async(NULL, (char **)argv, env,
                    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                    NULL, NULL, &k->pid, &error));
  g_assert_no_error(error);
}

/* Waits for READY=1 and checks what comes with it. */
static void kiosk_wait_ready(Kiosk *k)
{
  gint64 deadline = g_get_monotonic_time() + READY_WAIT_MS * 1000;
  g_autofree char *mainpid = g_strdup_printf("MAINPID=%d", (int)k->pid);

  while (g_get_monotonic_time() < deadline) {
    g_autofree char *msg = next_message(k->sock, 200);

    if (!msg)
      continue;
    g_test_message("notify: %s", msg);
    if (strstr(msg, "READY=1")) {
      k->ready_us = g_get_monotonic_time();
      g_assert_nonnull(strstr(msg, mainpid));
      g_assert_nonnull(strstr(msg, "STATUS="));
      return;
    }
  }
  g_error("no READY=1 within %d ms", READY_WAIT_MS);
}

/* Collects the datagrams until `until_us` (monotonic): counts WATCHDOG=1
 * and the longest gap between two of them. */
static guint count_pings(Kiosk *k, gint64 until_us, gint64 *ret_max_gap_us)
{
  gint64 last = k->ready_us;
  guint pings = 0;

  *ret_max_gap_us = 0;
  for (gint64 now; (now = g_get_monotonic_time()) < until_us;) {
    g_autofree char *msg =
        next_message(k->sock, (int)MAX((until_us - now) / 1000, 1));

    if (!msg || !strstr(msg, "WATCHDOG=1"))
      continue;
    now = g_get_monotonic_time();
    *ret_max_gap_us = MAX(*ret_max_gap_us, now - last);
    last = now;
    pings++;
  }
  return pings;
}

static gboolean kiosk_alive(Kiosk *k)
{
  int status;

  return waitpid(k->pid, &status, WNOHANG) == 0;
}

/* Waits up to timeout_ms for the kiosk to exit; its exit status or -1. */
static int kiosk_wait_exit(Kiosk *k, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;
  int status;

  while (g_get_monotonic_time() < deadline) {
    pid_t r = waitpid(k->pid, &status, WNOHANG);

    if (r == k->pid) {
      k->pid = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    g_usleep(20000);
  }
  return -1;
}

static void kiosk_finish(Kiosk *k)
{
  if (k->pid > 0) {
    kill(k->pid, SIGKILL);
    waitpid(k->pid, NULL, 0);
  }
  close(k->sock);
  testlib_rmtree(k->dir);
  g_free(k->dir);
}

static void test_ready_watchdog_stall(void)
{
  g_autofree char *usec = g_strdup_printf("%d", WATCHDOG_US);
  g_autofree char *stall = g_strdup_printf("%d", STALL_MS);
  Kiosk k = {0};
  gint64 gap = 0;
  guint pings;

  kiosk_start(&k, usec, stall);
  kiosk_wait_ready(&k);
  /* Running: a ping every 100 ms (half of WATCHDOG_USEC), none late. */
  pings = count_pings(&k, k.ready_us + 1200 * 1000, &gap);
  g_test_message("running: %u pings in 1.2 s, longest gap %" G_GINT64_FORMAT
                 " ms",
                 pings, gap / 1000);
  g_assert_cmpuint(pings, >=, 8);
  g_assert_cmpint(gap, <, WATCHDOG_US);
  /* Stalled (the loop blocks from STALL_MS on): silence for 1 s, while the
   * process lives on. systemd would now kill and restart it. */
  count_pings(&k, k.ready_us + (STALL_MS + 200) * 1000, &gap);
  pings = count_pings(&k, k.ready_us + (STALL_MS + 1200) * 1000, &gap);
  g_test_message("stalled: %u pings in 1 s", pings);
  g_assert_cmpuint(pings, ==, 0);
  g_assert_true(kiosk_alive(&k));
  kiosk_finish(&k);
}

static void test_no_watchdog_and_sigterm(void)
{
  Kiosk k = {0};
  gint64 gap = 0;
  gboolean stopping = FALSE;

  kiosk_start(&k, NULL, NULL);
  kiosk_wait_ready(&k);
  /* No WatchdogSec: no pings. */
  g_assert_cmpuint(count_pings(&k, k.ready_us + 500 * 1000, &gap), ==, 0);
  /* systemctl stop: SIGTERM is a clean stop. */
  g_assert_cmpint(kill(k.pid, SIGTERM), ==, 0);
  for (int i = 0; i < 50 && !stopping; i++) {
    g_autofree char *msg = next_message(k.sock, 200);

    stopping = msg && strstr(msg, "STOPPING=1");
  }
  g_assert_true(stopping);
  g_assert_cmpint(kiosk_wait_exit(&k, 20000), ==, 0);
  kiosk_finish(&k);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (!g_getenv("BK_BIOKIOSK"))
    testlib_skip_all("BK_BIOKIOSK is not set");
  g_test_add_func("/appliance/notify/ready-watchdog-stall",
                  test_ready_watchdog_stall);
  g_test_add_func("/appliance/notify/no-watchdog-sigterm",
                  test_no_watchdog_and_sigterm);
  return g_test_run();
}
