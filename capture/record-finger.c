/* A finger image in the record (see record-finger.h). */
#include "record-finger.h"

#include "iso19794.h"

gboolean record_add_finger_image(BkRecord *record, const char *name,
                                 const BkImage *image, int ppi, int position,
                                 int quality, GError **error)
{
  g_autoptr(GBytes) iso = NULL;
  g_autofree char *iso_name = NULL;

  g_return_val_if_fail(record && name && image, FALSE);
  iso = iso19794_4_encode(image, ppi, position, quality, error);
  if (!iso)
    return FALSE;
  if (!record_add_grey_image(record, name, image, ppi)) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "a finger image must be grey, not %d channels",
                image->channels);
    return FALSE;
  }
  iso_name = g_strconcat(name, RECORD_FINGER_ISO_SUFFIX, NULL);
  record_add_part(record, iso_name, ISO19794_4_MEDIA_TYPE, iso);
  return TRUE;
}

char *record_add_finger_exception_photo(BkRecord *record, const char *finger,
                                        GBytes *jpeg)
{
  char *name;

  g_return_val_if_fail(record && finger && jpeg, NULL);
  name = g_strconcat(RECORD_FINGER_EXCEPTION_PHOTO_PREFIX, finger, NULL);
  record_add_part(record, name, RECORD_MEDIA_JPEG, jpeg);
  return name;
}
