/* libFuzzer target for the ISO/IEC 19794-4 finger record parser and its
 * JPEG 2000 decoder (what `record open --extract` validates from an
 * untrusted record): iso19794_4_validate() on arbitrary bytes. It may
 * refuse, never crash, leak or read out of bounds; what it accepts must
 * hold an image of the header's size. */
#include <stddef.h>
#include <stdint.h>

#include "iso19794.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  Iso19794Record r;
  BkImage *img = iso19794_4_validate(data, size, NULL, &r, NULL);

  if (img) {
    g_assert(r.record_length == size && r.n_views >= 1);
    g_assert(img->width == r.views[0].width &&
             img->height == r.views[0].height);
  }
  image_free(img);
  return 0;
}
