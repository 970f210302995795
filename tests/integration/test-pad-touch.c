/* The touchscreen as signature pad (devices.pad=touch) through the whole
 * kiosk: the real application loop and the SDL front end under the
 * offscreen driver. Synthetic SDL touch events (ui_press(VIEW_TARGET_SIGN))
 * write a signature in the writing area; the UI forwards them as
 * INTENT_PEN, the touch backend collects them, the live ink is drawn while
 * the strokes come, and the finished signature is checked and rendered
 * like every backend's, to the same PNG as the committed reference. Also:
 * `biokiosk demo --set devices.pad=touch` stores complete records. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "app.h"
#include "appointments.h"
#include "demo-media.h"
#include "demo.h"
#include "pad-reference.h"
#include "resources.h"
#include "testlib.h"
#include "ui.h"

typedef struct {
  Ui *ui;
  App *app; /* set: next_intent signs once, then quits on the
               signature's result */
  gboolean signing;
  guint ink_renders;    /* renders that showed live ink */
  int max_ink;          /* the most ink points one render showed */
  gboolean pen_offered; /* a render asked for pen input */
} Screen;

static void screen_render(gpointer data, const KioskView *view)
{
  Screen *s = data;

  ui_render(s->ui, view);
  if (view->screen != VIEW_SIGNATURE)
    return;
  s->pen_offered |= view->ink.pen_input;
  if (view->ink.n_points > 0) {
    s->ink_renders++;
    s->max_ink = MAX(s->max_ink, view->ink.n_points);
    /* The newest point's arrival is known, and in the past. */
    g_assert_cmpint(view->ink.newest_arrival_us, >, 0);
    g_assert_cmpint(view->ink.newest_arrival_us, <=, g_get_monotonic_time());
  }
}

static gboolean screen_next_intent(gpointer data, int timeout_ms,
                                   KioskIntent *ret_intent)
{
  Screen *s = data;

  if (s->app && !s->signing) {
    g_assert_true(ui_press(s->ui, VIEW_TARGET_SIGN));
    s->signing = TRUE;
  }
  if (s->app && session_view(app_session(s->app))->n_buttons > 0) {
    memset(ret_intent, 0, sizeof *ret_intent);
    ret_intent->type = INTENT_QUIT;
    return TRUE;
  }
  return ui_next_intent(s->ui, timeout_ms, ret_intent);
}

static void screen_wake(gpointer data)
{
  ui_wake(((Screen *)data)->ui);
}

static gboolean screen_press(gpointer data, const char *target)
{
  return ui_press(((Screen *)data)->ui, target);
}

static KioskConfig *touch_config(const char *state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", state);
  g_autofree char *media = NULL;

  g_assert_no_error(error);
  g_assert_true(config_override(config, set_state, &error));
  g_assert_true(config_override(config, "devices.pad=touch", &error));
  media = config_resolve_path(
      config, g_hash_table_lookup(config->camera_options, "folder"));
  g_assert_true(demo_media_write_portraits(media, &error));
  return g_steal_pointer(&config);
}

static void test_sign_on_screen(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autoptr(KioskConfig) config = touch_config(dir);
  g_autoptr(GError) error = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  Screen s = {ui_new(&options, &error)};
  Frontend fe = {.render = screen_render,
                 .next_intent = screen_next_intent,
                 .wake = screen_wake,
                 .press = screen_press,
                 .data = &s};
  App *app;
  const KioskView *view;
  BkImage image = {0};
  guint imported;

  g_assert_no_error(error);
  /* A back-office key of its own (any 32 bytes will do to seal to); the
   * demo's script types the demo PIN, which is then warned about. */
  g_assert_true(config_override(config,
                                "paths.backoffice_public_key="
                                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                                &error));
  g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*DEMO PIN*");
  app = app_new(config, &error);
  g_assert_no_error(error);
  g_test_assert_expected_messages();
  g_assert_true(appointments_import_data(
      app_database(app), resources_sample_schedule(), -1, &imported, &error));
  g_assert_true(
      demo_walk(app, &fe, DEMO_CODE, NULL, SESSION_SIGNATURE, &error));
  g_assert_no_error(error);
  /* The touch pad waits for the applicant: the screen offers the pen. */
  g_assert_true(s.pen_offered);
  /* The real loop: sign, see the ink as the strokes come, then the
   * checked signature. */
  s.app = app;
  app_run(app, &fe, NULL, NULL);
  g_test_message("%u renders with live ink, up to %d points", s.ink_renders,
                 s.max_ink);
  g_assert_cmpuint(s.ink_renders, >=, 10);
  g_assert_cmpint(s.max_ink, >=, 200);
  view = session_view(app_session(app));
  g_assert_cmpstr(view->title, ==, "Is this your signature?");
  g_assert_cmpstr(view->buttons[0].id, ==, VIEW_BUTTON_ACCEPT);
  g_assert_null(app_last_device_error(app));
  /* The rendered signature, as every backend's. */
  image.width = view->image.width;
  image.height = view->image.height;
  image.channels = view->image.channels;
  image.stride = view->image.stride;
  image.pixels = (guint8 *)view->image.pixels;
  pad_assert_reference(&image, "tests/ui-reference/touch-signature.png");
  app_free(app);
  ui_free(s.ui);
  testlib_rmtree(dir);
}

/* The demo with the touchscreen as pad stores complete records that name
 * the pad. */
static void test_demo_touch(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *out_dir = g_build_filename(dir, "demo", NULL);
  g_autofree char *outbox = g_build_filename(out_dir, "state", "outbox", NULL);
  g_autofree char *secret =
      g_build_filename(out_dir, "state", "backoffice-demo.sk", NULL);
  const char *argv[] = {
      g_getenv("BK_BIOKIOSK"), "demo", "--headless", "--out", out_dir, "--set",
      "devices.pad=touch",     NULL};
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GDir) d = NULL;
  const char *name;
  int records = 0, signed_records = 0;

  g_assert_cmpint(testlib_spawn(argv, NULL, &out, &err), ==, 0);
  d = g_dir_open(outbox, 0, NULL);
  g_assert_nonnull(d);
  while ((name = g_dir_read_name(d))) {
    g_autofree char *file = g_build_filename(outbox, name, NULL);
    const char *open_argv[] = {g_getenv("BK_BIOKIOSK"),
                               "record",
                               "open",
                               "--secret-key",
                               secret,
                               "--json",
                               file,
                               NULL};
    g_autofree char *json = NULL, *json_err = NULL;
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *root, *meta;

    g_assert_cmpint(testlib_spawn(open_argv, NULL, &json, &json_err), ==, 0);
    g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
    root = json_node_get_object(json_parser_get_root(parser));
    g_assert_cmpstr(json_object_get_string_member(root, "signature"), ==,
                    "valid");
    meta = json_object_get_object_member(root, "metadata");
    records++;
    if (!json_object_has_member(meta, "signature.ok"))
      continue; /* a person under the signature age */
    signed_records++;
    g_assert_true(json_object_get_boolean_member(meta, "signature.ok"));
    g_assert_cmpstr(
        json_object_get_string_member(meta, "signature.pad.backend"), ==,
        "touch");
    g_assert_nonnull(
        json_object_get_string_member(meta, "signature.pad.model"));
  }
  g_assert_cmpint(records, ==, 2);
  g_assert_cmpint(signed_records, >=, 1);
  testlib_rmtree(dir);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/pad-touch/sign-on-screen", test_sign_on_screen);
  g_test_add_func("/pad-touch/demo", test_demo_touch);
  return g_test_run();
}
