/* The photo step's kiosk side (issue 11, item 6) through the running
 * kiosk: the camera is the real libgphoto2 talking PTP/IP to the emulator
 * in tests/emulators/, the front end the real one, headless, driven by
 * synthetic touches.
 * - The empty backdrop is shot at start-up and is the calibration of the
 *   photo taken next (its measures carry the backdrop's time).
 * - A backdrop that drifts from the technician's reference is reported:
 *   the technician's calibration page and the footer.
 * - The automatic shot: after N good guidance checks a 3-2-1 countdown is
 *   shown and the still is taken by itself; a guidance failure during the
 *   countdown cancels it.
 * - The refusal screen for a light covering, a rolled head and an
 *   off-centre face shows its marks and figures, compared with
 *   tests/ui-reference/photo-refused-*.png (BK_UPDATE_REFERENCE=1 writes
 *   them; look at them before committing). */
#include <string.h>

#include "calibration.h"
#include "demo-media.h"
#include "demo.h"
#include "emulators/ptpip-camera.h"
#include "jpegio.h"
#include "kiosk-desk.h"
#include "photo-calibrate.h"
#include "pngio.h"
#include "technician-run.h"
#include "testlib-ui.h"
#include "testlib.h"

/* Under make test-asan: the kiosk in this process opens the camera through
 * libgphoto2, which loads its camera modules and unloads them again
 * (gp_abilities_list_load); a block one of their libraries' constructors
 * allocated (libde265, through libgd and libheif) then has no symbols
 * unless the stack is unwound in full, and tests/lsan.supp names it. The
 * ASAN_OPTIONS of the test setup still apply over this default. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
  return "fast_unwind_on_malloc=0";
}

#define SHOTS   "photo-kiosk-screens"
#define WAIT_US (40 * G_USEC_PER_SEC)
/* Screens are drawn from the same bytes every time; the allowance only
 * absorbs another machine's font and JPEG rounding. */
#define CHANNEL_SLACK  24
#define MAX_DIFF_SHARE 0.002

/* The countdown the front end was last asked to draw, and the largest. */
static int drawn_countdown, max_countdown;
static void (*real_render)(gpointer data, const KioskView *view);

static void render_spy(gpointer data, const KioskView *view)
{
  drawn_countdown = view->countdown;
  max_countdown = MAX(max_countdown, view->countdown);
  real_render(data, view);
}

/* An empty, evenly lit backdrop of `rgb` as the camera would see it. */
static GBytes *backdrop_jpeg(guint32 rgb)
{
  g_autoptr(BkImage) im = image_new(1200, 1600, 3);
  guint32 noise = 0x2545f491u;

  for (int y = 0; y < im->height; y++)
    for (int x = 0; x < im->width; x++) {
      guint8 *p = image_pixel(im, x, y);

      noise ^= noise << 13, noise ^= noise >> 17, noise ^= noise << 5;
      for (int c = 0; c < 3; c++)
        p[c] = (guint8)CLAMP(
            (int)((rgb >> (16 - 8 * c)) & 0xff) + (int)(noise % 7) - 3, 0, 255);
    }
  return jpegio_encode(im, 92, NULL);
}

static GBytes *media_file(KioskDesk *d, const char *name)
{
  g_autofree char *folder = config_resolve_path(
      d->config, g_hash_table_lookup(d->config->camera_options, "folder"));
  g_autofree char *path = g_build_filename(folder, name, NULL);
  char *data = NULL;
  gsize len = 0;

  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  return g_bytes_new_take(data, len);
}

/* The camera shows `jpeg` as its still and its live view. */
static void camera_sees(PtpipCamera *emu, GBytes *jpeg)
{
  ptpip_camera_set_still(emu, jpeg);
  ptpip_camera_set_frames(emu, &jpeg, 1);
}

static void open_desk(KioskDesk *d, PtpipCamera *emu, const char *extra)
{
  g_autofree char *address = ptpip_camera_address(emu);
  g_autofree char *port = g_strdup_printf("camera.port=%s", address);

  kiosk_desk_open(d, (const char *const[]){
                         "devices.camera=gphoto2", port, "devices.reader=sim",
                         "photo.backdrop_idle_s=1", extra, NULL});
  real_render = d->fe.render;
  d->fe.render = render_spy;
}

/* Runs the kiosk until `done` or WAIT_US. */
static gboolean run_until(KioskDesk *d, gboolean (*done)(KioskDesk *d))
{
  gint64 end = g_get_monotonic_time() + WAIT_US;

  while (!done(d) && g_get_monotonic_time() < end) {
    kiosk_desk_settle(d);
    g_usleep(20000);
  }
  return done(d);
}

static gboolean has_backdrop(KioskDesk *d)
{
  return photo_calibrator_backdrop(app_backdrop(d->app)) != NULL;
}

static gboolean photo_answered(KioskDesk *d)
{
  return kiosk_desk_has_button(d, VIEW_BUTTON_RETAKE);
}

static gboolean counting(KioskDesk *d)
{
  return drawn_countdown > 0;
}

/* The person's photo step (the officer declares a covering or not). */
static void to_photo(KioskDesk *d, gboolean covering)
{
  kiosk_desk_walk_to(d, SESSION_OFFICER_CHECK);
  if (covering)
    kiosk_desk_touch(d, VIEW_BUTTON_HEAD_COVERING);
  kiosk_desk_touch(d, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_assert_cmpint(kiosk_desk_state(d), ==, SESSION_PHOTO);
}

static PtpipCamera *emulator(void)
{
  g_autoptr(GError) error = NULL;
  PtpipCamera *emu = ptpip_camera_new(&error);

  if (!emu)
    testlib_skip_all("no PTP/IP emulator: %s", error->message);
  return emu;
}

/* Start-up backdrop, then the automatic shot with it as calibration. */
static void test_backdrop_and_auto_capture(void)
{
  g_autoptr(PtpipCamera) emu = emulator();
  g_autoptr(GBytes) empty = backdrop_jpeg(0xf4f4f2);
  g_autoptr(GBytes) portrait = NULL;
  PhotoBackdrop *b;
  double at = 0;
  KioskDesk d;

  camera_sees(emu, empty);
  open_desk(&d, emu, "photo.auto_capture_frames=3");
  g_assert_true(run_until(&d, has_backdrop));
  b = photo_calibrator_backdrop(app_backdrop(d.app));
  g_assert_cmpfloat(b->values.brightness, >, 230);
  g_assert_nonnull(
      strstr(photo_calibrator_status(app_backdrop(d.app), NULL), "taken"));

  portrait = media_file(&d, DEMO_MEDIA_ADULT ".jpg");
  camera_sees(emu, portrait);
  to_photo(&d, FALSE);
  g_assert_true(run_until(&d, photo_answered));
  /* Nobody pressed Take: the countdown ran from 3 and the still came. */
  g_assert_cmpint(max_countdown, ==, 3);
  g_assert_cmpint(drawn_countdown, ==, 0);
  g_assert_true(g_variant_lookup(app_photo_measures(d.app),
                                 "backdrop_captured_at", "d", &at));
  b = photo_calibrator_backdrop(app_backdrop(d.app));
  g_assert_cmpfloat(at, ==, (double)b->values.captured_at);
  kiosk_desk_close(&d);
}

/* A guidance failure during the countdown cancels it: no still. */
static void test_auto_capture_cancelled(void)
{
  g_autoptr(PtpipCamera) emu = emulator();
  g_autoptr(GBytes) empty = backdrop_jpeg(0xf4f4f2);
  g_autoptr(GBytes) portrait = NULL;
  guint captures;
  KioskDesk d;

  camera_sees(emu, empty);
  open_desk(&d, emu, "photo.auto_capture_frames=3");
  g_assert_true(run_until(&d, has_backdrop));
  portrait = media_file(&d, DEMO_MEDIA_ADULT ".jpg");
  ptpip_camera_set_frames(emu, &portrait, 1);
  to_photo(&d, FALSE);
  g_assert_true(run_until(&d, counting));
  captures = ptpip_camera_count(emu, PTPIP_COUNT_CAPTURES);
  /* The applicant steps away: the frame has no face. */
  ptpip_camera_set_frames(emu, &empty, 1);
  max_countdown = 0;
  for (gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
       g_get_monotonic_time() < end;) {
    kiosk_desk_settle(&d);
    g_usleep(20000);
  }
  g_assert_cmpint(drawn_countdown, ==, 0);
  g_assert_cmpuint(ptpip_camera_count(emu, PTPIP_COUNT_CAPTURES), ==, captures);
  g_assert_false(photo_answered(&d));
  g_assert_true(kiosk_desk_has_button(&d, VIEW_BUTTON_TAKE));
  kiosk_desk_close(&d);
}

static gboolean drifted(KioskDesk *d)
{
  gboolean drift = FALSE;

  photo_calibrator_status(app_backdrop(d->app), &drift);
  return drift;
}

/* The light changes after the technician's calibration: reported. */
static void test_drift_reported(void)
{
  g_autoptr(PtpipCamera) emu = emulator();
  g_autoptr(GBytes) empty = backdrop_jpeg(0xf4f4f2);
  g_autoptr(GBytes) bluish = backdrop_jpeg(0xc8d0f4);
  g_autoptr(GError) error = NULL;
  const KioskView *v;
  KioskDesk d;

  camera_sees(emu, empty);
  open_desk(&d, emu, NULL);
  g_assert_true(run_until(&d, has_backdrop));
  g_assert_false(drifted(&d));
  /* The technician's reference is this light. */
  g_assert_true(calibration_save(
      d.dir, empty, &photo_calibrator_backdrop(app_backdrop(d.app))->values,
      &error));
  g_assert_no_error(error);
  camera_sees(emu, bluish);
  g_assert_true(run_until(&d, drifted));
  g_assert_nonnull(strstr(photo_calibrator_status(app_backdrop(d.app), NULL),
                          "white balance blue"));
  g_assert_nonnull(
      strstr(photo_calibrator_status(app_backdrop(d.app), NULL), "brightness"));
  v = session_view(app_session(d.app));
  g_assert_nonnull(strstr(v->footer, "backdrop light has changed"));
  kiosk_desk_close(&d);
}

static int count_differences(const BkImage *a, const BkImage *b)
{
  int diff = 0;

  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++) {
      const guint8 *p = image_pixel(a, x, y), *q = image_pixel(b, x, y);
      int c = 0;

      while (c < a->channels && ABS(p[c] - q[c]) <= CHANNEL_SLACK)
        c++;
      diff += c < a->channels;
    }
  return diff;
}

/* The screen against tests/ui-reference/photo-refused-<name>.png. */
static void compare_screen(KioskDesk *d, const char *name)
{
  g_autofree char *file = g_strdup_printf("photo-refused-%s", name);
  g_autofree char *shot = NULL;
  g_autofree char *rel = NULL;
  g_autofree char *ref = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BkImage) actual = NULL;
  g_autoptr(BkImage) expected = NULL;
  int diff;

  kiosk_desk_screenshot(d, SHOTS, file);
  if (g_strcmp0(g_getenv("BK_UPDATE_REFERENCE"), "1") == 0)
    return;
  shot = testlib_ui_screen_path(SHOTS, file);
  rel = g_strdup_printf("tests/ui-reference/%s.png", file);
  ref = testlib_source_path(rel);
  actual = pngio_read_file(shot, &error);
  g_assert_no_error(error);
  expected = pngio_read_file(ref, &error);
  g_assert_no_error(error);
  g_assert_cmpint(actual->width, ==, expected->width);
  g_assert_cmpint(actual->height, ==, expected->height);
  diff = count_differences(actual, expected);
  g_test_message("%s: %d pixels differ", name, diff);
  g_assert_cmpint(diff, <=,
                  (int)(MAX_DIFF_SHARE * actual->width * actual->height));
}

/* Takes the scenario's still and checks the refusal screen. */
static void refusal(KioskDesk *d, PtpipCamera *emu, const char *scenario,
                    const char *name, const char *figure)
{
  g_autofree char *file = g_strdup_printf("scenario-%s.jpg", scenario);
  g_autoptr(GBytes) still = media_file(d, file);
  const KioskView *v;

  camera_sees(emu, still);
  kiosk_desk_touch(d, VIEW_BUTTON_TAKE);
  g_assert_true(run_until(d, photo_answered));
  v = session_view(app_session(d->app));
  g_assert_true(v->warning);
  g_assert_cmpint(v->n_marks, >, 0);
  g_assert_true(kiosk_desk_says(d, figure));
  g_assert_true(g_variant_lookup(app_photo_measures(d->app),
                                 "backdrop_captured_at", "d", NULL));
  compare_screen(d, name);
  kiosk_desk_touch(d, VIEW_BUTTON_RETAKE);
}

static void test_refusal_screens(void)
{
  g_autoptr(PtpipCamera) emu = emulator();
  g_autoptr(GBytes) empty = backdrop_jpeg(0xf4f4f2);
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  KioskDesk d;

  for (int covering = 0; covering < 2; covering++) {
    camera_sees(emu, empty);
    open_desk(&d, emu, NULL);
    folder = config_resolve_path(
        d.config, g_hash_table_lookup(d.config->camera_options, "folder"));
    g_assert_true(demo_media_write_scenarios(folder, &error));
    g_assert_no_error(error);
    g_clear_pointer(&folder, g_free);
    g_assert_true(run_until(&d, has_backdrop));
    to_photo(&d, covering);
    if (covering) {
      refusal(&d, emu, "covering-white", "light-covering", "lightness");
    } else {
      refusal(&d, emu, "head-rolled", "rolled-head", "degrees");
      refusal(&d, emu, "off-centre", "off-centre", "mm to the side");
    }
    kiosk_desk_close(&d);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* The demo key and the demo PIN are warned about: expected here. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func("/photo-kiosk/backdrop-and-auto-capture",
                  test_backdrop_and_auto_capture);
  g_test_add_func("/photo-kiosk/auto-capture-cancelled",
                  test_auto_capture_cancelled);
  g_test_add_func("/photo-kiosk/drift-reported", test_drift_reported);
  g_test_add_func("/photo-kiosk/refusal-screens", test_refusal_screens);
  return g_test_run();
}
