/* Training mode (`biokiosk run --training`, `make run`): the interactive
 * kiosk for trying it by hand and for desk officers to practise, with
 * nothing to set up and nothing real at stake. It runs on the embedded
 * configuration's simulated devices, in a state folder of its own
 * (<state_dir>/training, made afresh at every start) with a training
 * back-office key, its own queue and its own outbox, never an upload target;
 * the sample schedule moved to today, with a check-in window of the whole
 * day so that every printed code works whenever one practises; the demo
 * officer PIN; and a banner on every screen. A kiosk configured with a real
 * back-office key refuses it unless kiosk.allow_training = yes. */
#pragma once

#include <stdio.h>

#include "app.h"
#include "config.h"

#define TRAINING_BANNER                                                        \
  "Training \u2013 not for real applicants / Oefenen \u2013 niet voor echte "  \
  "aanvragers"

/* Checks that this kiosk may train, then turns `config` into the training
 * kiosk's: the state folder, devices and their options, key, PIN, banner
 * and upload target above, and draws the simulated camera's subjects (the
 * sample family and every training scenario, docs/training-scenarios.md).
 * `scenario` (an id such as "two-faces", or NULL for the family) puts that
 * scenario in front of the camera for everyone. G_IO_ERROR_PERMISSION_DENIED
 * (one line, naming the keys) for a kiosk with a real key that does not
 * allow training, G_IO_ERROR_INVALID_ARGUMENT for an unknown scenario
 * (listing them); nothing is touched then. */
gboolean training_prepare(KioskConfig *config, const char *scenario,
                          GError **error);

/* After app_new() on that configuration: imports the sample schedule moved
 * to today, appends the audit entry "training.started" and prints the
 * appointment codes, the officer PIN and the scenario to `out`. */
gboolean training_start(App *app, const KioskConfig *config, FILE *out,
                        GError **error);
