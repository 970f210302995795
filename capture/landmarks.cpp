// The C++ side of capture/landmarks.h: dlib's shape predictor and HOG face
// detector behind a C interface. Images are read in place through dlib's
// generic image interface (no copy); nothing here throws across the C
// boundary.
#include <glib.h>

extern "C" {
#include "image.h" // a C header without its own extern "C"
}
#include "landmarks.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

struct _Landmarker {
  dlib::shape_predictor predictor;
};

namespace
{

// A read-only view of channel 0 of a BkImage, as dlib's generic image.
struct GreyView {
  const BkImage *image;
};

} // namespace

namespace dlib
{
template <> struct image_traits<GreyView> {
  typedef unsigned char pixel_type;
};
} // namespace dlib

namespace
{

long num_rows(const GreyView &v)
{
  return v.image->height;
}
long num_columns(const GreyView &v)
{
  return v.image->width;
}
const void *image_data(const GreyView &v)
{
  return v.image->pixels;
}
long width_step(const GreyView &v)
{
  return (long)v.image->stride;
}

std::mutex models_lock;
std::map<std::string, std::unique_ptr<_Landmarker>> models;

std::mutex detector_lock;
std::unique_ptr<dlib::frontal_face_detector> detector;

} // namespace

const Landmarker *landmarks_model_get(const char *path, GError **error)
{
  std::lock_guard<std::mutex> guard(models_lock);
  auto found = models.find(path);
  if (found != models.end())
    return found->second.get();
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_IO,
                "landmark model %s is missing (Debian package libdlib-data)",
                path);
    return nullptr;
  }
  auto model = std::make_unique<_Landmarker>();
  try {
    dlib::deserialize(path) >> model->predictor;
  } catch (const std::exception &e) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "landmark model %s cannot be read: %s", path, e.what());
    return nullptr;
  }
  if (model->predictor.num_parts() != LANDMARKS_COUNT) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                "landmark model %s has %lu points, not %d", path,
                (unsigned long)model->predictor.num_parts(), LANDMARKS_COUNT);
    return nullptr;
  }
  const Landmarker *ret = model.get();
  models[path] = std::move(model);
  return ret;
}

void landmarks_fit(const Landmarker *model, const BkImage *grey, double bx,
                   double by, double bw, double bh, Landmarks *ret)
{
  GreyView view = {grey};
  // A point outside the image is read as the nearest edge pixel by dlib.
  dlib::rectangle box((long)bx, (long)by, (long)(bx + bw), (long)(by + bh));
  dlib::full_object_detection shape = model->predictor(view, box);

  for (int i = 0; i < LANDMARKS_COUNT; i++) {
    ret->x[i] = (double)shape.part(i).x();
    ret->y[i] = (double)shape.part(i).y();
  }
}

int landmarks_detect_faces(const BkImage *grey, LandmarksBox *ret, int max)
{
  std::lock_guard<std::mutex> guard(detector_lock);
  GreyView view = {grey};
  std::vector<dlib::rect_detection> found;

  if (!detector)
    detector = std::make_unique<dlib::frontal_face_detector>(
        dlib::get_frontal_face_detector());
  (*detector)(view, found);
  int n = 0;
  for (const auto &d : found) {
    if (n >= max)
      break;
    ret[n].x = d.rect.left();
    ret[n].y = d.rect.top();
    ret[n].w = d.rect.width();
    ret[n].h = d.rect.height();
    ret[n].score = d.detection_confidence;
    n++;
  }
  return n;
}
