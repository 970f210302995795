/* The officer's exception photo; see exception-photo.h. */
#include "exception-photo.h"

#include "jpegio.h"
#include "record.h"
#include "steps.h"

void exception_photo_clear(ExceptionPhoto *photo)
{
  g_clear_pointer(&photo->jpeg, g_bytes_unref);
  g_clear_pointer(&photo->display, image_free);
  photo->finger = 0;
}

gboolean exception_photo_make(GBytes *camera_jpeg, int finger,
                              ExceptionPhoto *ret, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(BkImage) decoded = NULL;
  g_autoptr(BkImage) kept = NULL;
  g_autoptr(GBytes) encoded = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data(camera_jpeg, &len);

  /* The DCT scaling stops at the first size still at least this large. */
  decoded = jpegio_decode(data, len, EXCEPTION_PHOTO_MAX_SIDE / 2,
                          EXCEPTION_PHOTO_MAX_SIDE / 2, FALSE, &local);
  if (decoded) {
    kept =
        steps_fit(decoded, EXCEPTION_PHOTO_MAX_SIDE, EXCEPTION_PHOTO_MAX_SIDE);
    encoded = jpegio_encode(kept, EXCEPTION_PHOTO_QUALITY, &local);
  }
  if (!encoded) {
    g_set_error(error, STEPS_ERROR, STEPS_ERROR_UNREADABLE_PHOTO,
                "the camera sent an unreadable photo: %s", local->message);
    return FALSE;
  }
  ret->finger = finger;
  ret->jpeg = record_wiped_bytes_new(g_bytes_get_data(encoded, NULL),
                                     g_bytes_get_size(encoded), NULL);
  ret->display = steps_fit(kept, STEPS_PREVIEW_MAX_W, STEPS_PREVIEW_MAX_H);
  return TRUE;
}
