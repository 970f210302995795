/* Files embedded in the binary (kiosk/resources.gresource.xml): the default
 * configuration and the demo appointment schedule, so that the kiosk and its
 * demo run with nothing installed. */
#pragma once

#include <glib.h>

/* The text of config/biokiosk.conf as built in. Static, NUL-terminated,
 * never NULL. */
const char *resources_default_config(void);

/* The text of config/sample-schedule.json (the demo appointments, see
 * docs/schedule.md). Static, NUL-terminated, never NULL. */
const char *resources_sample_schedule(void);

/* The text of config/demo-officers.json: the demo's two officers, 1001
 * (PIN 2468) and 1002 (PIN 1357), docs/officers.md. Static, NUL-terminated,
 * never NULL. */
const char *resources_demo_officers(void);
