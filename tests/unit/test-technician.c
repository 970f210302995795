/* The technician screen's state machine (kiosk/core/technician.h): the
 * check-in control opens the PIN screen only with a technician PIN
 * configured; a right PIN opens the pages, wrong ones lock it like the
 * officer's; tabs, actions, results, closing and the idle timeout; and the
 * technician_pin_hash key (empty, or a whole argon2id hash). */
#include <gio/gio.h>
#include <string.h>

#include "calibration.h"
#include "settings.h"
#include "technician.h"
#include "testlib.h"

#define SEC      G_USEC_PER_SEC
#define GOOD_PIN "13579"
/* A whole argon2id hash in the accepted form (not of any PIN: the test's
 * own PIN check decides). */
#define SOME_HASH                                                              \
  "$argon2id$v=19$m=65536,t=2,p=1$DXQlII0UR8hzSUUhUK/8lA$OXbt1YP/9WXAito6edg"  \
  "/sVFZrDi2X5CovQGuJ1sf4CU"

typedef struct {
  KioskConfig *config;
  Technician *tech;
  gint64 now;
  int pin_checks;
} Fixture;

static gboolean check_pin(const char *pin, gpointer data)
{
  Fixture *f = data;

  f->pin_checks++;
  return g_str_equal(pin, GOOD_PIN);
}

static void set_up(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->config = config_load(NULL, &error);
  g_assert_no_error(error);
  if (data) {
    g_assert_true(config_override(
        f->config, "kiosk.technician_pin_hash=" SOME_HASH, &error));
    g_assert_no_error(error);
  }
  f->now = 1000 * SEC;
  f->tech = technician_new(f->config, FALSE, check_pin, f);
}

static void tear_down(Fixture *f, gconstpointer data)
{
  technician_free(f->tech);
  config_free(f->config);
}

static gboolean button(Fixture *f, const char *id)
{
  KioskIntent intent = {.type = INTENT_BUTTON};

  g_strlcpy(intent.button, id, sizeof intent.button);
  return technician_handle_intent(f->tech, &intent, f->now);
}

static void type_pin(Fixture *f, const char *pin)
{
  for (const char *p = pin; *p; p++) {
    KioskIntent key = {.type = INTENT_KEY, .key = *p};
    g_assert_true(technician_handle_intent(f->tech, &key, f->now));
  }
  {
    KioskIntent ok = {.type = INTENT_SUBMIT};
    g_assert_true(technician_handle_intent(f->tech, &ok, f->now));
  }
}

/* The types of the pending requests, as page names / short words. */
static char *drain(Fixture *f)
{
  static const char *const names[] = {
      "refresh", "shot",    "finger", "stroke", "calibrate",
      "export",  "lockout", "cancel", "audit",
  };
  GString *out = g_string_new(NULL);
  TechnicianRequest req;

  while (technician_next_request(f->tech, &req)) {
    g_string_append_printf(out, "%s%s", out->len ? " " : "", names[req.type]);
    if (req.type == TECHNICIAN_REQ_REFRESH)
      g_string_append_printf(out, ":%s", technician_page_name(req.page));
    if (req.type == TECHNICIAN_REQ_AUDIT)
      g_string_append_printf(out, ":%s", req.event);
  }
  return g_string_free(out, FALSE);
}

static gboolean has_button(const KioskView *v, const char *id, gboolean enabled)
{
  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return v->buttons[i].enabled == enabled;
  return FALSE;
}

static void open_screen(Fixture *f)
{
  g_autofree char *reqs = NULL;

  g_assert_true(button(f, VIEW_BUTTON_TECHNICIAN));
  g_assert_cmpint(technician_mode(f->tech), ==, TECHNICIAN_PIN);
  type_pin(f, GOOD_PIN);
  g_assert_cmpint(technician_mode(f->tech), ==, TECHNICIAN_OPEN);
  reqs = drain(f);
  g_assert_cmpstr(reqs, ==, "audit:technician.unlocked refresh:devices");
}

/* Without a technician PIN there is no screen: the control does nothing
 * (and the runtime does not show it). */
static void test_disabled(Fixture *f, gconstpointer data)
{
  KioskIntent key = {.type = INTENT_KEY, .key = '1'};

  g_assert_false(technician_enabled(f->tech));
  g_assert_true(button(f, VIEW_BUTTON_TECHNICIAN));
  g_assert_cmpint(technician_mode(f->tech), ==, TECHNICIAN_CLOSED);
  /* Closed, it leaves every other intent to the session. */
  g_assert_false(technician_handle_intent(f->tech, &key, f->now));
  g_assert_false(button(f, VIEW_BUTTON_OK));
  g_assert_cmpint(technician_next_deadline(f->tech), ==, G_MAXINT64);
}

static void test_unlock(Fixture *f, gconstpointer data)
{
  const KioskView *v;

  g_assert_true(technician_enabled(f->tech));
  g_assert_true(button(f, VIEW_BUTTON_TECHNICIAN));
  v = technician_view(f->tech, "footer");
  g_assert_cmpint(v->screen, ==, VIEW_TECHNICIAN_PIN);
  g_assert_true(v->entry_masked);
  g_assert_cmpstr(v->footer, ==, "footer");
  open_screen(f);
  v = technician_view(f->tech, NULL);
  g_assert_cmpint(v->screen, ==, VIEW_TECHNICIAN);
  g_assert_cmpint(v->panel.n_tabs, ==, 5); /* no training page */
  g_assert_cmpint(v->panel.current, ==, 0);
  g_assert_true(has_button(v, VIEW_BUTTON_TEST_SHOT, TRUE));
  g_assert_true(has_button(v, VIEW_BUTTON_TEST_FINGER, TRUE));
  g_assert_true(has_button(v, VIEW_BUTTON_TEST_STROKE, TRUE));
  g_assert_true(has_button(v, VIEW_BUTTON_CLOSE, TRUE));
}

/* Wrong PINs: each is said; the officer's max_attempts-th in a row locks
 * the screen for officer.lockout_s, during which even the right PIN is not
 * checked; afterwards the right one opens it and resets the count. */
static void test_lockout(Fixture *f, gconstpointer data)
{
  int max = f->config->officer_max_attempts;
  g_autofree char *reqs = NULL;
  const KioskView *v;

  button(f, VIEW_BUTTON_TECHNICIAN);
  for (int i = 0; i < max; i++) {
    type_pin(f, "1111");
    v = technician_view(f->tech, NULL);
    g_assert_true(v->warning);
  }
  g_assert_cmpint(f->pin_checks, ==, max);
  reqs = drain(f);
  g_assert_nonnull(strstr(reqs, "audit:technician.locked_out lockout"));
  g_assert_nonnull(strstr(technician_view(f->tech, NULL)->lines[1], "locked"));
  type_pin(f, GOOD_PIN);
  g_assert_cmpint(f->pin_checks, ==, max); /* not even checked */
  g_assert_cmpint(technician_mode(f->tech), ==, TECHNICIAN_PIN);
  f->now += (gint64)f->config->officer_lockout_s * SEC;
  type_pin(f, GOOD_PIN);
  g_assert_cmpint(technician_mode(f->tech), ==, TECHNICIAN_OPEN);
}

/* Tabs refresh their page; an action asks for its work once, disables the
 * buttons until its result, and the result shows on its own page only. */
static void test_pages_and_actions(Fixture *f, gconstpointer data)
{
  static const guint8 grey[4] = {0, 80, 160, 255};
  g_autofree char *reqs = NULL;
  g_autofree char *more = NULL;
  const KioskView *v;

  open_screen(f);
  g_assert_true(button(f, VIEW_BUTTON_TEST_FINGER));
  g_assert_true(technician_busy(f->tech));
  g_assert_true(button(f, VIEW_BUTTON_TEST_SHOT)); /* taken, but ignored */
  reqs = drain(f);
  g_assert_cmpstr(reqs, ==, "finger");
  v = technician_view(f->tech, NULL);
  g_assert_true(has_button(v, VIEW_BUTTON_TEST_SHOT, FALSE));
  g_assert_nonnull(v->image_caption);
  technician_set_result(f->tech, 2, 2, 1, grey, "quality 80", TRUE);
  g_assert_false(technician_busy(f->tech));
  v = technician_view(f->tech, NULL);
  g_assert_cmpstr(v->image_caption, ==, "quality 80");
  g_assert_cmpint(v->image.width, ==, 2);
  g_assert_cmpmem(v->image.pixels, 4, grey, 4);
  g_assert_false(v->warning);

  g_assert_true(button(f, VIEW_TAB_PREFIX "calibration"));
  g_assert_cmpint(technician_page(f->tech), ==, TECHNICIAN_PAGE_CALIBRATION);
  v = technician_view(f->tech, NULL);
  g_assert_null(v->image.pixels);
  g_assert_true(has_button(v, VIEW_BUTTON_CALIBRATE, TRUE));
  g_assert_false(has_button(v, VIEW_BUTTON_TEST_SHOT, TRUE));
  g_assert_true(button(f, VIEW_BUTTON_CALIBRATE));
  g_assert_true(button(f, VIEW_TAB_PREFIX "training")); /* not shown */
  g_assert_true(button(f, VIEW_TAB_PREFIX "export"));
  g_assert_true(button(f, VIEW_BUTTON_EXPORT)); /* busy: ignored */
  more = drain(f);
  g_assert_cmpstr(more, ==, "refresh:calibration calibrate refresh:export");
}

static void test_rows(Fixture *f, gconstpointer data)
{
  char label[] = "Free disk";
  const ViewRow rows[] = {{"Disk", NULL, VIEW_ROW_HEAD},
                          {label, "1 GB", VIEW_ROW_OK}};
  const KioskView *v;

  open_screen(f);
  technician_set_rows(f->tech, TECHNICIAN_PAGE_SYSTEM, rows, 2);
  label[0] = 'X'; /* copied */
  button(f, VIEW_TAB_PREFIX "system");
  v = technician_view(f->tech, NULL);
  g_assert_cmpint(v->panel.n_rows, ==, 2);
  g_assert_cmpstr(v->panel.rows[1].label, ==, "Free disk");
  g_assert_cmpint(v->panel.rows[1].status, ==, VIEW_ROW_OK);
  g_assert_cmpint(v->panel.current, ==, TECHNICIAN_PAGE_SYSTEM);
}

/* Close and the idle timeout both return to the kiosk's screens. */
static void test_close_and_idle(Fixture *f, gconstpointer data)
{
  g_autofree char *reqs = NULL;
  gint64 idle = (gint64)f->config->idle_timeout_s * SEC;

  open_screen(f);
  g_assert_true(button(f, VIEW_BUTTON_CLOSE));
  g_assert_cmpint(technician_mode(f->tech), ==, TECHNICIAN_CLOSED);
  reqs = drain(f);
  g_assert_cmpstr(reqs, ==, "cancel audit:technician.closed");

  open_screen(f);
  g_assert_cmpint(technician_next_deadline(f->tech), ==, f->now + idle);
  technician_tick(f->tech, f->now + idle - 1);
  g_assert_cmpint(technician_mode(f->tech), ==, TECHNICIAN_OPEN);
  technician_tick(f->tech, f->now + idle);
  g_assert_cmpint(technician_mode(f->tech), ==, TECHNICIAN_CLOSED);

  /* The PIN screen times out as well, and Cancel leaves it. */
  button(f, VIEW_BUTTON_TECHNICIAN);
  technician_tick(f->tech, f->now + idle);
  g_assert_cmpint(technician_mode(f->tech), ==, TECHNICIAN_CLOSED);
  button(f, VIEW_BUTTON_TECHNICIAN);
  button(f, VIEW_BUTTON_CANCEL);
  g_assert_cmpint(technician_mode(f->tech), ==, TECHNICIAN_CLOSED);
}

static void test_training(Fixture *f, gconstpointer data)
{
  const KioskView *v;

  technician_set_training(f->tech, TRUE);
  g_assert_true(technician_enabled(f->tech));
  open_screen(f);
  g_assert_true(button(f, VIEW_TAB_PREFIX "training"));
  g_assert_cmpint(technician_page(f->tech), ==, TECHNICIAN_PAGE_TRAINING);
  v = technician_view(f->tech, NULL);
  g_assert_cmpint(v->panel.n_tabs, ==, 6);
  g_assert_cmpint(v->panel.current, ==, 5);
}

/* kiosk.technician_pin_hash: empty is "no screen"; anything else must be a
 * whole argon2id hash, refused with the officer's message otherwise. */
static void test_config_key(void)
{
  g_autoptr(KioskConfig) config = config_load(NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr(config->technician_pin_hash, ==, "");
  g_assert_true(config_override(config, "kiosk.technician_pin_hash=", &error));
  g_assert_false(config_override(
      config, "kiosk.technician_pin_hash=$argon2id$v=19$cut", &error));
  g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE);
  g_assert_nonnull(strstr(error->message, "technician_pin_hash"));
  g_assert_nonnull(strstr(error->message, "argon2id"));
  g_assert_null(strchr(error->message, '\n'));
}

static BkImage *filled(int w, int h, guint8 r, guint8 g, guint8 b)
{
  BkImage *image = image_new(w, h, 3);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      guint8 *p = image_pixel(image, x, y);
      p[0] = r;
      p[1] = g;
      p[2] = b;
    }
  return image;
}

/* The backdrop's measurements: an even grey is neutral and uniform; a
 * tint shows in the gains; a dark half in the uniformity; and they are
 * stored and read back (store/calibration.h, for the photo check). */
static void test_calibration(void)
{
  g_autoptr(BkImage) grey = filled(64, 48, 200, 200, 200);
  g_autoptr(BkImage) warm = filled(64, 48, 220, 200, 180);
  g_autoptr(BkImage) half = filled(64, 48, 200, 200, 200);
  g_autofree char *dir = testlib_mkdtemp();
  g_autoptr(GBytes) jpeg = g_bytes_new_static("\xff\xd8\xff\xd9", 4);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  Calibration c, back;

  g_assert_true(calibration_measure(grey, &c));
  g_assert_cmpfloat_with_epsilon(c.brightness, 200, 0.5);
  g_assert_cmpfloat_with_epsilon(c.uniformity, 1, 1e-9);
  g_assert_cmpfloat_with_epsilon(c.gain_r, 1, 1e-9);
  g_assert_true(calibration_acceptable(&c));
  g_assert_true(calibration_measure(warm, &c));
  g_assert_cmpfloat_with_epsilon(c.gain_r, 200.0 / 220, 1e-9);
  g_assert_cmpfloat_with_epsilon(c.gain_b, 200.0 / 180, 1e-9);
  for (int y = 0; y < 48; y++)
    memset(image_pixel(half, 0, y), 40, 32 * 3);
  g_assert_true(calibration_measure(half, &c));
  g_assert_cmpfloat_with_epsilon(c.uniformity, 40.0 / 200, 1e-6);
  g_assert_false(calibration_acceptable(&c));

  g_assert_false(calibration_load(dir, &back, NULL, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error(&error);
  c.captured_at = 1764500000;
  g_assert_true(calibration_save(dir, jpeg, &c, &error));
  g_assert_no_error(error);
  g_assert_true(calibration_load(dir, &back, &path, &error));
  g_assert_no_error(error);
  g_assert_cmpint(back.captured_at, ==, c.captured_at);
  g_assert_cmpint(back.width, ==, 64);
  g_assert_cmpfloat_with_epsilon(back.uniformity, c.uniformity, 0.001);
  g_assert_cmpfloat_with_epsilon(back.gain_b, c.gain_b, 0.001);
  g_assert_true(g_str_has_suffix(path, "/calibration/backdrop.jpg"));
  g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
  testlib_rmtree(dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/technician/disabled", Fixture, NULL, set_up, test_disabled,
             tear_down);
#define ADD(path, func)                                                        \
  g_test_add(path, Fixture, "pin", set_up, func, tear_down)
  ADD("/technician/unlock", test_unlock);
  ADD("/technician/lockout", test_lockout);
  ADD("/technician/pages-and-actions", test_pages_and_actions);
  ADD("/technician/rows", test_rows);
  ADD("/technician/close-and-idle", test_close_and_idle);
  ADD("/technician/training", test_training);
  g_test_add_func("/technician/config-key", test_config_key);
  g_test_add_func("/technician/calibration", test_calibration);
  return g_test_run();
}
