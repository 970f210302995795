/* The technician screen end to end (docs/appliance.md): the running kiosk
 * with the simulated devices and the real front end under SDL's offscreen
 * driver, driven by synthetic touches through the front end's own hit
 * testing. From the check-in screen's Service control: a wrong PIN, the
 * right one, each device's live test (test shot, test finger, test stroke),
 * the camera settings, the queue and clock, the backdrop calibration (its
 * files in the state folder) and the export (the diagnose report in the
 * export folder, in the format of `biokiosk diagnose`), then Close back to
 * check-in. Each screen is compared with tests/ui-reference/technician-*.png
 * (BK_UPDATE_REFERENCE=1 rewrites them: look at them before committing).
 * Screens with the time, free space or timings on them are compared with a
 * small allowance of changed pixels; the others exactly. */
#include <glib/gstdio.h>
#include <string.h>

#include "app.h"
#include "calibration.h"
#include "demo.h"
#include "demo-media.h"
#include "fpreader.h"
#include "image.h"
#include "pngio.h"
#include "settings.h"
#include "technician-run.h"
#include "testlib-ui.h"
#include "testlib.h"
#include "training.h"
#include "ui.h"

/* Pixels that may differ on a screen with live figures (clock, sizes,
 * timings): about 2 % of 1280 x 800. */
#define LIVE_ALLOWANCE 20000

typedef struct {
  char *dir;
  char *export_dir;
  KioskConfig *config;
  Ui *ui;
  Frontend fe;
  App *app;
} Kiosk;

static void kiosk_set(Kiosk *k, const char *assignment)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(config_override(k->config, assignment, &error));
  g_assert_no_error(error);
}

static void kiosk_start(Kiosk *k)
{
  g_autoptr(GError) error = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  g_autofree char *state = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *export = NULL;
  g_autofree char *media = NULL;

  k->dir = testlib_mkdtemp();
  k->export_dir = g_build_filename(k->dir, "usb", NULL);
  g_assert_cmpint(g_mkdir(k->export_dir, 0700), ==, 0);
  k->config = config_load(NULL, &error);
  g_assert_no_error(error);
  state = g_strdup_printf("paths.state_dir=%s/state", k->dir);
  kiosk_set(k, state);
  /* The technician PIN: the demo officer PIN's hash will do here. */
  pin = g_strdup_printf("kiosk.technician_pin_hash=%s",
                        k->config->officer_pin_hash);
  kiosk_set(k, pin);
  export = g_strdup_printf("kiosk.technician_export_dir=%s", k->export_dir);
  kiosk_set(k, export);
  /* The simulated camera's pictures, as the demo makes them. */
  media = config_resolve_path(
      k->config, g_hash_table_lookup(k->config->camera_options, "folder"));
  g_assert_true(demo_media_write_portraits(media, &error));
  g_assert_no_error(error);
  /* As main() does, before any thread starts. */
  config_resolve_option_paths(k->config, k->config->reader_options);
  g_assert_true(fpreader_prepare(k->config->reader_backend,
                                 k->config->reader_options, &error));
  g_assert_no_error(error);
  k->ui = ui_new(&options, &error);
  g_assert_no_error(error);
  k->fe = testlib_ui_frontend(k->ui);
  k->app = app_new(k->config, &error);
  g_assert_no_error(error);
  app_render(k->app, &k->fe);
}

static void kiosk_stop(Kiosk *k)
{
  app_free(k->app);
  ui_free(k->ui);
  config_free(k->config);
  testlib_rmtree(k->dir);
  g_free(k->dir);
  g_free(k->export_dir);
}

/* A touch on `target`, then everything it started, until it is done. */
static void touch(Kiosk *k, const char *target)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(k->fe.press(k->fe.data, target));
  g_assert_true(app_settle(k->app, &k->fe, 60 * G_USEC_PER_SEC, &error));
  g_assert_no_error(error);
}

static void type_pin(Kiosk *k, const char *pin)
{
  for (const char *p = pin; *p; p++) {
    char key[2] = {*p, 0};
    touch(k, key);
  }
  touch(k, VIEW_KEY_OK);
}

static Technician *tech(Kiosk *k)
{
  return techrun_technician(app_technician(k->app));
}

static const KioskView *view(Kiosk *k)
{
  return technician_view(tech(k), NULL);
}

/* The row labelled `label` on the current page, or NULL. */
static const ViewRow *row(Kiosk *k, const char *label)
{
  const KioskView *v = view(k);

  for (int i = 0; i < v->panel.n_rows; i++)
    if (g_strcmp0(v->panel.rows[i].label, label) == 0)
      return &v->panel.rows[i];
  return NULL;
}

static int count_diff(const BkImage *a, const BkImage *b)
{
  int diff = 0;

  if (a->width != b->width || a->height != b->height ||
      a->channels != b->channels)
    return G_MAXINT;
  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      diff +=
          memcmp(image_pixel(a, x, y), image_pixel(b, x, y), a->channels) != 0;
  return diff;
}

/* Compares the last frame with tests/ui-reference/technician-<name>.png,
 * allowing `allowance` pixels to differ. */
static void screen(Kiosk *k, const char *name, int allowance)
{
  g_autofree char *file = g_strdup_printf("technician-%s.png", name);
  g_autofree char *rel = g_build_filename("tests", "ui-reference", file, NULL);
  g_autofree char *ref = testlib_source_path(rel);
  g_autofree char *out_dir = testlib_build_path("ui-actual");
  g_autofree char *out = g_build_filename(out_dir, file, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkImage) actual = NULL;
  g_autoptr(BkImage) expected = NULL;
  int diff;

  app_render(k->app, &k->fe);
  g_mkdir_with_parents(out_dir, 0755);
  g_assert_true(ui_screenshot(k->ui, out, &error));
  g_assert_no_error(error);
  if (g_strcmp0(g_getenv("BK_UPDATE_REFERENCE"), "1") == 0) {
    g_assert_true(ui_screenshot(k->ui, ref, &error));
    g_test_message("wrote %s: look at it before committing", ref);
    return;
  }
  actual = pngio_read_file(out, &error);
  g_assert_no_error(error);
  expected = pngio_read_file(ref, &error);
  g_assert_no_error(error);
  diff = count_diff(actual, expected);
  if (diff > allowance)
    g_test_fail_printf("%s differs from its reference in %d pixels (at most "
                       "%d); the frame is in %s",
                       file, diff, allowance, out);
}

/* The camera is opened on its worker at start-up; the devices page shows
 * it ready once it is. */
static void wait_camera_ready(Kiosk *k)
{
  gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

  for (;;) {
    touch(k, VIEW_TAB_PREFIX "devices");
    if (row(k, "State") && row(k, "State")->status == VIEW_ROW_OK)
      return;
    g_assert_cmpint(g_get_monotonic_time(), <, end);
    g_usleep(100 * 1000);
  }
}

static void test_unlock(Kiosk *k)
{
  /* The check-in screen carries the Service control. */
  screen(k, "checkin", LIVE_ALLOWANCE);
  touch(k, VIEW_BUTTON_TECHNICIAN);
  g_assert_cmpint(technician_mode(tech(k)), ==, TECHNICIAN_PIN);
  type_pin(k, "1111");
  g_assert_true(view(k)->warning);
  screen(k, "pin-wrong", 0);
  type_pin(k, APP_DEMO_PIN);
  g_assert_cmpint(technician_mode(tech(k)), ==, TECHNICIAN_OPEN);
  g_assert_cmpint(technician_page(tech(k)), ==, TECHNICIAN_PAGE_DEVICES);
}

/* Each device's live test shows its picture and caption. */
static void test_devices(Kiosk *k)
{
  wait_camera_ready(k);
  touch(k, VIEW_BUTTON_TEST_SHOT);
  g_test_message("test shot: %s", view(k)->image_caption);
  g_assert_nonnull(view(k)->image.pixels);
  g_assert_true(g_str_has_prefix(view(k)->image_caption, "Test shot: "));
  g_assert_false(view(k)->warning);
  screen(k, "devices", LIVE_ALLOWANCE);
  touch(k, VIEW_BUTTON_TEST_FINGER);
  g_assert_nonnull(view(k)->image.pixels);
  g_assert_true(g_str_has_prefix(view(k)->image_caption, "Test finger: "));
  screen(k, "finger", 0);
  touch(k, VIEW_BUTTON_TEST_STROKE);
  g_assert_nonnull(view(k)->image.pixels);
  g_assert_true(g_str_has_prefix(view(k)->image_caption, "Test stroke: "));
  screen(k, "stroke", LIVE_ALLOWANCE);
}

static void test_camera_and_system(Kiosk *k)
{
  touch(k, VIEW_TAB_PREFIX "camera");
  g_assert_nonnull(row(k, "iso"));
  screen(k, "camera", LIVE_ALLOWANCE);
  touch(k, VIEW_TAB_PREFIX "system");
  g_assert_nonnull(row(k, "Waiting"));
  g_assert_cmpint(row(k, "Waiting")->status, ==, VIEW_ROW_OK);
  g_assert_nonnull(row(k, "Free disk"));
  g_assert_nonnull(row(k, "Clock sync"));
  screen(k, "system", LIVE_ALLOWANCE);
}

static void test_calibration(Kiosk *k)
{
  g_autofree char *state = g_build_filename(k->dir, "state", NULL);
  g_autoptr(GError) error = NULL;
  Calibration c;

  touch(k, VIEW_TAB_PREFIX "calibration");
  g_assert_cmpint(row(k, "Backdrop")->status, ==, VIEW_ROW_WARN);
  touch(k, VIEW_BUTTON_CALIBRATE);
  g_assert_true(calibration_load(state, &c, NULL, &error));
  g_assert_no_error(error);
  g_assert_cmpint(c.width, >, 0);
  g_assert_cmpfloat(c.brightness, >, 0);
  g_assert_cmpfloat(c.uniformity, >, 0);
  g_assert_cmpfloat(c.uniformity, <=, 1);
  g_assert_nonnull(row(k, "White balance"));
  screen(k, "calibration", LIVE_ALLOWANCE);
}

/* The export folder gets the diagnose report (and the log where there is
 * a journal to read; here there may be none, which the screen says). */
static void test_export(Kiosk *k)
{
  g_autoptr(GDir) dir = NULL;
  g_autofree char *report = NULL;
  const char *name;

  touch(k, VIEW_TAB_PREFIX "export");
  g_assert_cmpint(row(k, "Export folder")->status, ==, VIEW_ROW_OK);
  touch(k, VIEW_BUTTON_EXPORT);
  dir = g_dir_open(k->export_dir, 0, NULL);
  while ((name = g_dir_read_name(dir)))
    if (g_str_has_suffix(name, "-diagnose.txt")) {
      g_autofree char *path = g_build_filename(k->export_dir, name, NULL);
      g_assert_true(g_file_get_contents(path, &report, NULL, NULL));
    }
  g_assert_nonnull(report);
  g_test_message("%s", report);
  g_assert_nonnull(strstr(report, "camera   sim       "));
  g_assert_nonnull(strstr(report, "\nreader   libfprint "));
  g_assert_nonnull(strstr(report, "\npad      sim       "));
  g_assert_nonnull(strstr(report, "all devices answered\n"));
  g_assert_nonnull(strstr(report, "\ndisk     "));
  g_assert_nonnull(strstr(report, "\nclock    "));
  g_assert_nonnull(strstr(view(k)->image_caption, k->export_dir));
  screen(k, "export", LIVE_ALLOWANCE);
}

static void test_screen(void)
{
  Kiosk k = {0};

  kiosk_start(&k);
  test_unlock(&k);
  test_devices(&k);
  test_camera_and_system(&k);
  test_calibration(&k);
  test_export(&k);
  touch(&k, VIEW_BUTTON_CLOSE);
  g_assert_cmpint(technician_mode(tech(&k)), ==, TECHNICIAN_CLOSED);
  g_assert_cmpint(session_view(app_session(k.app))->screen, ==, VIEW_CHECKIN);
  kiosk_stop(&k);
}

/* Without a technician PIN the check-in screen has no Service control. */
static void test_no_pin(void)
{
  g_autoptr(GError) error = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *state = g_strdup_printf("paths.state_dir=%s", dir);
  g_autoptr(KioskConfig) config = config_load(NULL, &error);
  g_autoptr(Ui) ui = NULL;
  Frontend fe;
  App *app;

  g_assert_true(config_override(config, state, &error));
  ui = ui_new(&options, &error);
  fe = testlib_ui_frontend(ui);
  app = app_new(config, &error);
  g_assert_no_error(error);
  app_render(app, &fe);
  g_assert_false(fe.press(fe.data, VIEW_BUTTON_TECHNICIAN));
  app_free(app);
  testlib_rmtree(dir);
}

/* Training mode: the screen opens with the printed training PIN, without
 * a technician PIN configured, and its training page lists the codes. */
static void test_training(void)
{
  g_autoptr(GError) error = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  Kiosk k = {0};
  g_autofree char *state = NULL;
  FILE *out = fopen("/dev/null", "w");

  k.dir = testlib_mkdtemp();
  state = g_strdup_printf("paths.state_dir=%s", k.dir);
  k.config = config_load(NULL, &error);
  kiosk_set(&k, state);
  g_assert_true(training_prepare(k.config, NULL, &error));
  g_assert_no_error(error);
  k.ui = ui_new(&options, &error);
  g_assert_no_error(error);
  k.fe = testlib_ui_frontend(k.ui);
  k.app = app_new(k.config, &error);
  g_assert_no_error(error);
  g_assert_true(training_start(k.app, k.config, out, &error));
  g_assert_no_error(error);
  fclose(out);
  app_render(k.app, &k.fe);
  touch(&k, VIEW_BUTTON_TECHNICIAN);
  type_pin(&k, DEMO_PIN);
  g_assert_cmpint(technician_mode(tech(&k)), ==, TECHNICIAN_OPEN);
  touch(&k, VIEW_TAB_PREFIX "training");
  g_assert_cmpstr(row(&k, "Officer PIN")->value, ==, DEMO_PIN);
  g_assert_nonnull(row(&k, DEMO_CODE));
  screen(&k, "training", LIVE_ALLOWANCE);
  kiosk_stop(&k);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* The demo key's warning is expected: these kiosks use it. */
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func("/technician/screen", test_screen);
  g_test_add_func("/technician/no-pin", test_no_pin);
  g_test_add_func("/technician/training", test_training);
  return g_test_run();
}
