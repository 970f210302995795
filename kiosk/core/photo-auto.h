/* The photo step's automatic shot: once the live guidance has found
 * nothing to fix in `frames` checks in a row, a countdown (3, 2, 1) runs
 * and the shot is due at its end; any guidance reason during the countdown
 * cancels it. Pure: time comes in as an argument (monotonic
 * microseconds). Also the reader of the kiosk's own [photo] settings
 * (config/photo-kiosk.def). */
#pragma once

#include <glib.h>

#include "config.h"

/* A setting of config/photo-kiosk.def by name from the configuration's
 * [photo] group (checked against its range when the file was read), or its
 * default. */
double photo_setting(const KioskConfig *config, const char *key);

/* TRUE when `key` is one of config/photo-kiosk.def (not a validator
 * limit). */
gboolean photo_setting_known(const char *key);

typedef struct {
  int frames;          /* checks in a row wanted; 0 = off */
  gint64 countdown_us; /* the countdown's length */
  int streak;          /* checks in a row without a reason */
  gint64 fire_us;      /* the countdown's end; 0 = not counting */
} PhotoAuto;

/* Off when `frames` is 0. */
void photo_auto_init(PhotoAuto *autoshot, int frames, int countdown_s);

/* Forgets the streak and any countdown (the live view stopped, a shot was
 * asked for). */
void photo_auto_reset(PhotoAuto *autoshot);

/* One guidance check's outcome: `satisfied` when it found no reason. */
void photo_auto_guidance(PhotoAuto *autoshot, gboolean satisfied,
                         gint64 now_us);

/* The number to show (3, 2, 1), 0 when not counting. */
int photo_auto_countdown(const PhotoAuto *autoshot, gint64 now_us);

/* When the shown number next changes or the shot is due; G_MAXINT64 when
 * not counting. */
gint64 photo_auto_deadline(const PhotoAuto *autoshot, gint64 now_us);

/* TRUE once when the countdown has run out: take the shot now (the
 * countdown is then over). */
gboolean photo_auto_due(PhotoAuto *autoshot, gint64 now_us);
