/* The simulated fingerprint reader's training scenarios (fpreader-sim.c),
 * set while the kiosk runs: training mode's scenario chooser. */
#pragma once

#include <glib.h>

/* From the next capture on, every simulated reader of the process plays
 * `scenario` ("poor-finger", "missing-finger", or "none"/NULL: every
 * finger fine) instead of its option "scenario"; scenario_finger and
 * poor_attempts stay the options'. FALSE with DRIVERS_ERROR_INVALID for an
 * unknown name. Any thread. */
gboolean fpreader_sim_set_scenario(const char *scenario, GError **error);
