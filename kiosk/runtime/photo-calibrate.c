/* See photo-calibrate.h. */
#include "photo-calibrate.h"

#include <gio/gio.h>
#include <math.h>

#include "jpegio.h"
#include "log.h"
#include "photo-auto.h"
#include "settings.h"

/* A shot that failed (camera away, someone in frame) is tried again after
 * this long, or after backdrop_idle_s when that is shorter. */
#define RETRY_US (60 * G_USEC_PER_SEC)

/* ---- the backdrop ---- */

static void backdrop_clear(gpointer data)
{
  PhotoBackdrop *b = data;

  g_clear_pointer(&b->image, image_free);
}

PhotoBackdrop *photo_backdrop_ref(PhotoBackdrop *b)
{
  return g_atomic_rc_box_acquire(b);
}

void photo_backdrop_unref(PhotoBackdrop *b)
{
  if (b)
    g_atomic_rc_box_release_full(b, backdrop_clear);
}

/* Nobody in front of the camera: the live-view check finds no face. */
static gboolean nobody_in(PhotoValidator *validator, const BkImage *image)
{
  PhotoRequest request = {.age = -1};
  g_autoptr(PhotoResult) r = photo_guide(validator, image, &request);

  return r->faces == 0;
}

PhotoBackdrop *photo_backdrop_from_jpeg(PhotoValidator *validator, GBytes *jpeg,
                                        int width, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(BkImage) image =
      jpegio_decode(g_bytes_get_data(jpeg, NULL), g_bytes_get_size(jpeg), width,
                    0, FALSE, &local);
  PhotoBackdrop *b;

  if (!image) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "the backdrop shot is unreadable: %s", local->message);
    return NULL;
  }
  if (!nobody_in(validator, image)) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                        "someone is in front of the camera");
    return NULL;
  }
  b = g_atomic_rc_box_new0(PhotoBackdrop);
  calibration_measure(image, &b->values);
  b->values.captured_at = g_get_real_time() / G_USEC_PER_SEC;
  b->image = g_steal_pointer(&image);
  return b;
}

/* ---- drift ---- */

static void drift_add(GString *s, const char *what, double now, double ref,
                      double limit, int decimals)
{
  if (fabs(now - ref) <= limit)
    return;
  g_string_append_printf(s, "%s%s %.*f (reference %.*f, limit +-%.*f)",
                         s->len ? "; " : "", what, decimals, now, decimals, ref,
                         decimals, limit);
}

char *photo_backdrop_drift(const KioskConfig *config, const Calibration *ref,
                           const Calibration *now)
{
  GString *s = g_string_new(NULL);
  double wb = photo_setting(config, "backdrop_drift_white_balance");

  if (ref) {
    drift_add(s, "brightness", now->brightness, ref->brightness,
              photo_setting(config, "backdrop_drift_brightness"), 0);
    drift_add(s, "uniformity", now->uniformity, ref->uniformity,
              photo_setting(config, "backdrop_drift_uniformity"), 2);
    drift_add(s, "white balance red", now->gain_r, ref->gain_r, wb, 2);
    drift_add(s, "white balance green", now->gain_g, ref->gain_g, wb, 2);
    drift_add(s, "white balance blue", now->gain_b, ref->gain_b, wb, 2);
  }
  if (!calibration_acceptable(now))
    g_string_append_printf(s,
                           "%stoo dark or uneven for a backdrop (brightness "
                           "%.0f, at least %.0f; uniformity %.2f, at least "
                           "%.2f)",
                           s->len ? "; " : "", now->brightness,
                           CALIBRATION_MIN_BRIGHTNESS, now->uniformity,
                           CALIBRATION_MIN_UNIFORMITY);
  return g_string_free(s, s->len == 0);
}

/* ---- the schedule ---- */

struct PhotoCalibrator {
  const KioskConfig *config;
  gint64 idle_us; /* < 0 never again; 0 start-up only */
  gint64 due_us;  /* G_MAXINT64: none planned */
  gboolean asked;
  PhotoBackdrop *backdrop;
  char *status;
  gboolean drifted;
};

PhotoCalibrator *photo_calibrator_new(const KioskConfig *config, gint64 now_us)
{
  PhotoCalibrator *c = g_new0(PhotoCalibrator, 1);
  double idle_s = photo_setting(config, "backdrop_idle_s");

  c->config = config;
  c->idle_us = idle_s < 0 ? -1 : (gint64)(idle_s * G_USEC_PER_SEC);
  c->due_us = idle_s < 0 ? G_MAXINT64 : now_us; /* at start-up */
  return c;
}

void photo_calibrator_free(PhotoCalibrator *c)
{
  if (!c)
    return;
  photo_backdrop_unref(c->backdrop);
  g_free(c->status);
  g_free(c);
}

/* The next shot: after backdrop_idle_s once there is a backdrop (never
 * with 0), and until there is one, RETRY_US (or backdrop_idle_s when that
 * is shorter) after a failure or the last moment someone was there. */
static void plan(PhotoCalibrator *c, gint64 now_us)
{
  if (c->idle_us < 0)
    c->due_us = G_MAXINT64;
  else if (c->backdrop)
    c->due_us = c->idle_us > 0 ? now_us + c->idle_us : G_MAXINT64;
  else
    c->due_us =
        now_us + (c->idle_us > 0 ? MIN(c->idle_us, RETRY_US) : RETRY_US);
}

void photo_calibrator_busy(PhotoCalibrator *c, gint64 now_us)
{
  plan(c, now_us);
}

gboolean photo_calibrator_due(const PhotoCalibrator *c, gint64 now_us)
{
  return !c->asked && now_us >= c->due_us;
}

gint64 photo_calibrator_deadline(const PhotoCalibrator *c)
{
  return c->asked ? G_MAXINT64 : c->due_us;
}

void photo_calibrator_asked(PhotoCalibrator *c)
{
  c->asked = TRUE;
}

static void set_status(PhotoCalibrator *c, char *status, gboolean drifted)
{
  g_free(c->status);
  c->status = status;
  c->drifted = drifted;
}

/* A new backdrop, compared with the reference; `used` when it passed the
 * absolute limits and is the calibration from now on. */
static gboolean taken(PhotoCalibrator *c, PhotoBackdrop *b, gboolean used)
{
  g_autofree char *state_dir = config_resolve_path(c->config, ".");
  g_autoptr(GDateTime) at =
      g_date_time_new_from_unix_local(b->values.captured_at);
  g_autofree char *when = g_date_time_format(at, "%H:%M");
  Calibration ref;
  gboolean have_ref = calibration_load(state_dir, &ref, NULL, NULL);
  g_autofree char *drift =
      photo_backdrop_drift(c->config, have_ref ? &ref : NULL, &b->values);

  if (drift) {
    log_event(G_LOG_LEVEL_MESSAGE, LOG_EVENT_BACKDROP, NULL,
              "backdrop drifted: %s", drift);
    set_status(c,
               g_strdup_printf("taken %s, %s: %s", when,
                               used ? "drifted" : "not used", drift),
               TRUE);
  } else {
    log_event(G_LOG_LEVEL_INFO, LOG_EVENT_BACKDROP, NULL,
              "backdrop taken: brightness %.0f, uniformity %.2f%s",
              b->values.brightness, b->values.uniformity,
              have_ref ? ", within the reference's limits" : "");
    set_status(c,
               g_strdup_printf("taken %s, within limits%s", when,
                               have_ref ? "" : " (no reference taken yet)"),
               FALSE);
  }
  return TRUE;
}

gboolean photo_calibrator_done(PhotoCalibrator *c, PhotoBackdrop *b,
                               const GError *error, gint64 now_us)
{
  c->asked = FALSE;
  if (b) {
    gboolean used = calibration_acceptable(&b->values);

    if (used) {
      photo_backdrop_unref(c->backdrop);
      c->backdrop = photo_backdrop_ref(b);
    }
    plan(c, now_us);
    return taken(c, b, used);
  }
  /* Not a backdrop (someone in frame, no camera): the last one stays in
   * use and the technician's status as it was; the journal has it. */
  plan(c, now_us);
  log_event(G_LOG_LEVEL_INFO, LOG_EVENT_BACKDROP, NULL,
            "backdrop not taken: %s", error ? error->message : "?");
  return FALSE;
}

PhotoBackdrop *photo_calibrator_backdrop(PhotoCalibrator *c)
{
  return c->backdrop;
}

const char *photo_calibrator_status(const PhotoCalibrator *c,
                                    gboolean *ret_drifted)
{
  if (ret_drifted)
    *ret_drifted = c->drifted;
  return c->status;
}

gboolean photo_calibrator_drifted(const PhotoCalibrator *c)
{
  return c->drifted;
}
