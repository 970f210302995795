/* See testlib-ui.h. */
#include "testlib-ui.h"

#include "testlib.h"
#include "ui-audio.h"

static void fe_render(gpointer data, const KioskView *view)
{
  ui_render(data, view);
}

static gboolean fe_next_intent(gpointer data, int timeout_ms,
                               KioskIntent *ret_intent)
{
  return ui_next_intent(data, timeout_ms, ret_intent);
}

static void fe_wake(gpointer data)
{
  ui_wake(data);
}

static gboolean fe_press(gpointer data, const char *target)
{
  return ui_press(data, target);
}

static gboolean fe_screenshot(gpointer data, const char *path, GError **error)
{
  return ui_screenshot(data, path, error);
}

static gpointer fe_audio_open(const char *device, int rate,
                              void (*pull)(gpointer, gint16 *, int),
                              gpointer pull_data, GError **error)
{
  return ui_audio_open(device, rate, pull, pull_data, error);
}

static void fe_audio_close(gpointer handle)
{
  ui_audio_close(handle);
}

Frontend testlib_ui_frontend(Ui *ui)
{
  return (Frontend){
      .render = fe_render,
      .next_intent = fe_next_intent,
      .wake = fe_wake,
      .press = fe_press,
      .screenshot = fe_screenshot,
      .data = ui,
      .audio_open = fe_audio_open,
      .audio_close = fe_audio_close,
  };
}

char *testlib_ui_screen_path(const char *build_subdir, const char *name)
{
  g_autofree char *file = g_strconcat(name, ".png", NULL);
  gboolean update = g_strcmp0(g_getenv("BK_UPDATE_REFERENCE"), "1") == 0;
  g_autofree char *rel = g_build_filename(
      update ? "tests/ui-reference" : build_subdir, file, NULL);
  char *path = update ? testlib_source_path(rel) : testlib_build_path(rel);
  g_autofree char *dir = g_path_get_dirname(path);

  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  return path;
}
