/* The passport-photo validator: the Dutch photo rules (35 x 45 mm template)
 * and the desk's head-covering rule, checked on a decoded camera image, and
 * the crop to the document format. A refused photo is a result (PhotoResult),
 * not an error; GError is only for a validator that cannot run (no cascade
 * files) or input that is not an image.
 *
 * Typical use by the kiosk:
 *   PhotoValidator *v = photo_validator_new(&config, &error);   // once
 *   PhotoResult *r = photo_validate(v, image, &request);         // per shot
 *   for each r->reasons[i]: the kiosk shows its sentence (kiosk/core/texts.c)
 *   BkImage *crop = photo_crop(v, image, &request, r);           // if accepted
 * and photo_guide() on every live-view frame. */
#pragma once

#include "image.h"

typedef enum {
  PHOTO_VERDICT_ACCEPT,
  PHOTO_VERDICT_REFUSE,
  PHOTO_VERDICT_REFER, /* ambiguous: the desk officer decides */
} PhotoVerdict;

/* "accept", "refuse", "refer". */
const char *photo_verdict_name(PhotoVerdict verdict);

/* Reason codes are the stable strings below (README lists them); the
 * PHOTO_REASON_* macros avoid typos in callers. */
#define PHOTO_REASON_NO_FACE                "no_face"
#define PHOTO_REASON_MULTIPLE_FACES         "multiple_faces"
#define PHOTO_REASON_NOT_FRONTAL            "not_frontal"
#define PHOTO_REASON_EYES_NOT_VISIBLE       "eyes_not_visible"
#define PHOTO_REASON_EYES_CLOSED            "eyes_closed"
#define PHOTO_REASON_MOUTH_OPEN             "mouth_open"
#define PHOTO_REASON_HEAD_TOO_SMALL         "head_too_small"
#define PHOTO_REASON_HEAD_TOO_LARGE         "head_too_large"
#define PHOTO_REASON_FACE_OFF_CENTRE        "face_off_centre"
#define PHOTO_REASON_RESOLUTION_TOO_LOW     "resolution_too_low"
#define PHOTO_REASON_BACKGROUND_NOT_WHITE   "background_not_white"
#define PHOTO_REASON_BACKGROUND_NOT_UNIFORM "background_not_uniform"
#define PHOTO_REASON_UNDEREXPOSED           "underexposed"
#define PHOTO_REASON_OVEREXPOSED            "overexposed"
#define PHOTO_REASON_UNEVEN_LIGHTING        "uneven_lighting"
#define PHOTO_REASON_UNNATURAL_COLOUR       "unnatural_colour"
#define PHOTO_REASON_BLURRED                "blurred"
#define PHOTO_REASON_COVERING_NOT_DECLARED  "head_covering_not_declared"
#define PHOTO_REASON_COVERING_WHITE         "head_covering_white_or_light_grey"
#define PHOTO_REASON_COVERING_LOW_CONTRAST  "head_covering_low_contrast"
#define PHOTO_REASON_COVERING_NOT_SINGLE_COLOURED                              \
  "head_covering_not_single_coloured"
#define PHOTO_REASON_COVERING_NOT_SMOOTH "head_covering_not_smooth"

/* All reason codes, NULL-terminated, in the order above. */
extern const char *const photo_reason_codes[];

/* Every threshold of the checks, one field each, named and with the
 * default and the accepted range in config/photo-limits.def (the same list
 * defines the [photo] group of biokiosk.conf); docs/photo-validator.md
 * explains each. */
typedef struct {
#define PHOTO_LIMIT(key, def, lo, hi) double key;
#include "photo-limits.def"
#undef PHOTO_LIMIT
} PhotoLimits;

/* The defaults. */
void photo_limits_init(PhotoLimits *limits);

/* Sets the limit called `key` (a name of photo-limits.def, as in the
 * [photo] group). FALSE with G_KEY_FILE_ERROR_KEY_NOT_FOUND for an unknown
 * key and G_KEY_FILE_ERROR_INVALID_VALUE for a value out of its range. */
gboolean photo_limits_set(PhotoLimits *limits, const char *key, double value,
                          GError **error);

/* Sets every limit of `table` (limit name -> the number as text, as the
 * [photo] group of a configuration holds them; NULL sets none). FALSE at
 * the first unknown name, value that is not a number or value out of
 * range, with the error of photo_limits_set(). */
gboolean photo_limits_set_table(PhotoLimits *limits, GHashTable *table,
                                GError **error);

/* The validator's set-up. photo_config_init() fills in the defaults; a
 * caller may change fields before photo_validator_new(). */
typedef struct {
  char *cascade_dir; /* folder with the OpenCV Haar cascade XML files */
  /* dlib's 68-point shape predictor (Debian's libdlib-data); read once per
   * process and shared */
  char *landmark_model;
  PhotoLimits limits;
} PhotoConfig;

void photo_config_init(PhotoConfig *config);
void photo_config_clear(PhotoConfig *config);

typedef struct {
  gboolean head_covering_declared; /* religious or belief reasons */
  int age;                         /* years, or -1 when unknown (adult rules) */
  /* The empty background under the same light (any size; resampled), or
   * NULL. Makes the subject's outline, the crown and a light covering
   * measurable. */
  const BkImage *background;
  /* Original camera pixels per pixel of the image passed in (> 1 when the
   * caller decoded at a reduced scale); 0 means 1. Resolution checks and
   * the crop are in original pixels. */
  double source_scale;
} PhotoRequest;

typedef struct {
  const char *name; /* static string, e.g. "eye_distance_px" */
  double value;
} PhotoMeasure;

/* A closed polygon, e.g. the outline of a head covering, in the pixels of
 * the image passed in; n = 0 when there is none. */
typedef struct {
  double x[32], y[32];
  int n; /* points used, 0..32 */
} PhotoOutline;

typedef struct {
  PhotoVerdict verdict;
  /* Codes (static strings) that decided the verdict: the refusal reasons,
   * or for a referral the codes that caused it. Empty when accepted. What
   * the applicant is told; under a refusal they include the doubtful codes
   * about a declared covering, not a doubtful head_covering_not_declared
   * (hair may be taken for a covering: that is for the officer). */
  GPtrArray *reasons;
  /* Codes that were ambiguous (would refer) even when the verdict is refuse. */
  GPtrArray *referrals;
  GArray *measures; /* PhotoMeasure, in a stable order */
  int faces;        /* faces found */
  /* In the pixels of the image passed in: */
  double face_x, face_y, face_w, face_h;
  double eye_left_x, eye_left_y, eye_right_x,
      eye_right_y; /* image left/right */
  double crown_y, chin_y;
  /* The 35 x 45 crop in original pixels (see PhotoRequest.source_scale). */
  double crop_x, crop_y, crop_w, crop_h;
  gboolean has_crop;
  /* What the refusal screen draws over the photo, in the pixels of the
   * image passed in (all zero when not measured): the covering's outline
   * (n = 0 when no covering was found) and the box of a shadow on the face
   * or the backdrop (has_shadow FALSE when none). */
  PhotoOutline covering;
  double shadow_x, shadow_y, shadow_w, shadow_h;
  gboolean has_shadow;
} PhotoResult;

void photo_result_free(PhotoResult *result);
/* Looks a measure up by name; FALSE when it was not measured. */
gboolean photo_result_get_measure(const PhotoResult *result, const char *name,
                                  double *ret_value);
/* TRUE if `code` is among result->reasons. */
gboolean photo_result_has_reason(const PhotoResult *result, const char *code);

typedef struct _PhotoValidator PhotoValidator;

/* Loads the cascades. The config is copied. Thread-safe to use from one
 * thread at a time per validator; create one per thread otherwise. */
PhotoValidator *photo_validator_new(const PhotoConfig *config, GError **error);
void photo_validator_free(PhotoValidator *validator);
const PhotoConfig *photo_validator_get_config(const PhotoValidator *validator);

/* All checks on a decoded RGB (or grey/RGBA) image. Never fails: a photo
 * that cannot be judged is refused (no_face) or referred. Caller frees the
 * result. */
PhotoResult *photo_validate(PhotoValidator *validator, const BkImage *image,
                            const PhotoRequest *request);

/* The cheap variant for live-view frames (e.g. 960 x 640): the same checks
 * at a lower analysis resolution, without sharpness, colour detail and the
 * resolution check (a frame scaled for the screen says nothing about the
 * camera's still; too far away is head_too_small). The reasons are guidance
 * ("come closer" = head_too_small), sorted so that what the applicant can fix
 * by moving comes first: show the first. */
PhotoResult *photo_guide(PhotoValidator *validator, const BkImage *frame,
                         const PhotoRequest *request);

/* The 35 x 45 mm crop at config->crop_dpi, cut from `image`, whose pixels
 * are `to_original` original camera pixels each (1 for the full-resolution
 * camera image; request->source_scale for the image that was validated).
 * Areas outside the camera frame are filled white. Returns NULL when the
 * result has no crop (no face). Caller frees. */
BkImage *photo_crop(const PhotoValidator *validator, const BkImage *image,
                    double to_original, const PhotoResult *result);

/* The crop encoded for the record: JPEG at `quality` and lossless PNG. */
gboolean photo_crop_encode(const BkImage *crop, int quality, GBytes **ret_jpeg,
                           GBytes **ret_png, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PhotoResult, photo_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PhotoValidator, photo_validator_free)
