/* Files the demo writes before it starts: the simulated camera's portrait.
 * See demo-media.h. */
#include "demo-media.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "jpegio.h"
#include "portrait.h"

#define DEMO_PORTRAIT_W 1200
#define DEMO_PORTRAIT_H 1600

gboolean demo_media_write_portraits(const char *dir, GError **error)
{
  g_autoptr(BkImage) image = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autofree char *path = g_build_filename(dir, "portrait-01.jpg", NULL);
  PortraitStyle style;
  gsize len;
  const char *data;

  if (g_mkdir_with_parents(dir, 0700) < 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                "cannot create %s: %s", dir, g_strerror(errno));
    return FALSE;
  }
  portrait_style_default(&style);
  image = portrait_draw(DEMO_PORTRAIT_W, DEMO_PORTRAIT_H, &style);
  jpeg = jpegio_encode(image, 92, error);
  if (!jpeg)
    return FALSE;
  data = g_bytes_get_data(jpeg, &len);
  return g_file_set_contents(path, data, (gssize)len, error);
}

gboolean demo_media_remove_tree(const char *path, GError **error)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test(path, G_FILE_TEST_IS_SYMLINK) ||
      !g_file_test(path, G_FILE_TEST_IS_DIR)) {
    if (g_unlink(path) < 0 && errno != ENOENT) {
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                  "cannot remove %s: %s", path, g_strerror(errno));
      return FALSE;
    }
    return TRUE;
  }
  dir = g_dir_open(path, 0, error);
  if (!dir)
    return FALSE;
  while ((name = g_dir_read_name(dir))) {
    g_autofree char *child = g_build_filename(path, name, NULL);
    if (!demo_media_remove_tree(child, error))
      return FALSE;
  }
  if (g_rmdir(path) < 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                "cannot remove %s: %s", path, g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}
