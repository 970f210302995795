/* The simulated signature pad's training scenarios (pad-sim.c), set while
 * the kiosk runs: training mode's scenario chooser puts them in front of
 * the next signer. */
#pragma once

#include <glib.h>

/* Arms `scenario` for the next signing on any simulated pad of the process,
 * open now or later: "small-signature", "unplugged" or "none" (NULL too).
 * It plays once; the option "scenario" is not read after this. FALSE with
 * DRIVERS_ERROR_INVALID for an unknown name. Any thread. */
gboolean pad_sim_set_scenario(const char *scenario, GError **error);
