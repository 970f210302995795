/* systemd's notification protocol through libsystemd; see notify.h. */
#include "notify.h"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "log.h"

static struct {
  gboolean ready;
  gint64 interval_us;  /* half of WATCHDOG_USEC; 0: no watchdog */
  gint64 last_ping_us; /* monotonic */
  gint64 ready_us;
  gint64 stall_ms; /* the test hook; negative: off */
} notify = {.stall_ms = -1};

static void notify_send(const char *state)
{
  int r = sd_notify(0, state);

  if (r < 0)
    g_debug("sd_notify: %s", g_strerror(-r));
}

/* WatchdogSec as systemd passes it (WATCHDOG_USEC), 0 when off. systemd
 * names the process it started in WATCHDOG_PID: under cage that is the
 * kiosk's parent, for which sd_watchdog_enabled() says no. */
static guint64 watchdog_usec(void)
{
  const char *pid = g_getenv("WATCHDOG_PID");
  const char *usec = g_getenv("WATCHDOG_USEC");
  guint64 value = 0, parent = 0;

  if (sd_watchdog_enabled(0, &value) > 0)
    return value;
  if (!pid || !usec ||
      !g_ascii_string_to_unsigned(pid, 10, 1, G_MAXINT, &parent, NULL) ||
      parent != (guint64)getppid() ||
      !g_ascii_string_to_unsigned(usec, 10, 1, G_MAXUINT64, &value, NULL))
    return 0;
  return value;
}

void notify_ready(void)
{
  const char *stall = g_getenv("BIOKIOSK_TEST_STALL_MS");
  g_autofree char *ready = NULL;
  guint64 watchdog_us = watchdog_usec();

  if (notify.ready)
    return;
  notify.ready = TRUE;
  notify.ready_us = g_get_monotonic_time();
  if (watchdog_us >= 2)
    notify.interval_us = (gint64)MIN(watchdog_us / 2, G_MAXINT64);
  if (stall && *stall)
    notify.stall_ms = g_ascii_strtoll(stall, NULL, 10);
  notify.last_ping_us = notify.ready_us;
  /* MAINPID: under cage (biokiosk.service) systemd then watches, signals
   * and restarts the kiosk itself, not the compositor that started it. */
  ready = g_strdup_printf("READY=1\nMAINPID=%lu\nSTATUS=Check-in screen shown",
                          (unsigned long)getpid());
  log_event(G_LOG_LEVEL_INFO, LOG_EVENT_READY, NULL,
            "ready: the check-in screen is shown, the devices started");
  notify_send(ready);
  if (notify.interval_us)
    notify_send("WATCHDOG=1");
}

int notify_wait_ms(int wait_ms)
{
  gint64 due_us;
  int due_ms;

  if (!notify.interval_us)
    return wait_ms;
  due_us = notify.last_ping_us + notify.interval_us - g_get_monotonic_time();
  due_ms = due_us <= 0 ? 0 : (int)MIN((due_us + 999) / 1000, G_MAXINT);
  return wait_ms < 0 ? due_ms : MIN(wait_ms, due_ms);
}

void notify_watchdog(void)
{
  gint64 now_us = g_get_monotonic_time();

  if (!notify.ready)
    return;
  if (notify.stall_ms >= 0 &&
      now_us - notify.ready_us >= notify.stall_ms * G_TIME_SPAN_MILLISECOND) {
    g_warning("BIOKIOSK_TEST_STALL_MS: the main loop stalls now (test hook)");
    for (;;)
      g_usleep(G_USEC_PER_SEC);
  }
  if (!notify.interval_us || now_us - notify.last_ping_us < notify.interval_us)
    return;
  notify.last_ping_us = now_us;
  notify_send("WATCHDOG=1");
}

void notify_stopping(void)
{
  notify_send("STOPPING=1\nSTATUS=Stopping: storing any record in flight");
}
