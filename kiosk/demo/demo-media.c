/* Files the demo writes before it starts: the simulated camera's portrait.
 * See demo-media.h. */
#include "demo-media.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "jpegio.h"
#include "portrait.h"

#define DEMO_PORTRAIT_W 1200
#define DEMO_PORTRAIT_H 1600

/* Writes one portrait as JPEG to dir/name. */
static gboolean write_portrait(const char *dir, const char *name,
                               const PortraitStyle *style, GError **error)
{
  g_autoptr(BkImage) image =
      portrait_draw(DEMO_PORTRAIT_W, DEMO_PORTRAIT_H, style);
  g_autoptr(GBytes) jpeg = jpegio_encode(image, 92, error);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  gsize len;
  const char *data;

  if (!jpeg)
    return FALSE;
  data = g_bytes_get_data(jpeg, &len);
  return g_file_set_contents(path, data, (gssize)len, error);
}

gboolean demo_media_write_portraits(const char *dir, GError **error)
{
  PortraitStyle adult, child;

  if (g_mkdir_with_parents(dir, 0700) < 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                "cannot create %s: %s", dir, g_strerror(errno));
    return FALSE;
  }
  /* The simulated camera serves them in name order: one per person of the
   * sample family. */
  portrait_style_default(&adult);
  child = adult;
  child.skin = 0xe8bd9c;
  child.hair = 0x6b4423;
  child.clothing = 0x7a2e2e;
  child.head_scale = 0.74;
  return write_portrait(dir, "portrait-01.jpg", &adult, error) &&
         write_portrait(dir, "portrait-02.jpg", &child, error);
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
