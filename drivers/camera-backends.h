/* The camera backends' driver tables, for the registry in camera.c. Private
 * to drivers/: the rest of the kiosk picks a backend by name. */
#pragma once

#include "camera.h"

/* camera-sim.c: JPEG files from a folder (option "folder", optional "still").
 */
extern const CameraDriver camera_sim_driver;

/* camera-gphoto2.c: a real camera through libgphoto2. */
extern const CameraDriver camera_gphoto2_driver;
