/* The head's pose and expression from the 68 facial landmarks
 * (capture/landmarks.h): eye centres, roll, yaw and pitch (a least-squares
 * fit of a mean 3D face), eye aspect ratio, mouth openness, chin and brow
 * line. Internal to capture/. */
#pragma once

#include "image.h"
#include "landmarks.h"

typedef struct {
  Landmarks pts; /* in the pixels of the grey image fitted */
  double eye_lx, eye_ly, eye_rx, eye_ry; /* eye centres, image left/right */
  double mx, my, d;                      /* eye midpoint and eye distance */
  /* Degrees. Roll: the eye line against the horizontal, positive when the
   * image-right eye is lower. Yaw: positive when the face turns towards
   * the image's right. Pitch: positive when the chin is raised. */
  double roll_deg, yaw_deg, pitch_deg;
  double pose_residual; /* rms misfit of the 3D model, in eye distances */
  /* Eye aspect ratio (lid gap / eye width) of each eye and the lower of
   * the two: about 0.3 open, under 0.15 closed. */
  double eye_aspect_left, eye_aspect_right, eye_aspect;
  /* Inner-lip gap / mouth width: 0 closed, above about 0.2 open. */
  double mouth_open;
  double chin_x, chin_y;
  /* The brow line: the mean of the ten brow points, measured along the
   * head's vertical (perpendicular to the eye line) in eye distances above
   * the eye midpoint. */
  double brow_height;
} PhotoPose;

/* Fits the landmarks to the face in the box (bx, by, bw, bh) of `grey`
 * (1 channel), first on the box, then on a patch rotated upright by the
 * measured roll and scaled to a fixed eye distance (the shape predictor is
 * most accurate on upright faces), and derives the pose. */
void photo_pose_fit(const Landmarker *model, const BkImage *grey, double bx,
                    double by, double bw, double bh, PhotoPose *ret);

/* A point given in the head's frame - `along` eye distances along the eye
 * line (towards the image-right eye) and `up` eye distances above the eye
 * midpoint - in image pixels. */
void photo_pose_point(const PhotoPose *pose, double along, double up,
                      double *ret_x, double *ret_y);
