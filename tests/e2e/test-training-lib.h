/* The training tests' kiosk: the real front end (SDL, offscreen) running
 * the application on the embedded configuration, in a fresh state folder,
 * driven by synthetic touches (tests/e2e/test-training-kiosk.c,
 * tests/integration/test-training-pad.c). */
#pragma once

#include "app.h"
#include "ui.h"

typedef struct {
  KioskConfig *config; /* outlives the app */
  App *app;
  Ui *ui;
  Frontend fe; /* the real front end; a test may put its own in front */
  char *dir;   /* the state folder */
} TrainingKiosk;

/* Starts the kiosk: in training mode (training_prepare() and
 * training_start(), what it prints in `ret_printed`), or not (the sample
 * schedule imported as it is; `ret_printed` unset). */
void training_kiosk_start(TrainingKiosk *k, gboolean training,
                          char **ret_printed);
void training_kiosk_stop(TrainingKiosk *k);

/* The session's view (without what a layer adds) and state. */
const KioskView *training_kiosk_view(TrainingKiosk *k);
SessionState training_kiosk_state(TrainingKiosk *k);
gboolean training_kiosk_has_button(TrainingKiosk *k, const char *id);

/* A synthetic touch on `target` of the screen drawn last (fails the test
 * when it is not there), then the kiosk settles and draws again. */
void training_kiosk_press(TrainingKiosk *k, const char *target);
void training_kiosk_type(TrainingKiosk *k, const char *digits);
