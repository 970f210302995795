/* An update or `systemctl stop` never loses an approved capture
 * (docs/appliance.md): the kiosk's SIGTERM arrives, as SDL's quit, right
 * after the officer approved a record. The real application loop must
 * store that record before app_run() returns. The sample family is walked
 * to the officer's review with the demo's script and the simulated
 * devices; then the loop gets "approve" and, at once, the quit. */
#include <string.h>

#include "app.h"
#include "appointments.h"
#include "demo-media.h"
#include "demo.h"
#include "fpreader.h"
#include "resources.h"
#include "testlib.h"
#include "ui.h"

typedef struct {
  Ui *ui;
  int step; /* 0: walking; 1: approve next; 2: quit next */
} Screen;

static void screen_render(gpointer data, const KioskView *view)
{
  ui_render(((Screen *)data)->ui, view);
}

static gboolean screen_next_intent(gpointer data, int timeout_ms,
                                   KioskIntent *ret_intent)
{
  Screen *s = data;

  if (s->step == 0)
    return ui_next_intent(s->ui, timeout_ms, ret_intent);
  memset(ret_intent, 0, sizeof *ret_intent);
  if (s->step++ == 1) {
    ret_intent->type = INTENT_BUTTON;
    g_strlcpy(ret_intent->button, VIEW_BUTTON_APPROVE,
              sizeof ret_intent->button);
  } else {
    ret_intent->type = INTENT_QUIT; /* SIGTERM, as SDL hands it on */
  }
  return TRUE;
}

static void screen_wake(gpointer data)
{
  ui_wake(((Screen *)data)->ui);
}

static gboolean screen_press(gpointer data, const char *target)
{
  return ui_press(((Screen *)data)->ui, target);
}

static KioskConfig *stop_config(const char *state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", state);
  g_autofree char *media = NULL;

  g_assert_no_error(error);
  g_assert_true(config_override(config, set_state, &error));
  /* A back-office key of its own (any 32 bytes will do to seal to). */
  g_assert_true(config_override(config,
                                "paths.backoffice_public_key="
                                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                                &error));
  /* As main() does: the reader library reads its environment once. */
  g_assert_true(
      fpreader_prepare(config->reader_backend, config->reader_options, &error));
  media = config_resolve_path(
      config, g_hash_table_lookup(config->camera_options, "folder"));
  g_assert_true(demo_media_write_portraits(media, &error));
  return g_steal_pointer(&config);
}

static void test_quit_stores_approved_record(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autoptr(KioskConfig) config = stop_config(dir);
  g_autoptr(GError) error = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  Screen s = {ui_new(&options, &error)};
  Frontend fe = {.render = screen_render,
                 .next_intent = screen_next_intent,
                 .wake = screen_wake,
                 .press = screen_press,
                 .data = &s};
  App *app;
  guint imported;

  g_assert_no_error(error);
  g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*DEMO PIN*");
  app = app_new(config, &error);
  g_assert_no_error(error);
  g_test_assert_expected_messages();
  g_assert_true(appointments_import_data(
      app_database(app), resources_sample_schedule(), -1, &imported, &error));
  demo_walk(app, &fe, DEMO_CODE, NULL, SESSION_REVIEW, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(app_stored_records(app)->len, ==, 0);
  s.step = 1;
  g_assert_cmpint(app_run(app, &fe, NULL, NULL), ==, 0);
  g_assert_cmpint(s.step, ==, 3); /* approved, then quit */
  /* Stored, and the loop saw it stored, before it returned. */
  g_assert_cmpuint(app_stored_records(app)->len, ==, 1);
  g_test_message("stored %s before the loop ended",
                 (const char *)g_ptr_array_index(app_stored_records(app), 0));
  app_free(app);
  ui_free(s.ui);
  testlib_rmtree(dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/appliance/stop/quit-stores-approved-record",
                  test_quit_stores_approved_record);
  return g_test_run();
}
