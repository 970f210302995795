/* The non-SDL half of the view contract (view.h): stable screen names and
 * the PNG writer ui/ uses for screenshots, through capture/'s encoder so
 * that ui/ needs no image library of its own. */
#include "view.h"

#include "pngio.h"

const char *view_screen_name(ViewScreen screen)
{
  static const char *const names[VIEW_N_SCREENS] = {
      [VIEW_CHECKIN] = "checkin",     [VIEW_MESSAGE] = "message",
      [VIEW_PERSON] = "person",       [VIEW_PHOTO] = "photo",
      [VIEW_SIGNATURE] = "signature", [VIEW_FINGERPRINT] = "fingerprint",
      [VIEW_REVIEW] = "review",       [VIEW_OFFICER_PIN] = "officer-pin",
      [VIEW_DONE] = "done",
  };

  if (screen == VIEW_TECHNICIAN_PIN)
    return "technician-pin";
  if (screen == VIEW_TECHNICIAN)
    return "technician";

  if ((int)screen < 0 || screen >= VIEW_N_SCREENS)
    return "unknown";
  return names[screen];
}

gboolean view_save_png(int width, int height, int channels, gsize stride,
                       const guint8 *pixels, const char *path, GError **error)
{
  /* A borrowed view of the caller's pixels: pngio only reads them. */
  BkImage image = {
      .width = width,
      .height = height,
      .channels = channels,
      .stride = stride,
      .pixels = (guint8 *)pixels,
  };

  g_return_val_if_fail(width > 0 && height > 0, FALSE);
  g_return_val_if_fail(channels == 3 || channels == 4, FALSE);
  g_return_val_if_fail(stride >= (gsize)width * channels, FALSE);
  g_return_val_if_fail(pixels != NULL, FALSE);
  g_return_val_if_fail(path != NULL, FALSE);

  return pngio_write_file(&image, path, error);
}
