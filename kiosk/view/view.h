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
  /* PIN entry for the technician screen, and its pages (`panel`) */
  VIEW_TECHNICIAN_PIN,
  VIEW_TECHNICIAN,
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
  gint64 available_us;  /* a live frame: the monotonic time the camera's
                           frame was ready (for measuring the delay to the
                           screen); 0 for other images */
} ViewImage;

/* Button ids: what a ViewButton's `id` holds and INTENT_BUTTON sends back.
 * Defined here once; the session, the front end, the demo and the tests all
 * use these names. */
#define VIEW_BUTTON_ACCEPT         "accept"
#define VIEW_BUTTON_APPROVE        "approve"
#define VIEW_BUTTON_CANCEL         "cancel"
#define VIEW_BUTTON_DISCARD        "discard"
#define VIEW_BUTTON_DOCUMENTS_SEEN "documents_seen"
#define VIEW_BUTTON_FINGERPRINTS   "fingerprints"
#define VIEW_BUTTON_HEAD_COVERING  "head_covering"
#define VIEW_BUTTON_LANGUAGE       "language"
#define VIEW_BUTTON_LARGE_TEXT     "large_text"
#define VIEW_BUTTON_MORE_TIME      "more_time"
#define VIEW_BUTTON_MISSING        "missing"
#define VIEW_BUTTON_NEXT           "next"
#define VIEW_BUTTON_OK             "ok"
#define VIEW_BUTTON_OVERRIDE       "override"
#define VIEW_BUTTON_REDO           "redo"
#define VIEW_BUTTON_REDO_PHOTO     "redo_photo"
#define VIEW_BUTTON_RETAKE         "retake"
#define VIEW_BUTTON_RETRY          "retry"
#define VIEW_BUTTON_SEATED         "seated"
#define VIEW_BUTTON_START          "start"
#define VIEW_BUTTON_STOP           "stop"
#define VIEW_BUTTON_TAKE           "take"
/* The applicant's speaker button (KioskView.speech; in the seated layout a
 * button among the screen's own): spoken guidance on or off; the runtime
 * takes it, the session never sees it. */
#define VIEW_BUTTON_SPEECH "speech"

/* The language chooser's buttons: this prefix and a language code. */
#define VIEW_BUTTON_LANGUAGE_PREFIX "language:"

/* The discreet control on the check-in screen that opens the technician
 * screen (KioskView.technician_entry), and the technician's own buttons;
 * a page tab's id is VIEW_TAB_PREFIX followed by the page's name. */
#define VIEW_BUTTON_TECHNICIAN  "technician"
#define VIEW_BUTTON_CLOSE       "close"
#define VIEW_BUTTON_TEST_SHOT   "test_shot"
#define VIEW_BUTTON_TEST_FINGER "test_finger"
#define VIEW_BUTTON_TEST_STROKE "test_stroke"
#define VIEW_BUTTON_CALIBRATE   "calibrate"
#define VIEW_BUTTON_EXPORT      "export"
#define VIEW_TAB_PREFIX         "tab:"
/* The officer's finger exception (VIEW_FINGERPRINT): its kind, its reason
 * (VIEW_BUTTON_REASON_PREFIX followed by a reason code of finger-plan.h),
 * and what follows a temporary one. */
#define VIEW_BUTTON_FINGER_TEMPORARY "finger_temporary"
#define VIEW_BUTTON_FINGER_PERMANENT "finger_permanent"
#define VIEW_BUTTON_REASON_PREFIX    "reason:"
#define VIEW_BUTTON_POSTPONE         "postpone"
#define VIEW_BUTTON_SUBSTITUTE       "substitute"
/* The exception photo: go on without one (VIEW_BUTTON_TAKE takes it,
 * VIEW_BUTTON_RETAKE again, VIEW_BUTTON_ACCEPT keeps it). */
#define VIEW_BUTTON_SKIP "skip"

/* Touch targets of the keypad (VIEW_CHECKIN, VIEW_OFFICER_PIN) besides the
 * digits "0".."9", for synthetic presses (demo, tests). */
#define VIEW_KEY_BACK "back"
#define VIEW_KEY_OK   "ok"

typedef struct {
  const char *id;    /* sent back in INTENT_BUTTON */
  const char *label; /* translated */
  gboolean primary;  /* the one to press to go on */
  gboolean enabled;
} ViewButton;

/* VIEW_SIGNATURE: the ink as it is written, one point per pad sample, in
 * the writing area's coordinates (0..1, x to the right, y down; the area
 * has the 3:1 aspect of the stored signature image). */
typedef struct {
  float x;
  float y;
  float pressure; /* 0 = pen up: the line breaks here */
} ViewInkPoint;

typedef struct {
  const ViewInkPoint *points; /* NULL = none */
  int n_points;
  gint64 newest_arrival_us; /* monotonic time the newest point's pen event
                               arrived (for measuring event to ink); 0 when
                               there are no points */
  const char *notice;       /* the pad's state for the applicant, shown in
                               the writing area ("sign again"); NULL = none */
  gboolean notice_warning;  /* the notice is trouble (pad lost or absent) */
  gboolean pen_input;       /* the writing area takes strokes from the
                               touchscreen and mouse (INTENT_PEN) */
} ViewInk;

/* ui_press()'s target on VIEW_SIGNATURE with pen_input: writes a synthetic
 * signature into the area as real-time touch events (demo and tests). */
#define VIEW_TARGET_SIGN "sign"

#define VIEW_MAX_BUTTONS 16
#define VIEW_MAX_FINGERS 10
#define VIEW_MAX_LINES   6
#define VIEW_MAX_TABS    6
#define VIEW_MAX_ROWS    14

/* VIEW_TECHNICIAN: one row of a page, a fact and how it stands. */
typedef enum {
  VIEW_ROW_PLAIN, /* information */
  VIEW_ROW_OK,    /* a check that passed */
  VIEW_ROW_WARN,  /* works, but look at it */
  VIEW_ROW_FAIL,  /* a check that failed */
  VIEW_ROW_HEAD,  /* a sub-heading (label only) */
} ViewRowStatus;

typedef struct {
  const char *label;
  const char *value;
  ViewRowStatus status;
} ViewRow;

/* VIEW_TECHNICIAN: the page tabs (touch targets with ids VIEW_TAB_PREFIX
 * + name), the current one, and the current page's rows. */
typedef struct {
  const char *tab_ids[VIEW_MAX_TABS];
  const char *tab_labels[VIEW_MAX_TABS];
  int n_tabs;
  int current; /* index of the current tab */
  ViewRow rows[VIEW_MAX_ROWS];
  int n_rows;
} ViewPanel;

/* VIEW_PHOTO after a refusal: the region that failed, drawn over the
 * photo (the covering's outline, a shadow, the head against the
 * template's box, the eye line). Points are in the image's 0..1 (x to the
 * right, y down); a closed mark joins its last point to its first. */
typedef enum {
  VIEW_MARK_FAULT,  /* what is wrong, as measured */
  VIEW_MARK_TARGET, /* where it should be (the template) */
} ViewMarkRole;

#define VIEW_MARK_MAX_POINTS 32

typedef struct {
  ViewMarkRole role;
  gboolean closed;
  float x[VIEW_MARK_MAX_POINTS];
  float y[VIEW_MARK_MAX_POINTS];
  int n;
} ViewMark;

#define VIEW_MAX_MARKS 4

/* The speaker button on an applicant's screen (docs/speech.md). */
typedef enum {
  VIEW_SPEECH_NONE, /* not shown: the kiosk does not speak, or not here */
  VIEW_SPEECH_ON,   /* shown; the screens are read aloud */
  VIEW_SPEECH_OFF,  /* shown; the applicant turned speech off */
} ViewSpeech;

typedef struct {
  ViewScreen screen;
  const char *title;                 /* large heading */
  const char *lines[VIEW_MAX_LINES]; /* body text, one paragraph each */
  int n_lines;
  const char *banner; /* notice banner, NULL/"" = none */
  const char *footer; /* location name, device state */
  gboolean warning;   /* body is a refusal / error: show as such */
  gboolean rtl;       /* the texts are in a right-to-left language (Arabic,
                         Farsi): ui/ lays the screen out mirrored */
  /* The language button in the header (VIEW_BUTTON_LANGUAGE): the current
   * language's name in itself; NULL = no button (officer's screens). */
  const char *language;

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

  ViewInk ink; /* VIEW_SIGNATURE: live strokes (set by the application) */

  /* VIEW_CHECKIN: show the discreet VIEW_BUTTON_TECHNICIAN control (a
   * technician PIN is configured). */
  gboolean technician_entry;
  ViewPanel panel; /* VIEW_TECHNICIAN */

  /* The applicant's choices on the check-in screen, kept for the whole
   * appointment (docs/ui.md): every touch target in the lower part of the
   * screen (within reach from a wheelchair), and larger text. */
  gboolean seated;
  gboolean large_text;

  /* VIEW_PHOTO: marks over the photo (after a refusal), and the automatic
   * shot's countdown over the live view (3, 2, 1; 0 = none). */
  ViewMark marks[VIEW_MAX_MARKS];
  int n_marks;
  int countdown;

  /* Spoken guidance (docs/speech.md): what is read aloud when this screen
   * appears. NULL: the title and the lines as they are then; "": nothing
   * (the officer's screens). Speech starts again when the screen, the
   * title or this text changes, not when only the lines do. */
  const char *spoken;
  /* The lines are instructions that change with events (the finger step's
   * "print 2 of 3"), not live hints or a countdown: speech starts again
   * when they change too. */
  gboolean spoken_lines;
  ViewSpeech speech; /* the speaker button; set by the runtime */
} KioskView;

typedef enum {
  INTENT_NONE,
  INTENT_KEY, /* `key`: a digit '0'..'9' from the keypad */
  INTENT_BACKSPACE,
  INTENT_SUBMIT,   /* keypad OK */
  INTENT_BUTTON,   /* `button` holds the ViewButton id */
  INTENT_ACTIVITY, /* any touch: resets the idle timer */
  INTENT_QUIT,     /* window closed / technician exit */
  INTENT_PEN,      /* `pen`: a stroke sample in the writing area */
} IntentType;

/* A touch or mouse sample of a stroke that began in the writing area of a
 * view with ink.pen_input: x and y in the area's 0..1 (clamped: a stroke
 * may leave it), pressure 0..1 (0 = lifted; touches without a pressure
 * sensor and a pressed mouse give 1), t_us the event's time (SDL's, in
 * millisecond steps), arrival_us when the front end received it (monotonic
 * clock). */
typedef struct {
  double x;
  double y;
  double pressure;
  gint64 t_us;
  gint64 arrival_us;
} ViewPenSample;

typedef struct {
  IntentType type;
  char key;
  char button[32];
  ViewPenSample pen; /* INTENT_PEN */
} KioskIntent;

/* Writes an RGB/RGBA screenshot as PNG (kiosk/ owns the PNG encoder through
 * capture/). Screenshots show no biometrics in the demo's synthetic data
 * only; `run` never writes them. */
gboolean view_save_png(int width, int height, int channels, gsize stride,
                       const guint8 *pixels, const char *path, GError **error);
