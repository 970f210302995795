/* The signature screen of the real kiosk with a given pad, as a PNG, for
 * docs/signature-pads.md:
 *
 *   pad-screenshot OUT.png AFTER_MS [--set KEY=VALUE ...]
 *
 * Walks the demo appointment to the photo step, takes and accepts the
 * photo, then runs the application's loop in the signature step for
 * AFTER_MS (signing with synthetic touches when the pad is "touch") and
 * saves the last frame. Under umockdev-run with an emulated tablet and its
 * events (tests/emulators/README.md) it shows the evdev pad. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "appointments.h"
#include "demo-media.h"
#include "demo.h"
#include "resources.h"
#include "ui.h"

typedef struct {
  Ui *ui;
  gint64 until;
  gboolean sign; /* write a signature once the screen offers the pen */
} Shot;

static void shot_render(gpointer data, const KioskView *view)
{
  Shot *s = data;

  ui_render(s->ui, view);
  if (s->sign && view->ink.pen_input && ui_press(s->ui, VIEW_TARGET_SIGN))
    s->sign = FALSE;
}

static gboolean shot_next_intent(gpointer data, int timeout_ms,
                                 KioskIntent *ret_intent)
{
  Shot *s = data;
  gint64 left = s->until - g_get_monotonic_time();

  if (s->until && left <= 0) {
    memset(ret_intent, 0, sizeof *ret_intent);
    ret_intent->type = INTENT_QUIT;
    return TRUE;
  }
  if (s->until && (timeout_ms < 0 || timeout_ms > left / 1000))
    timeout_ms = (int)(left / 1000) + 1;
  return ui_next_intent(s->ui, timeout_ms, ret_intent);
}

static void shot_wake(gpointer data)
{
  ui_wake(((Shot *)data)->ui);
}

static gboolean shot_press(gpointer data, const char *target)
{
  return ui_press(((Shot *)data)->ui, target);
}

static gboolean has_button(App *app, const char *id)
{
  const KioskView *v = session_view(app_session(app));

  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

/* From the photo step into the signature step. */
static gboolean to_signature(App *app, const Frontend *fe, GError **error)
{
  if (!demo_walk(app, fe, DEMO_CODE, NULL, SESSION_PHOTO, error) ||
      !ui_press(((Shot *)fe->data)->ui, VIEW_BUTTON_TAKE) ||
      !app_settle(app, fe, 30 * G_USEC_PER_SEC, error))
    return FALSE;
  app_render(app, fe);
  return ui_press(((Shot *)fe->data)->ui, has_button(app, VIEW_BUTTON_ACCEPT)
                                              ? VIEW_BUTTON_ACCEPT
                                              : VIEW_BUTTON_OVERRIDE);
}

static gboolean run(Shot *s, KioskConfig *config, int after_ms, GError **error)
{
  Frontend fe = {.render = shot_render,
                 .next_intent = shot_next_intent,
                 .wake = shot_wake,
                 .press = shot_press,
                 .data = s};
  App *app = app_new(config, error);
  guint imported;
  gboolean ok;

  if (!app)
    return FALSE;
  s->sign = g_str_equal(config->pad_backend, "touch");
  ok = appointments_import_data(app_database(app), resources_sample_schedule(),
                                -1, &imported, error) &&
       to_signature(app, &fe, error);
  if (ok) {
    s->until = g_get_monotonic_time() + (gint64)after_ms * 1000;
    app_run(app, &fe, NULL, NULL);
  }
  app_free(app);
  return ok;
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp("biokiosk-shot-XXXXXX", NULL);
  g_autofree char *set_state = g_strdup_printf("paths.state_dir=%s", tmp);
  g_autoptr(KioskConfig) config = config_load(NULL, &error);
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  g_autofree char *media = NULL;
  Shot s = {0};

  if (argc < 3) {
    fprintf(stderr, "usage: %s OUT.png AFTER_MS [--set KEY=VALUE ...]\n",
            argv[0]);
    return 2;
  }
  g_setenv("SDL_VIDEODRIVER", "offscreen", FALSE);
  if (!config || !config_override(config, set_state, &error))
    goto fail;
  for (int i = 3; i + 1 < argc; i += 2)
    if (!config_override(config, argv[i + 1], &error))
      goto fail;
  media = config_resolve_path(
      config, g_hash_table_lookup(config->camera_options, "folder"));
  if (!demo_media_write_portraits(media, &error) ||
      !(s.ui = ui_new(&options, &error)) ||
      !run(&s, config, atoi(argv[2]), &error) ||
      !ui_screenshot(s.ui, argv[1], &error))
    goto fail;
  ui_free(s.ui);
  demo_media_remove_tree(tmp, NULL);
  return 0;
fail:
  fprintf(stderr, "pad-screenshot: %s\n", error ? error->message : "failed");
  return 1;
}
