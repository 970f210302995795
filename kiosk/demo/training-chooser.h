/* Training mode's scenario chooser: on the check-in and person screens of
 * a training kiosk a "Scenario" button opens a screen listing what the
 * next person brings: one of the camera's training scenarios
 * (docs/training-scenarios.md), a poor or missing finger on the reader, a
 * signature too small or a pad unplugged mid-signature, or the sample
 * family with nothing wrong. The choice holds for every person from then
 * on until another is made (the pad's faults play once per person). It is
 * an AppLayer (app.h) that training_start() installs; a kiosk that is not
 * training never has one. */
#pragma once

#include "app.h"

/* Button ids: the chooser's button on the check-in and person screens,
 * its Close, and each choice's prefix (followed by TrainingChoice.id). */
#define TRAINING_BUTTON_SCENARIO "training:scenario"
#define TRAINING_BUTTON_CLOSE    "training:close"
#define TRAINING_CHOICE_PREFIX   "training:"

typedef enum {
  TRAINING_ALL,    /* the family: every device back to no fault */
  TRAINING_CAMERA, /* `name` is the camera scenario's id */
  TRAINING_READER, /* `name` is the sim reader's scenario */
  TRAINING_PAD,    /* `name` is the sim pad's scenario */
} TrainingDevice;

typedef struct {
  const char *id;     /* "family", "two-faces", "poor-finger", ... */
  const char *button; /* its button's id: TRAINING_CHOICE_PREFIX + id */
  const char *label;  /* the chooser's button */
  TrainingDevice device;
} TrainingChoice;

/* Every choice, in the chooser's order; `ret_n` gets their number. */
const TrainingChoice *training_choices(gsize *ret_n);

/* Installs the chooser on `app` (freed with it). `camera_scenario` is the
 * camera scenario's id chosen with --scenario, or NULL. */
void training_chooser_install(App *app, const char *camera_scenario);
