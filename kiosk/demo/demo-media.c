/* Files the demo writes before it starts: the simulated camera's portrait.
 * See demo-media.h. */
#include "demo-media.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

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

static gboolean demo_media_fail(const char *what, const char *path,
                                GError **error)
{
  int saved = errno;

  g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
              "cannot %s %s: %s", what, path, g_strerror(saved));
  return FALSE;
}

gboolean demo_media_prepare_folder(const char *path, GError **error)
{
  g_autofree char *marker = g_build_filename(path, DEMO_MEDIA_MARKER, NULL);
  GStatBuf st;

  if (g_lstat(path, &st) == 0) {
    if (!S_ISDIR(st.st_mode) || !g_file_test(marker, G_FILE_TEST_IS_REGULAR)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                  "%s exists and was not made by a demo; choose another --out",
                  path);
      return FALSE;
    }
    if (!demo_media_remove_tree(path, error))
      return FALSE;
  }
  /* Screens and state hold the demo's "biometrics": owner only, whatever
   * the umask. */
  if (g_mkdir_with_parents(path, 0700) < 0)
    return demo_media_fail("create", path, error);
  if (g_chmod(path, 0700) < 0)
    return demo_media_fail("protect", path, error);
  return g_file_set_contents_full(marker, "biokiosk demo folder\n", -1,
                                  G_FILE_SET_CONTENTS_NONE, 0600, error);
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
