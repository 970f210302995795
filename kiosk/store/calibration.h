/* The empty-backdrop calibration frame: a still of the photo corner with
 * nobody in it, taken from the technician screen, kept in the state folder
 * as <state>/calibration/backdrop.jpg with its measurements beside it in
 * backdrop.json. The photo validator may compare a portrait's background
 * with it (its white balance, brightness and evenness). No personal data:
 * the frame is taken with nobody in front of the camera.
 *
 * backdrop.json: {"version": 1, "captured_at": <unix s>, "width": W,
 * "height": H, "brightness": <mean luma 0..255>, "uniformity": <0..1>,
 * "white_balance": {"r": <gain>, "g": <gain>, "b": <gain>}} */
#pragma once

#include <glib.h>

#include "image.h"

#define CALIBRATION_FOLDER "calibration"
#define CALIBRATION_JPEG   "backdrop.jpg"
#define CALIBRATION_JSON   "backdrop.json"

/* A backdrop darker than this (mean luma), or less even than
 * CALIBRATION_MIN_UNIFORMITY, is stored but flagged for the technician. */
#define CALIBRATION_MIN_BRIGHTNESS 120.0
#define CALIBRATION_MIN_UNIFORMITY 0.80

typedef struct {
  gint64 captured_at; /* unix seconds */
  int width;
  int height;
  double brightness; /* mean luma (BT.601), 0..255 */
  double uniformity; /* darkest over brightest of a 4x4 grid's mean luma */
  double gain_r;     /* white balance: the gain that makes each channel's */
  double gain_g;     /* mean equal to the mean of all three (1.0 = neutral) */
  double gain_b;
} Calibration;

/* Measures an RGB (or grey) frame. FALSE for an empty image. */
gboolean calibration_measure(const BkImage *image, Calibration *ret);

/* TRUE when the measurements are good enough for a backdrop. */
gboolean calibration_acceptable(const Calibration *calibration);

/* Writes the frame and its measurements under `state_dir` (the folder made
 * 0700, the files 0600, each written whole or not at all). */
gboolean calibration_save(const char *state_dir, GBytes *jpeg,
                          const Calibration *calibration, GError **error);

/* Reads the measurements back. G_IO_ERROR_NOT_FOUND when no frame was
 * taken yet; `ret_jpeg_path` (may be NULL) gets the frame's path. */
gboolean calibration_load(const char *state_dir, Calibration *ret,
                          char **ret_jpeg_path, GError **error);
