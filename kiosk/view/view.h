/* What the screen shows: a plain description of the current screen that the
 * session fills and ui/ renders, and the intents ui/ sends back. This is the
 * whole contract between kiosk/ and ui/; nothing here knows SDL. */
#pragma once

#include <glib.h>

typedef enum {
  VIEW_CHECKIN,     /* code entry with the keypad */
  VIEW_MESSAGE,     /* information: nothing to capture, go elsewhere, ... */
  VIEW_PERSON,      /* "now: <name> (2 of 3)" before each person */
  VIEW_PHOTO,       /* live view, guidance, then the taken photo */
  VIEW_SIGNATURE,   /* signature area */
  VIEW_FINGERPRINT, /* finger to place, images taken so far */
  VIEW_REVIEW,      /* officer checks and approves the record */
  VIEW_OFFICER_PIN, /* PIN entry for officer mode */
  VIEW_DONE,        /* record stored; next person or goodbye */
  VIEW_N_SCREENS,
} ViewScreen;

/* Stable short names ("checkin", "photo", ...) for screenshots and logs. */
const char *view_screen_name(ViewScreen screen);

/* An RGB (3 bytes/pixel) or grey (1 byte/pixel) image to show; borrowed from
 * the session, valid until the next session call. */
typedef struct {
  int width;
  int height;
  int channels;
  gsize stride;
  const guint8 *pixels; /* NULL = no image */
} ViewImage;

typedef struct {
  const char *id;    /* sent back in INTENT_BUTTON */
  const char *label; /* translated */
  gboolean primary;  /* the one to press to go on */
  gboolean enabled;
} ViewButton;

#define VIEW_MAX_BUTTONS 4
#define VIEW_MAX_FINGERS 10
#define VIEW_MAX_LINES   6

typedef struct {
  ViewScreen screen;
  const char *title;                 /* large heading */
  const char *lines[VIEW_MAX_LINES]; /* body text, one paragraph each */
  int n_lines;
  const char *banner; /* notice banner, NULL/"" = none */
  const char *footer; /* location name, device state */
  gboolean warning;   /* body is a refusal / error: show as such */

  /* VIEW_CHECKIN and VIEW_OFFICER_PIN */
  const char *entry;     /* what was typed */
  gboolean entry_masked; /* show dots (PIN) */
  int entry_max;         /* keypad stops accepting after this */

  /* progress through the person's steps, 0 = none shown */
  int step;
  int n_steps;
  const char *person; /* name of the person being captured */

  ViewImage image; /* photo / signature / live view */
  const char *image_caption;

  int n_fingers; /* VIEW_FINGERPRINT / VIEW_REVIEW */
  ViewImage fingers[VIEW_MAX_FINGERS];
  const char *finger_labels[VIEW_MAX_FINGERS];

  ViewButton buttons[VIEW_MAX_BUTTONS];
  int n_buttons;

  ViewImage signature; /* VIEW_REVIEW: shown under the photo */
} KioskView;

typedef enum {
  INTENT_NONE,
  INTENT_KEY, /* `key`: a digit '0'..'9' from the keypad */
  INTENT_BACKSPACE,
  INTENT_SUBMIT,   /* keypad OK */
  INTENT_BUTTON,   /* `button` holds the ViewButton id */
  INTENT_ACTIVITY, /* any touch: resets the idle timer */
  INTENT_QUIT,     /* window closed / technician exit */
} IntentType;

typedef struct {
  IntentType type;
  char key;
  char button[32];
} KioskIntent;

/* Writes an RGB/RGBA screenshot as PNG (kiosk/ owns the PNG encoder through
 * capture/). Screenshots show no biometrics in the demo's synthetic data
 * only; `run` never writes them. */
gboolean view_save_png(int width, int height, int channels, gsize stride,
                       const guint8 *pixels, const char *path, GError **error);
