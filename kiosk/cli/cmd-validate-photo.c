/* `biokiosk validate-photo [--json] [--head-covering] [--background FILE]
 * [--config FILE] [--set photo.KEY=VALUE] IMAGE...`: runs the photo
 * validator on image files, for technicians and for the evaluation of the
 * validator on a labelled corpus, with the limits of the configuration's
 * [photo] group (the same file the other commands read). One JSON object
 * per line and image with --json (format in the README). */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bk-config.h"
#include "commands.h"
#include "i18n.h"
#include "texts.h"
#include "jpegio.h"
#include "photo.h"
#include "pngio.h"
#include "settings.h"

/* Decoding a 24 MP JPEG in full costs more than all checks together; the
 * validator needs about this many pixels on the long side. */
#define VALIDATE_DECODE_SIDE 1200

/* The largest image file read (docs/configuration.md): a 24 MP camera JPEG
 * is some 10-20 MB, a PNG of one well under this. A FIFO or a device is
 * refused too, so /dev/zero cannot eat the memory. */
#define VALIDATE_FILE_MAX_BYTES (64 * 1024 * 1024)

/* Decodes a JPEG (DCT-scaled) or PNG file; *ret_scale is original pixels
 * per decoded pixel. */
static BkImage *load_image(const char *path, int long_side, double *ret_scale,
                           GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  BkImage *image;
  int w = 0, h = 0;

  if (!settings_read_file(path, VALIDATE_FILE_MAX_BYTES, &data, &len, error))
    return NULL;
  if (len >= 2 && (guint8)data[0] == 0xFF && (guint8)data[1] == 0xD8) {
    if (!jpegio_probe((const guint8 *)data, len, &w, &h, error))
      return NULL;
    image = jpegio_decode((const guint8 *)data, len, w >= h ? long_side : 0,
                          w >= h ? 0 : long_side, FALSE, error);
  } else {
    image = pngio_decode((const guint8 *)data, len, error);
    if (image)
      w = image->width;
  }
  if (image)
    *ret_scale = (double)w / image->width;
  return image;
}

static void append_json_string(GString *out, const char *value)
{
  g_autoptr(JsonNode) node = json_node_new(JSON_NODE_VALUE);
  g_autofree char *text = NULL;

  json_node_set_string(node, value);
  text = json_to_string(node, FALSE);
  g_string_append(out, text);
}

static void append_json_number(GString *out, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* Short, locale-independent numbers keep the lines readable. */
  g_string_append(out, g_ascii_formatd(buf, sizeof(buf), "%.6g",
                                       isfinite(value) ? value : 0.0));
}

static void append_json_codes(GString *out, const GPtrArray *codes)
{
  g_string_append_c(out, '[');
  for (guint i = 0; i < codes->len; i++) {
    if (i)
      g_string_append_c(out, ',');
    append_json_string(out, g_ptr_array_index(codes, i));
  }
  g_string_append_c(out, ']');
}

/* "reasons" decided the verdict (and are what the applicant is told);
 * "referrals" are every doubtful code, also under a refusal, for the
 * officer. */
static void print_json(const char *file, const PhotoResult *r, double ms)
{
  g_autoptr(GString) out = g_string_new("{\"file\":");

  append_json_string(out, file);
  g_string_append(out, ",\"verdict\":");
  append_json_string(out, photo_verdict_name(r->verdict));
  g_string_append(out, ",\"reasons\":");
  append_json_codes(out, r->reasons);
  g_string_append(out, ",\"referrals\":");
  append_json_codes(out, r->referrals);
  g_string_append(out, ",\"measures\":{");
  for (guint i = 0; i < r->measures->len; i++) {
    const PhotoMeasure *m = &g_array_index(r->measures, PhotoMeasure, i);
    if (i)
      g_string_append_c(out, ',');
    append_json_string(out, m->name);
    g_string_append_c(out, ':');
    append_json_number(out, m->value);
  }
  g_string_append(out, "},\"ms\":");
  append_json_number(out, round(ms * 10) / 10);
  g_string_append(out, "}");
  printf("%s\n", out->str);
}

static void print_text(const char *file, const PhotoResult *r)
{
  printf("%s: %s\n", file, photo_verdict_name(r->verdict));
  for (guint k = 0; k < r->reasons->len; k++) {
    const char *code = g_ptr_array_index(r->reasons, k);
    printf("  %s: %s\n", code, reason_text(code));
  }
}

/* <crop_dir>/<file's base name>.crop.png */
static gboolean write_crop(PhotoValidator *validator, const BkImage *image,
                           double source_scale, const PhotoResult *result,
                           const char *crop_dir, const char *file,
                           GError **error)
{
  g_autoptr(BkImage) crop = photo_crop(validator, image, source_scale, result);
  g_autofree char *base = g_path_get_basename(file);
  g_autofree char *out = g_strdup_printf("%s/%s.crop.png", crop_dir, base);

  return !crop || pngio_write_file(crop, out, error);
}

/* Validates each file with `base`'s request; the exit status is the worst
 * seen (an unreadable file, else a photo not accepted). */
static int validate_files(PhotoValidator *validator, const PhotoRequest *base,
                          char **files, gboolean json, const char *crop_dir)
{
  int status = EXIT_OK;

  for (int i = 0; files[i]; i++) {
    g_autoptr(GError) local = NULL;
    g_autoptr(BkImage) image = NULL;
    g_autoptr(PhotoResult) result = NULL;
    PhotoRequest req = *base;
    gint64 start = g_get_monotonic_time();
    double ms;

    image =
        load_image(files[i], VALIDATE_DECODE_SIDE, &req.source_scale, &local);
    if (!image) {
      kiosk_usage_error("validate-photo", "%s: %s", files[i], local->message);
      status = EXIT_USAGE;
      continue;
    }
    result = photo_validate(validator, image, &req);
    ms = (g_get_monotonic_time() - start) / 1000.0;
    if (json)
      print_json(files[i], result, ms);
    else
      print_text(files[i], result);
    fflush(stdout);
    if (result->verdict != PHOTO_VERDICT_ACCEPT && status == EXIT_OK)
      status = EXIT_NEGATIVE;
    if (crop_dir && result->verdict == PHOTO_VERDICT_ACCEPT &&
        !write_crop(validator, image, req.source_scale, result, crop_dir,
                    files[i], &local))
      return kiosk_usage_error("validate-photo", "%s", local->message);
  }
  return status;
}

/* The validator with the limits of the configuration's [photo] group. */
static PhotoValidator *validator_from_config(const CommandConfig *cc,
                                             GError **error)
{
  g_autoptr(KioskConfig) kc = command_config_load(cc, error);
  PhotoConfig config;
  PhotoValidator *validator = NULL;

  if (!kc)
    return NULL;
  photo_config_init(&config);
  if (photo_limits_set_table(&config.limits, kc->photo_limits, error))
    validator = photo_validator_new(&config, error);
  photo_config_clear(&config);
  return validator;
}

static int validate_photo_run(int argc, char **argv)
{
  gboolean json = FALSE, covering = FALSE;
  g_autofree char *background_path = NULL;
  g_autofree char *crop_dir = NULL;
  g_autofree char *lang = NULL;
  g_auto(GStrv) files = NULL;
  int age = -1;
  GOptionEntry entries[] = {
      {"json", 0, 0, G_OPTION_ARG_NONE, &json,
       "One JSON object per line and image", NULL},
      {"head-covering", 0, 0, G_OPTION_ARG_NONE, &covering,
       "The applicant declared a head covering for religious or belief "
       "reasons",
       NULL},
      {"background", 0, 0, G_OPTION_ARG_FILENAME, &background_path,
       "Calibration frame of the empty background", "FILE"},
      {"age", 0, 0, G_OPTION_ARG_INT, &age, "Applicant's age in years", "N"},
      {"lang", 0, 0, G_OPTION_ARG_STRING, &lang,
       "Language of the messages without --json (nl, en)", "LANG"},
      {"crop-dir", 0, 0, G_OPTION_ARG_FILENAME, &crop_dir,
       "Write the 35x45 mm crop of accepted photos there (test images only)",
       "DIR"},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
       NULL},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx =
      g_option_context_new("IMAGE... - check passport photos");
  g_autoptr(GError) error = NULL;
  g_autoptr(PhotoValidator) validator = NULL;
  g_autoptr(BkImage) background = NULL;
  g_auto(CommandConfig) cc = {0};

  g_option_context_add_main_entries(ctx, entries, NULL);
  command_config_add_options(&cc, ctx);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return kiosk_usage_error("validate-photo", "%s", error->message);
  if (!files || !files[0])
    return kiosk_usage_error("validate-photo", "no image given");
  /* The messages come from the kiosk's catalogues; no thread runs yet.
   * Without --lang nothing is set up and the sentences are the English
   * msgids. */
  if (lang && !i18n_init(lang))
    return kiosk_usage_error("validate-photo", "--lang: no '%s' texts", lang);

  validator = validator_from_config(&cc, &error);
  if (!validator)
    return kiosk_usage_error("validate-photo", "%s", error->message);
  if (background_path) {
    double s;
    background = load_image(background_path, VALIDATE_DECODE_SIDE, &s, &error);
    if (!background)
      return kiosk_usage_error("validate-photo", "%s: %s", background_path,
                               error->message);
  }
  return validate_files(validator,
                        &(PhotoRequest){covering, age, background, 1.0}, files,
                        json, crop_dir);
}

const KioskCommand kiosk_cmd_validate_photo = {
    .name = "validate-photo",
    .summary = "Check passport photos against the Dutch photo rules",
    .run = validate_photo_run,
};
