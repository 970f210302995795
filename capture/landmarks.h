/* Facial landmarks for the photo validator: dlib's 68-point shape predictor
 * (Debian's libdlib-data, CC0) run on a face box, and dlib's HOG frontal
 * face detector as the fallback for heads the Haar cascade misses (rolled
 * up to about 20 degrees). The one C++ file of capture/ (landmarks.cpp) is
 * behind this C header. Internal to capture/.
 *
 * Point numbering is the iBUG 300-W one: 0-16 jaw line (8 = chin), 17-21
 * and 22-26 the brows, 27-35 the nose, 36-41 and 42-47 the eyes (image left
 * first), 48-67 the mouth (60-67 the inner lip line). */
#pragma once

#include "image.h"

G_BEGIN_DECLS

#define LANDMARKS_COUNT 68
#define LANDMARKS_DEFAULT_MODEL                                                \
  "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

typedef struct _Landmarker Landmarker;

typedef struct {
  double x[LANDMARKS_COUNT], y[LANDMARKS_COUNT];
} Landmarks;

typedef struct {
  double x, y, w, h; /* in the pixels of the image searched */
  double score;      /* detector confidence, larger is surer */
} LandmarksBox;

/* The shape predictor stored at `path`, read once per process on the first
 * call for that path and shared by every caller afterwards (thread-safe;
 * never freed: the model is about 95 MB read in about a second). Returns
 * NULL with CAPTURE_ERROR_IO when the file is missing or unreadable and
 * CAPTURE_ERROR_INVALID_DATA when it is not a 68-point shape predictor. */
const Landmarker *landmarks_model_get(const char *path, GError **error);

/* The 68 points of the face in the box (bx, by, bw, bh) of the grey image
 * (1 channel; `grey` may be any BkImage, only channel 0 is read). Safe to
 * call from several threads at once. */
void landmarks_fit(const Landmarker *model, const BkImage *grey, double bx,
                   double by, double bw, double bh, Landmarks *ret);

/* dlib's HOG frontal face detector (five filters, two of them for rolled
 * heads) on a grey image. Fills up to `max` boxes, best first, and returns
 * how many it found. Serialised internally (one detector per process). */
int landmarks_detect_faces(const BkImage *grey, LandmarksBox *ret, int max);

G_END_DECLS
