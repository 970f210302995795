/* libFuzzer target: arbitrary bytes through the JPEG decoder into the photo
 * validator (full and live-view variants) and the crop, the path a camera
 * file takes. Anything may be refused; nothing may crash, leak or read out
 * of bounds. The cascades are loaded once from opencv-data. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "jpegio.h"
#include "photo.h"

static PhotoValidator *validator;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  PhotoConfig config;
  GError *error = NULL;

  photo_config_init(&config);
  validator = photo_validator_new(&config, &error);
  photo_config_clear(&config);
  if (!validator) {
    fprintf(stderr, "fuzz-photo: %s\n", error->message);
    abort();
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int w = 0, h = 0;
  BkImage *image;
  PhotoResult *result;
  PhotoRequest req = {size & 1, (int)(size % 90) - 1, NULL, 1.0};

  if (!jpegio_probe(data, size, &w, &h, NULL))
    return 0;
  /* Keep each run fast: huge claimed sizes are the decoder's business
   * (tested by it refusing them), not the validator's. */
  if ((gint64)w * h > 160 * 1000)
    return 0;
  image = jpegio_decode(data, size, 0, 0, (size & 2) != 0, NULL);
  if (!image)
    return 0;
  result = photo_validate(validator, image, &req);
  if (result->has_crop)
    image_free(photo_crop(validator, image, 1.0, result));
  photo_result_free(result);
  photo_result_free(photo_guide(validator, image, &req));
  image_free(image);
  return 0;
}
