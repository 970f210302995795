/* See testlib-ui.h. */
#include "testlib-ui.h"

#include <gio/gio.h>
#include <string.h>

#include "pngio.h"
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

GBytes *testlib_ui_png(Ui *ui)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "frame.png", NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_assert_true(ui_screenshot(ui, path, &error));
  g_assert_no_error(error);
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  testlib_rmtree(dir);
  return g_bytes_new_take(data, len);
}

/* Counts the pixels of `a` and `b` that differ and paints them red into
 * `diff` (a copy of `a`, faded); -1 when the sizes or layouts differ. */
static int count_differences(const BkImage *a, const BkImage *b, BkImage *diff)
{
  int n = 0;

  if (a->width != b->width || a->height != b->height ||
      a->channels != b->channels)
    return -1;
  for (int y = 0; y < a->height; y++) {
    for (int x = 0; x < a->width; x++) {
      guint8 *d = image_pixel(diff, x, y);
      gboolean same =
          memcmp(image_pixel(a, x, y), image_pixel(b, x, y), a->channels) == 0;

      for (int c = 0; c < diff->channels; c++)
        d[c] = same ? (guint8)(255 - (255 - d[c]) / 4) : (c == 0 ? 255 : 0);
      n += !same;
    }
  }
  return n;
}

static void write_build_file(const char *rel, GBytes *bytes, const BkImage *img)
{
  g_autofree char *path = testlib_build_path(rel);
  g_autofree char *dir = g_path_get_dirname(path);

  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  if (bytes)
    g_assert_true(g_file_set_contents(path, g_bytes_get_data(bytes, NULL),
                                      (gssize)g_bytes_get_size(bytes), NULL));
  else
    g_assert_true(pngio_write_file(img, path, NULL));
}

/* Rounds every channel to the nearest of `levels` evenly spaced values
 * from 0 to 255 (256: unchanged). */
static void reduce_levels(BkImage *img, int levels)
{
  if (levels >= 256)
    return;
  for (int y = 0; y < img->height; y++) {
    guint8 *row = image_pixel(img, 0, y);

    for (int x = 0; x < img->width * img->channels; x++)
      row[x] =
          (guint8)((row[x] * (levels - 1) + 127) / 255 * 255 / (levels - 1));
  }
}

gboolean testlib_ui_check_reference(GBytes *png, int levels, const char *ref,
                                    const char *actual, GError **error)
{
  g_autofree char *ref_path = testlib_source_path(ref);
  g_autofree char *actual_png = g_strconcat(actual, ".png", NULL);
  g_autofree char *diff_png = g_strconcat(actual, "-diff.png", NULL);
  g_autoptr(BkImage) frame = NULL;
  g_autoptr(BkImage) expected = NULL;
  g_autoptr(BkImage) diff = NULL;
  g_autoptr(GError) local = NULL;
  int n;

  frame =
      pngio_decode(g_bytes_get_data(png, NULL), g_bytes_get_size(png), &local);
  g_assert_no_error(local);
  reduce_levels(frame, levels);
  if (g_strcmp0(g_getenv("BK_UPDATE_REFERENCE"), "1") == 0) {
    g_autofree char *dir = g_path_get_dirname(ref_path);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(pngio_write_file(frame, ref_path, NULL));
    return TRUE;
  }
  expected = pngio_read_file(ref_path, &local);
  diff = image_copy(frame);
  n = expected ? count_differences(frame, expected, diff) : -1;
  if (n == 0)
    return TRUE;
  write_build_file(actual_png, NULL, frame);
  write_build_file(diff_png, NULL, diff);
  {
    g_autofree char *a = testlib_build_path(actual_png);
    g_autofree char *d = testlib_build_path(diff_png);
    g_autofree char *what =
        n >= 0 ? g_strdup_printf("%d pixels differ", n)
               : g_strdup(local ? local->message : "another size");

    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "%s: %s; actual frame %s, differences %s", ref, what, a, d);
  }
  return FALSE;
}
