/* What the refusal screen shows about a refused photo, worked out on the
 * photo worker from the validator's result: the failed region as marks over
 * the display image (the covering's outline, the shadow's box, the head's
 * box against the template's, the eye line) and the measured figure behind
 * each reason with the limit it passed (core/texts.h turns a figure into
 * the applicant's sentence on the main thread). */
#pragma once

#include "photo.h"
#include "texts.h"
#include "view.h"

/* Where the display image lies in the analysed image: the 35 x 45 crop
 * (result->crop_*, in original pixels) when `cropped`, else the whole
 * analysed image of width x height. `source_scale` is the original pixels
 * per analysed pixel (PhotoRequest.source_scale). */
typedef struct {
  gboolean cropped;
  int width, height;
  double source_scale;
} PhotoMarksFrame;

/* Fills up to VIEW_MAX_MARKS marks for the first reasons that have a
 * region, in display 0..1 coordinates; returns how many. None for an
 * accepted photo. */
int photo_marks_draw(const PhotoResult *result, const PhotoLimits *limits,
                     const PhotoMarksFrame *frame, ViewMark *ret_marks);

/* Fills up to `max` figures, one per reason that has a measured value
 * (result's measures, limits from `limits`); returns how many. */
int photo_marks_figures(const PhotoResult *result, const PhotoLimits *limits,
                        int age, ReasonFigure *ret_figures, int max);
