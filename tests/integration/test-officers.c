/* Named officers through the running application (app.c with the real
 * front end, headless, simulated devices, the demo's officers 1001/2468
 * and 1002/1357 imported), driven by synthetic touches (issue 12, item 5):
 * - wrong PINs lock that officer only, and the lockout is still in force
 *   after a restart;
 * - officer mode counts down, then locks itself when nobody touches the
 *   screen, and the same screen comes back after the PIN;
 * - a photo override waits for a second, different officer;
 * - the audit log names each officer by id;
 * - a kiosk with a real key warns of the demo's officers in its table.
 * The screens are written to tests/ui-reference/officer-*.png with
 * BK_UPDATE_REFERENCE=1 (look at them; docs/officers.md links them). */
#include <string.h>

#include "app.h"
#include "appointments.h"
#include "db.h"
#include "demo-media.h"
#include "demo.h"
#include "kiosk-desk.h"
#include "officers.h"
#include "resources.h"
#include "testlib-ui.h"
#include "testlib.h"
#include "ui.h"

#define SETTLE_US (60 * G_USEC_PER_SEC)
/* A real back-office key and a bootstrap PIN that is not the demo's, so
 * that the kiosk has nothing to warn about. */
#define REAL_KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define BOOTSTRAP_HASH                                                         \
  "$argon2id$v=19$m=65536,t=2,p=1$SxUInrLG8UZgdz0Z1/xSUw$"                     \
  "9+N4q5PaRs0PW1OLwp1rwuMkcGOrhb5lYy6G04Y8bEI"

typedef struct {
  char *dir;
  KioskConfig *config;
  Ui *ui;
  Frontend fe;
  App *app;
} Desk;

/* A fresh state folder with the embedded configuration and `sets` (NULL
 * terminated "group.key=value" overrides). */
static void desk_open(Desk *d, const char *const *sets)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *media = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};

  d->dir = testlib_mkdtemp();
  state = g_strdup_printf("paths.state_dir=%s", d->dir);
  d->config = config_load(NULL, &error);
  g_assert_no_error(error);
  g_assert_true(config_override(d->config, state, &error));
  g_assert_true(config_override(
      d->config, "paths.backoffice_public_key=" REAL_KEY, &error));
  g_assert_true(
      config_override(d->config, "officer.pin_hash=" BOOTSTRAP_HASH, &error));
  for (const char *const *s = sets; s && *s; s++)
    g_assert_true(config_override(d->config, *s, &error));
  media = config_resolve_path(
      d->config, g_hash_table_lookup(d->config->camera_options, "folder"));
  g_assert_true(demo_media_write_portraits(media, &error));
  g_assert_true(demo_media_write_scenarios(media, &error));
  g_assert_no_error(error);
  d->ui = ui_new(&options, &error);
  g_assert_no_error(error);
  d->fe = testlib_ui_frontend(d->ui);
}

/* (Re)starts the kiosk on the desk's state folder, with the demo's
 * schedule and officers. */
static void desk_start(Desk *d)
{
  g_autoptr(GError) error = NULL;

  d->app = app_new(d->config, &error);
  g_assert_no_error(error);
  g_assert_true(officers_import_data(app_database(d->app), "demo officers",
                                     resources_demo_officers(), -1, NULL,
                                     &error));
  g_assert_true(
      appointments_import_data(app_database(d->app),
                               resources_sample_schedule(), -1, NULL, &error) ||
      g_error_matches(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_DUPLICATE));
  app_render(d->app, &d->fe);
}

static void desk_close(Desk *d)
{
  g_clear_pointer(&d->app, app_free);
  ui_free(d->ui);
  config_free(d->config);
  testlib_rmtree(d->dir);
  g_free(d->dir);
}

static void settle(Desk *d)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(app_settle(d->app, &d->fe, SETTLE_US, &error));
  g_assert_no_error(error);
}

static void touch(Desk *d, const char *target)
{
  g_assert_true(d->fe.press(d->fe.data, target));
  settle(d);
}

/* Digits on the keypad, then OK. */
static void enter(Desk *d, const char *digits)
{
  for (const char *c = digits; *c; c++) {
    char key[2] = {*c, 0};
    touch(d, key);
  }
  touch(d, VIEW_KEY_OK);
}

static const KioskView *view(Desk *d)
{
  return session_view(app_session(d->app));
}

static SessionState state(Desk *d)
{
  return session_state(app_session(d->app));
}

static gboolean says(Desk *d, const char *needle)
{
  const KioskView *v = view(d);

  for (int i = 0; i < v->n_lines; i++)
    if (strstr(v->lines[i], needle))
      return TRUE;
  return v->title && strstr(v->title, needle);
}

static gboolean has_button(Desk *d, const char *id)
{
  const KioskView *v = view(d);

  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

static void walk_to(Desk *d, SessionState until)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(demo_walk(d->app, &d->fe, DEMO_CODE, NULL, until, &error));
  g_assert_no_error(error);
}

/* The screen as a PNG: into tests/ui-reference/ with BK_UPDATE_REFERENCE=1,
 * else into the build folder (the view's content is what is asserted). */
static void screenshot(Desk *d, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = testlib_ui_screen_path("officer-screens", name);

  app_render(d->app, &d->fe);
  g_assert_true(d->fe.screenshot(d->fe.data, path, &error));
  g_assert_no_error(error);
  g_test_message("screen %s", path);
}

static guint count(const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr(haystack, needle); p;
       p = strstr(p + strlen(needle), needle))
    n++;
  return n;
}

/* Wrong PINs of officer 1001 lock 1001 only, also after a restart. */
static void test_lockout_per_officer(void)
{
  Desk d = {0};
  g_autofree char *log = NULL;
  int max;

  desk_open(&d, NULL);
  max = d.config->officer_max_attempts;
  desk_start(&d);
  walk_to(&d, SESSION_OFFICER_PIN);
  g_assert_false(view(&d)->entry_masked); /* the id step */
  for (int i = 0; i < max; i++) {
    enter(&d, DEMO_OFFICER);
    g_assert_true(view(&d)->entry_masked);
    enter(&d, "0000");
  }
  g_assert_true(says(&d, "locked"));
  screenshot(&d, "officer-locked-out");
  /* Locked: 1001 does not even get to the PIN, the right one. */
  enter(&d, DEMO_OFFICER);
  g_assert_false(view(&d)->entry_masked);
  g_assert_true(says(&d, "locked"));
  /* Another officer is not locked. */
  enter(&d, DEMO_SECOND_OFFICER);
  enter(&d, DEMO_SECOND_PIN);
  g_assert_cmpint(state(&d), ==, SESSION_OFFICER_CHECK);
  g_assert_cmpstr(session_officer(app_session(d.app)), ==, DEMO_SECOND_OFFICER);
  g_clear_pointer(&d.app, app_free);

  /* After a restart 1001 is still locked, with the right PIN too. And the
   * kiosk, which has a real back-office key, warns of the demo's officers
   * it now finds in its table. */
  g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*shipped DEMO officers*");
  desk_start(&d);
  g_test_assert_expected_messages();
  g_assert_nonnull(view(&d)->footer);
  g_assert_nonnull(strstr(view(&d)->footer, "Demo PIN"));
  walk_to(&d, SESSION_OFFICER_PIN);
  enter(&d, DEMO_OFFICER);
  g_assert_false(view(&d)->entry_masked);
  g_assert_true(says(&d, "locked"));
  g_assert_cmpint(state(&d), ==, SESSION_OFFICER_PIN);
  enter(&d, DEMO_SECOND_OFFICER);
  enter(&d, DEMO_SECOND_PIN);
  g_assert_cmpint(state(&d), ==, SESSION_OFFICER_CHECK);

  log = kiosk_desk_audit_log(d.dir);
  g_assert_cmpuint(count(log, "officer:1001 officer.wrong_pin;"), ==, max);
  g_assert_cmpuint(count(log, "officer:1001 officer.locked_out;"), ==, 1);
  g_assert_cmpuint(count(log, "officer:1002 officer.unlocked;"), ==, 2);
  g_assert_cmpuint(count(log, "officer:1001 officer.unlocked;"), ==, 0);
  /* No PIN ever, and no entry without an officer's id. */
  g_assert_null(strstr(log, "0000"));
  g_assert_null(strstr(log, "officer officer."));
  desk_close(&d);
}

/* Officer mode counts down, then locks itself; the PIN brings the same
 * screen back. */
static void test_idle_lock(void)
{
  static const char *const sets[] = {"officer.idle_lock_s=6",
                                     "officer.idle_lock_warning_s=5", NULL};
  Desk d = {0};
  g_autofree char *log = NULL;

  desk_open(&d, sets);
  desk_start(&d);
  walk_to(&d, SESSION_OFFICER_CHECK);
  g_assert_false(says(&d, "Officer mode locks in"));
  g_usleep(2 * G_USEC_PER_SEC);
  settle(&d);
  g_assert_cmpint(state(&d), ==, SESSION_OFFICER_CHECK);
  g_assert_true(says(&d, "Officer mode locks in "));
  g_assert_true(view(&d)->warning);
  screenshot(&d, "officer-idle-countdown");
  /* A touch stops the countdown. */
  touch(&d, VIEW_BUTTON_HEAD_COVERING);
  g_assert_false(says(&d, "Officer mode locks in"));

  g_usleep(6500 * 1000);
  settle(&d);
  g_assert_cmpint(state(&d), ==, SESSION_OFFICER_PIN);
  g_assert_true(says(&d, "locked itself after 6 seconds"));
  g_assert_false(has_button(&d, VIEW_BUTTON_CANCEL));
  g_assert_null(session_officer(app_session(d.app)));
  screenshot(&d, "officer-idle-locked");
  enter(&d, DEMO_SECOND_OFFICER);
  enter(&d, DEMO_SECOND_PIN);
  g_assert_cmpint(state(&d), ==, SESSION_OFFICER_CHECK);
  g_assert_cmpstr(session_officer(app_session(d.app)), ==, DEMO_SECOND_OFFICER);
  log = kiosk_desk_audit_log(d.dir);
  g_assert_nonnull(strstr(log, "officer:1001 officer.unlocked;"
                               "officer:1001 officer.head_covering_declared;"
                               "officer:1001 officer.idle_locked;"
                               "officer:1002 officer.unlocked;"));
  desk_close(&d);
}

/* A refused photo is accepted only once a second, different officer has
 * entered their number and PIN. */
static void test_four_eyes_photo_override(void)
{
  static const char *const sets[] = {"camera.subject=scenario-off-centre",
                                     NULL};
  Desk d = {0};
  g_autofree char *log = NULL;

  desk_open(&d, sets);
  desk_start(&d);
  walk_to(&d, SESSION_PHOTO);
  touch(&d, VIEW_BUTTON_TAKE);
  g_assert_true(has_button(&d, VIEW_BUTTON_OVERRIDE));
  touch(&d, VIEW_BUTTON_OVERRIDE);
  g_assert_cmpint(state(&d), ==, SESSION_OFFICER_PIN);
  g_assert_true(session_officer_second(app_session(d.app)));
  g_assert_true(says(&d, "Second officer"));
  g_assert_true(says(&d, "Officer 1001 asks for this"));
  screenshot(&d, "officer-four-eyes");
  /* The same officer cannot confirm their own override. */
  enter(&d, DEMO_OFFICER);
  g_assert_true(says(&d, "A second, different officer must confirm."));
  g_assert_false(view(&d)->entry_masked);
  /* A wrong PIN of the second officer confirms nothing. */
  enter(&d, DEMO_SECOND_OFFICER);
  enter(&d, DEMO_PIN);
  g_assert_cmpint(state(&d), ==, SESSION_OFFICER_PIN);
  g_assert_false(session_person(app_session(d.app))->photo_override);
  enter(&d, DEMO_SECOND_OFFICER);
  enter(&d, DEMO_SECOND_PIN);
  g_assert_cmpint(state(&d), !=, SESSION_OFFICER_PIN);
  g_assert_cmpint(state(&d), !=, SESSION_PHOTO);
  g_assert_true(session_person(app_session(d.app))->photo_override);
  /* Officer mode is still the first officer's. */
  g_assert_cmpstr(session_officer(app_session(d.app)), ==, DEMO_OFFICER);
  log = kiosk_desk_audit_log(d.dir);
  g_assert_nonnull(strstr(log, "officer:1002 officer.wrong_pin;"
                               "officer:1002 officer.four_eyes.photo_override;"
                               "officer:1001 "
                               "officer.photo_refusal_overridden;"));
  desk_close(&d);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/officers/lockout-per-officer", test_lockout_per_officer);
  g_test_add_func("/officers/idle-lock", test_idle_lock);
  g_test_add_func("/officers/four-eyes-photo-override",
                  test_four_eyes_photo_override);
  return g_test_run();
}
