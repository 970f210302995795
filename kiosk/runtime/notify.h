/* The kiosk's side of systemd's service protocol (sd_notify(3)), for the
 * Type=notify unit of docs/appliance.md: READY=1 once the check-in screen
 * is on and the devices are started, and WATCHDOG=1 from the main loop at
 * half of the unit's WatchdogSec, so that systemd restarts a loop that is
 * stuck. Outside systemd (no NOTIFY_SOCKET) every call does nothing.
 *
 * Process-wide, like sd_notify itself, and called from the main loop's
 * thread only. */
#pragma once

#include <glib.h>

/* Tells systemd the kiosk is up ("READY=1" and a STATUS= line); the
 * watchdog's clock starts here. Once per process; later calls do nothing. */
void notify_ready(void);

/* The loop's wait capped so that it wakes for the next watchdog ping:
 * `wait_ms` (negative = no limit) or less. */
int notify_wait_ms(int wait_ms);

/* Pings the watchdog when half its interval has passed since the last ping.
 * Call once per loop turn. Test hook: when BIOKIOSK_TEST_STALL_MS=N is set
 * in the environment, the first call N ms or more after notify_ready()
 * blocks for good, as a stuck loop would (docs/appliance.md). */
void notify_watchdog(void);

/* "STOPPING=1": the kiosk is finishing (an in-flight record is stored
 * before it exits). */
void notify_stopping(void);
