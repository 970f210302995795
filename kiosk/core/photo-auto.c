/* See photo-auto.h. */
#include "photo-auto.h"

#include <string.h>

static const struct {
  const char *key;
  double def;
} photo_settings[] = {
#define PHOTO_KIOSK(key, def, lo, hi) {#key, def},
#include "photo-kiosk.def"
#undef PHOTO_KIOSK
};

double photo_setting(const KioskConfig *config, const char *key)
{
  const char *value = config && config->photo_limits
                          ? g_hash_table_lookup(config->photo_limits, key)
                          : NULL;

  if (value)
    return g_ascii_strtod(value, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(photo_settings); i++)
    if (strcmp(photo_settings[i].key, key) == 0)
      return photo_settings[i].def;
  g_return_val_if_reached(0);
}

gboolean photo_setting_known(const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS(photo_settings); i++)
    if (strcmp(photo_settings[i].key, key) == 0)
      return TRUE;
  return FALSE;
}

void photo_auto_init(PhotoAuto *a, int frames, int countdown_s)
{
  memset(a, 0, sizeof *a);
  a->frames = MAX(frames, 0);
  a->countdown_us = (gint64)MAX(countdown_s, 1) * G_USEC_PER_SEC;
}

void photo_auto_reset(PhotoAuto *a)
{
  if (a->fire_us)
    g_debug("photo: automatic shot's countdown cancelled");
  a->streak = 0;
  a->fire_us = 0;
}

void photo_auto_guidance(PhotoAuto *a, gboolean satisfied, gint64 now_us)
{
  if (a->frames == 0)
    return;
  if (!satisfied) {
    photo_auto_reset(a);
    return;
  }
  a->streak++;
  if (!a->fire_us && a->streak >= a->frames) {
    a->fire_us = now_us + a->countdown_us;
    g_debug("photo: %d good checks in a row, automatic shot's countdown",
            a->streak);
  }
}

int photo_auto_countdown(const PhotoAuto *a, gint64 now_us)
{
  gint64 left = a->fire_us - now_us;

  if (!a->fire_us || left <= 0)
    return 0;
  return (int)((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

gint64 photo_auto_deadline(const PhotoAuto *a, gint64 now_us)
{
  gint64 left = a->fire_us - now_us;

  if (!a->fire_us)
    return G_MAXINT64;
  if (left <= 0)
    return now_us;
  /* The next whole second before the end, when the number changes. */
  return a->fire_us - (left - 1) / G_USEC_PER_SEC * G_USEC_PER_SEC;
}

gboolean photo_auto_due(PhotoAuto *a, gint64 now_us)
{
  if (!a->fire_us || now_us < a->fire_us)
    return FALSE;
  a->fire_us = 0;
  a->streak = 0;
  return TRUE;
}
