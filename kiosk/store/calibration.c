/* See calibration.h. */
#include "calibration.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define GRID 4

static double luma(const guint8 *p, int channels)
{
  if (channels < 3)
    return p[0];
  return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
}

gboolean calibration_measure(const BkImage *image, Calibration *ret)
{
  double sum[3] = {0, 0, 0}, cells[GRID * GRID] = {0};
  double lightest = 0, darkest = G_MAXDOUBLE, total = 0, grey;
  gsize n = 0, per_cell[GRID * GRID] = {0};

  memset(ret, 0, sizeof *ret);
  if (!image || image->width <= 0 || image->height <= 0)
    return FALSE;
  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++) {
      const guint8 *p = image_pixel(image, x, y);
      int cell = (y * GRID / image->height) * GRID + x * GRID / image->width;
      double l = luma(p, image->channels);

      for (int c = 0; c < 3; c++)
        sum[c] += p[image->channels < 3 ? 0 : c];
      cells[cell] += l;
      per_cell[cell]++;
      total += l;
      n++;
    }
  for (int i = 0; i < GRID * GRID; i++) {
    double mean = per_cell[i] ? cells[i] / per_cell[i] : 0;

    lightest = MAX(lightest, mean);
    darkest = MIN(darkest, mean);
  }
  grey = (sum[0] + sum[1] + sum[2]) / 3;
  ret->width = image->width;
  ret->height = image->height;
  ret->brightness = total / n;
  ret->uniformity = lightest > 0 ? darkest / lightest : 0;
  ret->gain_r = sum[0] > 0 ? grey / sum[0] : 0;
  ret->gain_g = sum[1] > 0 ? grey / sum[1] : 0;
  ret->gain_b = sum[2] > 0 ? grey / sum[2] : 0;
  return TRUE;
}

gboolean calibration_acceptable(const Calibration *c)
{
  return c->brightness >= CALIBRATION_MIN_BRIGHTNESS &&
         c->uniformity >= CALIBRATION_MIN_UNIFORMITY;
}

static void add_double(JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name(b, name);
  /* Three decimals are plenty and keep the file readable. */
  json_builder_add_double_value(b, (double)(gint64)(value * 1000 + 0.5) / 1000);
}

static char *calibration_json(const Calibration *c)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object(b);
  json_builder_set_member_name(b, "version");
  json_builder_add_int_value(b, 1);
  json_builder_set_member_name(b, "captured_at");
  json_builder_add_int_value(b, c->captured_at);
  json_builder_set_member_name(b, "width");
  json_builder_add_int_value(b, c->width);
  json_builder_set_member_name(b, "height");
  json_builder_add_int_value(b, c->height);
  add_double(b, "brightness", c->brightness);
  add_double(b, "uniformity", c->uniformity);
  json_builder_set_member_name(b, "white_balance");
  json_builder_begin_object(b);
  add_double(b, "r", c->gain_r);
  add_double(b, "g", c->gain_g);
  add_double(b, "b", c->gain_b);
  json_builder_end_object(b);
  json_builder_end_object(b);
  root = json_builder_get_root(b);
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_root(gen, root);
  return json_generator_to_data(gen, NULL);
}

gboolean calibration_save(const char *state_dir, GBytes *jpeg,
                          const Calibration *calibration, GError **error)
{
  g_autofree char *dir = g_build_filename(state_dir, CALIBRATION_FOLDER, NULL);
  g_autofree char *jpeg_path = g_build_filename(dir, CALIBRATION_JPEG, NULL);
  g_autofree char *json_path = g_build_filename(dir, CALIBRATION_JSON, NULL);
  g_autofree char *json = calibration_json(calibration);

  if (g_mkdir_with_parents(dir, 0700) != 0) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                "cannot make %s: %s", dir, g_strerror(saved));
    return FALSE;
  }
  return g_file_set_contents_full(
             jpeg_path, g_bytes_get_data(jpeg, NULL), g_bytes_get_size(jpeg),
             G_FILE_SET_CONTENTS_CONSISTENT, 0600, error) &&
         g_file_set_contents_full(json_path, json, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static double member_double(JsonObject *o, const char *name)
{
  return o ? json_object_get_double_member_with_default(o, name, 0) : 0;
}

gboolean calibration_load(const char *state_dir, Calibration *ret,
                          char **ret_jpeg_path, GError **error)
{
  g_autofree char *dir = g_build_filename(state_dir, CALIBRATION_FOLDER, NULL);
  g_autofree char *json_path = g_build_filename(dir, CALIBRATION_JSON, NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *o, *wb;

  memset(ret, 0, sizeof *ret);
  if (!g_file_test(json_path, G_FILE_TEST_EXISTS)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "no backdrop calibration in %s", dir);
    return FALSE;
  }
  if (!json_parser_load_from_file(parser, json_path, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "%s: not a calibration", json_path);
    return FALSE;
  }
  o = json_node_get_object(json_parser_get_root(parser));
  ret->captured_at =
      json_object_get_int_member_with_default(o, "captured_at", 0);
  ret->width = (int)json_object_get_int_member_with_default(o, "width", 0);
  ret->height = (int)json_object_get_int_member_with_default(o, "height", 0);
  ret->brightness = member_double(o, "brightness");
  ret->uniformity = member_double(o, "uniformity");
  wb =
      json_object_has_member(o, "white_balance") &&
              JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "white_balance"))
          ? json_object_get_object_member(o, "white_balance")
          : NULL;
  ret->gain_r = member_double(wb, "r");
  ret->gain_g = member_double(wb, "g");
  ret->gain_b = member_double(wb, "b");
  if (ret_jpeg_path)
    *ret_jpeg_path = g_build_filename(dir, CALIBRATION_JPEG, NULL);
  return TRUE;
}
