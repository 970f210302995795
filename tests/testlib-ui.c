/* See testlib-ui.h. */
#include "testlib-ui.h"

#include "testlib.h"

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

Frontend testlib_ui_frontend(Ui *ui)
{
  return (Frontend){
      .render = fe_render,
      .next_intent = fe_next_intent,
      .wake = fe_wake,
      .press = fe_press,
      .screenshot = fe_screenshot,
      .data = ui,
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
