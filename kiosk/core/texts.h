/* Applicant-facing wording that several screens share: finger names and the
 * explanation of a result's reason codes (photo validator, signature and
 * fingerprint checks). */
#pragma once

#include <glib.h>

/* "right index finger" etc. for a FingerPosition; static string. */
const char *finger_label(int finger);

/* A readable name for a schedule's document_type ("residence_permit" ->
 * "residence permit"); unknown types are shown as written. Static or the
 * argument itself. */
const char *document_type_label(const char *document_type);

/* The applicant's sentence for a reason code of a result (photo validator,
 * signature or fingerprint check), translated into the current language on
 * the calling thread (the main thread: see i18n.h). Unknown codes come back
 * as the code itself, never NULL. Static or `code`. */
const char *reason_text(const char *code);

/* TRUE when `code` has a sentence of its own. */
gboolean reason_text_known(const char *code);

/* A measured value behind a photo reason and the limit it passed, for the
 * refusal screen: `figure` names what was measured (one of the
 * REASON_FIGURE_* names below), `reason` the reason code it explains. */
typedef struct {
  const char *reason; /* static */
  const char *figure; /* static, REASON_FIGURE_* */
  double value;
  double limit;
} ReasonFigure;

#define REASON_FIGURE_COVERING_LIGHTNESS "covering_lightness" /* L* 0..100 */
#define REASON_FIGURE_COVERING_CONTRAST  "covering_contrast"  /* dE00 */
#define REASON_FIGURE_ROLL               "roll"               /* degrees */
#define REASON_FIGURE_YAW                "yaw"                /* degrees */
#define REASON_FIGURE_PITCH              "pitch"              /* degrees */
#define REASON_FIGURE_OFF_CENTRE         "off_centre"         /* mm */
#define REASON_FIGURE_HEAD_LARGE         "head_large"         /* mm */
#define REASON_FIGURE_HEAD_SMALL         "head_small"         /* mm */
#define REASON_FIGURE_SHADOW             "shadow"             /* percent */

/* The applicant's sentence for `figure` with its value and limit in plain
 * words ("Your head covering is too light (lightness 91, limit 70)..."),
 * translated on the calling thread; NULL for an unknown figure. Caller
 * frees. */
char *reason_figure_text(const ReasonFigure *figure);

/* The photo screen's legend under a photo with marks (`with_target`: some
 * show where it should be), and the line shown while the automatic shot
 * counts down. Static. */
const char *photo_marks_legend(gboolean with_target);
const char *photo_countdown_text(void);
