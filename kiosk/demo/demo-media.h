/* What the demo needs on disk before it starts: a folder of portrait JPEGs
 * for the simulated camera (drawn by us, no real person), and its own
 * private folders, which it clears only when it made them. */
#pragma once

#include <glib.h>

/* Subjects of the simulated camera (drivers/camera-sim.c: <subject>.jpg is
 * the still, <subject>~NN.jpg the live frames). The sample family's two
 * persons: */
#define DEMO_MEDIA_ADULT "portrait-01"
#define DEMO_MEDIA_CHILD "portrait-02"

/* Draws the sample family's two persons into `dir` (created when absent) as
 * camera subjects DEMO_MEDIA_ADULT and DEMO_MEDIA_CHILD: a still and a loop
 * of live frames each (a little sway, one blink). Deterministic: the same
 * bytes on every run. The camera shows the adult (the first by name) until
 * its "subject" setting names the child. */
gboolean demo_media_write_portraits(const char *dir, GError **error);

/* A training scenario: a person whose photo shows one refusal (or none). */
typedef struct {
  const char *id;      /* short name, e.g. "two-faces" */
  const char *subject; /* camera subject, "scenario-<id>" */
  const char *title_en;
  const char *title_nl;
  /* The officer declares a head covering for this person (the kiosk's
   * PhotoRequest.head_covering_declared); the verdict below assumes it. */
  gboolean head_covering_declared;
  const char *verdict; /* the validator's verdict on the still: "accept",
                          "refuse" */
  const char *reason;  /* the reason code it shows, NULL when accepted */
  /* A code among the live view's guidance (photo_guide() on its frames,
   * eyes open), NULL when it has none at all. */
  const char *guide;
} DemoScenario;

/* All scenarios, in the order a trainer would show them (compliant first);
 * `ret_n` gets their number. */
const DemoScenario *demo_media_scenarios(gsize *ret_n);

/* A scenario by id or by subject name; NULL when there is none. */
const DemoScenario *demo_media_scenario_find(const char *name);

/* Draws every scenario into `dir` (created when absent) as camera subjects
 * (scenario-<id>.jpg and scenario-<id>~NN.jpg), deterministic like the
 * family. They sort after the family's, so the family's folder may hold
 * them too without changing who the camera shows first. */
gboolean demo_media_write_scenarios(const char *dir, GError **error);

/* The file that marks a folder as made by the demo (and so as the demo's to
 * clear). */
#define DEMO_MEDIA_MARKER ".biokiosk-demo"

/* Makes `path` a fresh, empty folder of the demo's: created with mode 0700
 * and marked. A folder an earlier demo made (it has the marker) is cleared
 * first; anything else at `path` is refused with G_IO_ERROR_EXISTS and left
 * as it is. */
gboolean demo_media_prepare_folder(const char *path, GError **error);

/* Removes `path` and everything below it (no symlinks followed). */
gboolean demo_media_remove_tree(const char *path, GError **error);
