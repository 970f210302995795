/* Unit tests of the photo validator: colour science against published
 * CIEDE2000 test data, the reason-code table, configuration, the cascade
 * loader's error handling, and the validator and crop on real face images
 * that Debian ships (skipped when opencv-data is absent). */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "config.h"
#include "jpegio.h"
#include "landmarks.h"
#include "photo-colour.h"
#include "photo-face.h"
#include "photo-texture.h"
#include "photo.h"
#include "pngio.h"
#include "testlib.h"

#define CASCADES "/usr/share/opencv4/haarcascades"
#define HOPPER   "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"

static void test_colour_lab(void)
{
  PhotoLab white = photo_colour_lab(255, 255, 255, NULL);
  PhotoLab black = photo_colour_lab(0, 0, 0, NULL);
  PhotoLab red = photo_colour_lab(255, 0, 0, NULL);
  double gain[3];
  double tinted[3] = {photo_colour_linear(250), photo_colour_linear(240),
                      photo_colour_linear(220)};
  PhotoLab balanced;

  g_assert_cmpfloat_with_epsilon(white.L, 100.0, 0.05);
  g_assert_cmpfloat_with_epsilon(white.a, 0.0, 0.05);
  g_assert_cmpfloat_with_epsilon(white.b, 0.0, 0.05);
  g_assert_cmpfloat_with_epsilon(black.L, 0.0, 0.05);
  /* sRGB red: L* 53.24, a* 80.09, b* 67.20 */
  g_assert_cmpfloat_with_epsilon(red.L, 53.24, 0.1);
  g_assert_cmpfloat_with_epsilon(red.a, 80.09, 0.2);
  g_assert_cmpfloat_with_epsilon(red.b, 67.20, 0.2);
  /* White balance on a yellowish backdrop makes it neutral. */
  photo_colour_gain_for_white(tinted, gain);
  balanced = photo_colour_lab(250, 240, 220, gain);
  g_assert_cmpfloat(photo_colour_chroma(balanced), <, 0.5);
}

static void test_colour_de00(void)
{
  /* Pairs from Sharma, Wu and Dalal's CIEDE2000 test data. */
  static const double pairs[][7] = {
      {50.0, 2.6772, -79.7751, 50.0, 0.0, -82.7485, 2.0425},
      {50.0, 3.1571, -77.2803, 50.0, 0.0, -82.7485, 2.8615},
      {50.0, -1.3802, -84.2814, 50.0, 0.0, -82.7485, 1.0},
      {50.0, 2.5, 0.0, 50.0, 0.0, -2.5, 4.3065},
      {50.0, 2.5, 0.0, 56.0, -27.0, -3.0, 31.9030},
      {60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644},
      {22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373},
      {2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(pairs); i++) {
    PhotoLab x = {pairs[i][0], pairs[i][1], pairs[i][2]};
    PhotoLab y = {pairs[i][3], pairs[i][4], pairs[i][5]};
    g_assert_cmpfloat_with_epsilon(photo_colour_de00(x, y, 1, 1, 1),
                                   pairs[i][6], 1e-3);
    /* Symmetric. */
    g_assert_cmpfloat_with_epsilon(photo_colour_de00(y, x, 1, 1, 1),
                                   pairs[i][6], 1e-3);
  }
}

/* The codes are the validator's interface; their wording is the kiosk's
 * (kiosk/core/texts.c, checked in test-i18n). */
static void test_reason_codes(void)
{
  gsize n = 0;

  for (; photo_reason_codes[n]; n++) {
    g_assert_cmpuint(strlen(photo_reason_codes[n]), >, 0);
    for (gsize k = 0; k < n; k++)
      g_assert_cmpstr(photo_reason_codes[k], !=, photo_reason_codes[n]);
  }
  g_assert_cmpuint(n, ==, 22);
  g_assert_cmpstr(photo_verdict_name(PHOTO_VERDICT_REFER), ==, "refer");
}

static void test_config(void)
{
  PhotoConfig config;

  photo_config_init(&config);
  g_assert_cmpfloat(config.limits.head_min_mm, ==, 26);
  g_assert_cmpfloat(config.limits.head_max_mm, ==, 30);
  g_assert_cmpfloat(config.limits.head_min_mm_child, ==, 19);
  g_assert_cmpfloat(config.limits.child_age, ==, 11);
  g_assert_cmpfloat(config.limits.crop_dpi, ==, 300);
  g_assert_cmpfloat(config.limits.background_refuse_L, ==, 80);
  g_assert_cmpstr(config.landmark_model, ==, LANDMARKS_DEFAULT_MODEL);
  photo_config_clear(&config);
  photo_config_clear(NULL);
}

static void test_cascade_errors(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *bad = g_build_filename(dir, "bad.xml", NULL);
  g_autofree char *lbp = g_build_filename(dir, "lbp.xml", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null(photo_cascade_load("/nonexistent/cascade.xml", &error));
  g_assert_error(error, CAPTURE_ERROR, CAPTURE_ERROR_IO);
  g_clear_error(&error);
  g_assert_true(
      g_file_set_contents(bad, "<opencv_storage><cascade>", -1, NULL));
  g_assert_null(photo_cascade_load(bad, &error));
  g_assert_nonnull(error);
  g_clear_error(&error);
  /* A node pointing at a feature that does not exist. */
  g_assert_true(g_file_set_contents(
      lbp,
      "<opencv_storage><cascade><featureType>HAAR</featureType>"
      "<height>24</height><width>24</width><stages><_>"
      "<stageThreshold>0</stageThreshold><weakClassifiers><_>"
      "<internalNodes>0 -1 5 0.1</internalNodes>"
      "<leafValues>1 -1</leafValues></_></weakClassifiers></_></stages>"
      "<features><_><rects><_>0 0 4 4 -1.</_><_>0 0 2 2 2.</_></rects></_>"
      "</features></cascade></opencv_storage>",
      -1, NULL));
  g_assert_null(photo_cascade_load(lbp, &error));
  g_assert_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA);
  testlib_rmtree(dir);
}

static PhotoValidator *new_validator(void)
{
  PhotoConfig config;
  g_autoptr(GError) error = NULL;
  PhotoValidator *v;

  photo_config_init(&config);
  v = photo_validator_new(&config, &error);
  photo_config_clear(&config);
  g_assert_no_error(error);
  return v;
}

static void test_no_face(void)
{
  g_autoptr(PhotoValidator) v = new_validator();
  g_autoptr(BkImage) blank = image_new(900, 600, 3);
  g_autoptr(PhotoResult) r = NULL;
  PhotoRequest req = {FALSE, -1, NULL, 1.0};

  memset(blank->pixels, 245, blank->stride * 600);
  r = photo_validate(v, blank, &req);
  g_assert_cmpint(r->verdict, ==, PHOTO_VERDICT_REFUSE);
  g_assert_true(photo_result_has_reason(r, PHOTO_REASON_NO_FACE));
  g_assert_false(r->has_crop);
  g_assert_null(photo_crop(v, blank, 1.0, r));
}

static BkImage *load_hopper(void)
{
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents(HOPPER, &data, &len, NULL))
    return NULL;
  return jpegio_decode((const guint8 *)data, len, 0, 0, FALSE, NULL);
}

/* A backdrop canvas (244 grey) of 1000 x HEIGHT. */
static BkImage *backdrop_canvas(int height)
{
  BkImage *canvas = image_new(1000, height, 3);

  memset(canvas->pixels, 244, canvas->stride * height);
  return canvas;
}

/* Pastes Hopper's face, rows y0..y1 and columns x0..x1 of her portrait,
 * into the canvas 235 px right and 60 px down (the face centred). */
static void paste_hopper(BkImage *canvas, const BkImage *hopper, int x0, int x1,
                         int y0, int y1)
{
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      memcpy(image_pixel(canvas, x + 235, y + 60), image_pixel(hopper, x, y),
             3);
}

/* Grace Hopper's portrait: a face with eyes where we know them, on a flag
 * (so the background is refused), wearing a cap. */
static void test_hopper(void)
{
  g_autoptr(PhotoValidator) v = new_validator();
  g_autoptr(BkImage) image = load_hopper();
  g_autoptr(PhotoResult) r = NULL;
  g_autoptr(PhotoResult) live = NULL;
  g_autoptr(BkImage) crop = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BkImage) back = NULL;
  PhotoRequest req = {FALSE, 40, NULL, 1.0};
  double value;

  if (!image) {
    g_test_skip("grace_hopper.jpg not installed");
    return;
  }
  r = photo_validate(v, image, &req);
  g_assert_cmpint(r->faces, ==, 1);
  g_assert_cmpint(r->verdict, ==, PHOTO_VERDICT_REFUSE);
  g_assert_true(photo_result_has_reason(r, PHOTO_REASON_BACKGROUND_NOT_WHITE));
  g_assert_true(photo_result_get_measure(r, "eye_left_x", &value));
  g_assert_cmpfloat(fabs(value - 222), <, 12);
  g_assert_true(photo_result_get_measure(r, "eye_right_x", &value));
  g_assert_cmpfloat(fabs(value - 305), <, 12);
  g_assert_true(photo_result_get_measure(r, "roll_deg", &value));
  g_assert_cmpfloat(fabs(value), <, 6);
  g_assert_false(photo_result_get_measure(r, "no_such_measure", NULL));
  /* Every reason is a documented code. */
  for (guint i = 0; i < r->reasons->len; i++)
    g_assert_true(
        g_strv_contains(photo_reason_codes, g_ptr_array_index(r->reasons, i)));

  /* The crop: configured size, and it encodes both ways. */
  g_assert_true(r->has_crop);
  crop = photo_crop(v, image, 1.0, r);
  g_assert_nonnull(crop);
  g_assert_cmpint(crop->width, ==, 413);  /* 35 mm at 300 dpi */
  g_assert_cmpint(crop->height, ==, 531); /* 45 mm at 300 dpi */
  g_assert_true(photo_crop_encode(crop, 90, &jpeg, &png, &error));
  g_assert_no_error(error);
  back =
      pngio_decode(g_bytes_get_data(png, NULL), g_bytes_get_size(png), &error);
  g_assert_no_error(error);
  g_assert_cmpint(back->width, ==, 413);
  g_clear_pointer(&back, image_free);
  back = jpegio_decode(g_bytes_get_data(jpeg, NULL), g_bytes_get_size(jpeg), 0,
                       0, FALSE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(back->height, ==, 531);

  /* The live-view variant finds the same face. */
  live = photo_guide(v, image, &req);
  g_assert_cmpint(live->faces, ==, 1);
  g_assert_cmpint(live->verdict, !=, PHOTO_VERDICT_ACCEPT);
}

/* `image` turned by `degrees` about its centre (bilinear), white where
 * nothing of it falls. */
static BkImage *rotate(const BkImage *image, double degrees)
{
  BkImage *out = image_new(image->width, image->height, 3);
  double a = degrees * G_PI / 180, c = cos(a), s = sin(a);
  double cx = image->width / 2.0, cy = image->height / 2.0;

  for (int y = 0; y < out->height; y++)
    for (int x = 0; x < out->width; x++) {
      double u = cx + c * (x - cx) + s * (y - cy);
      double v = cy - s * (x - cx) + c * (y - cy);
      int iu = (int)floor(u), iv = (int)floor(v);
      double fu = u - iu, fv = v - iv;
      guint8 *o = image_pixel(out, x, y);
      for (int k = 0; k < 3; k++) {
        double sum = 0;
        for (int j = 0; j < 4; j++) {
          int px = iu + (j & 1), py = iv + (j >> 1);
          double w = ((j & 1) ? fu : 1 - fu) * ((j >> 1) ? fv : 1 - fv);
          gboolean in =
              px >= 0 && py >= 0 && px < image->width && py < image->height;
          sum += w * (in ? image_pixel(image, px, py)[k] : 255);
        }
        o[k] = (guint8)CLAMP(sum + 0.5, 0, 255);
      }
    }
  return out;
}

/* A head rolled by up to 20 degrees is still found (the frontal cascade
 * misses it, dlib's HOG detector does not) and refused as not frontal with
 * about the angle it was turned by; never no_face. */
static void test_rolled(void)
{
  g_autoptr(PhotoValidator) v = new_validator();
  g_autoptr(BkImage) image = load_hopper();
  static const double angles[] = {-20, -12, 14, 20};
  PhotoRequest req = {FALSE, 40, NULL, 1.0};

  if (!image) {
    g_test_skip("grace_hopper.jpg not installed");
    return;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(angles); i++) {
    g_autoptr(BkImage) turned = rotate(image, angles[i]);
    g_autoptr(PhotoResult) r = photo_validate(v, turned, &req);
    double roll = 0;

    g_assert_false(photo_result_has_reason(r, PHOTO_REASON_NO_FACE));
    g_assert_cmpint(r->faces, ==, 1);
    g_assert_true(photo_result_has_reason(r, PHOTO_REASON_NOT_FRONTAL));
    g_assert_true(photo_result_get_measure(r, "roll_deg", &roll));
    /* The portrait's own eye line is about 4 degrees off level. */
    g_assert_cmpfloat(fabs(fabs(roll) - fabs(angles[i])), <, 6);
  }
}

/* Yaw is judged on the landmark pose fit; the mirror axis of the face's
 * edges (yaw_offset), which side light moves, only when the fit cannot be
 * trusted. Hopper's portrait measures yaw about 5 degrees and an axis
 * offset about 0.04: with the axis limits at 0 it is still not turned
 * while the fit is good, and it is once the fit is distrusted (a misfit
 * limit of 0) or the fitted angle's own limit is below 5 degrees. */
static void test_yaw_from_landmarks(void)
{
  g_autoptr(BkImage) image = load_hopper();
  PhotoRequest req = {FALSE, 40, NULL, 1.0};
  const struct {
    double residual_max, yaw_limit;
    gboolean turned;
  } cases[] = {{1, 60, FALSE}, {0, 60, TRUE}, {1, 1, TRUE}};

  if (!image) {
    g_test_skip("grace_hopper.jpg not installed");
    return;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    PhotoConfig config;
    g_autoptr(GError) error = NULL;
    g_autoptr(PhotoValidator) v = NULL;
    g_autoptr(PhotoResult) r = NULL;
    double offset = 0;

    photo_config_init(&config);
    config.limits.yaw_offset_refer = config.limits.yaw_offset_refuse = 0;
    config.limits.pose_residual_max = cases[i].residual_max;
    config.limits.yaw_refer_deg = config.limits.yaw_refuse_deg =
        cases[i].yaw_limit;
    v = photo_validator_new(&config, &error);
    photo_config_clear(&config);
    g_assert_no_error(error);
    r = photo_validate(v, image, &req);
    g_assert_true(photo_result_get_measure(r, "yaw_offset", &offset));
    g_assert_cmpfloat(fabs(offset), >, 0);
    g_assert_cmpint(photo_result_has_reason(r, PHOTO_REASON_NOT_FRONTAL), ==,
                    cases[i].turned);
  }
}

static gboolean has_referral(const PhotoResult *r, const char *code)
{
  return g_ptr_array_find_with_equal_func(r->referrals, code, g_str_equal,
                                          NULL);
}

/* Under a refusal, a doubt about a declared covering is said (the
 * applicant chose it and must change it for the next photo), a mere doubt
 * that hair is an undeclared covering is not: it stays among the
 * referrals, for the officer. Hopper's portrait is refused for its
 * backdrop; her braided cap is made "smooth as fabric" (a doubtful
 * undeclared covering) or, declared, "not smooth" in the referral band. */
static void test_referrals_under_refusal(void)
{
  g_autoptr(BkImage) image = load_hopper();

  if (!image) {
    g_test_skip("grace_hopper.jpg not installed");
    return;
  }
  for (int declared = 0; declared < 2; declared++) {
    const char *code = declared ? PHOTO_REASON_COVERING_NOT_SMOOTH
                                : PHOTO_REASON_COVERING_NOT_DECLARED;
    PhotoRequest req = {declared, 40, NULL, 1.0};
    PhotoConfig config;
    g_autoptr(GError) error = NULL;
    g_autoptr(PhotoValidator) v = NULL;
    g_autoptr(PhotoResult) r = NULL;

    photo_config_init(&config);
    config.limits.hair_min_texture = 100;
    config.limits.covering_texture_refer = 1;
    config.limits.covering_texture_refuse = 100;
    v = photo_validator_new(&config, &error);
    photo_config_clear(&config);
    g_assert_no_error(error);
    r = photo_validate(v, image, &req);
    g_assert_cmpint(r->verdict, ==, PHOTO_VERDICT_REFUSE);
    g_assert_true(
        photo_result_has_reason(r, PHOTO_REASON_BACKGROUND_NOT_WHITE));
    g_assert_true(has_referral(r, code));
    g_assert_cmpint(photo_result_has_reason(r, code), ==, declared);
  }
}

/* Without the landmark model the validator does not start: one line that
 * names the file and the Debian package, never a silent fallback. */
static void test_landmarks_missing(void)
{
  PhotoConfig config;
  g_autoptr(GError) error = NULL;
  g_autoptr(PhotoValidator) v = NULL;

  photo_config_init(&config);
  g_free(config.landmark_model);
  config.landmark_model = g_strdup("/nonexistent/shape_predictor.dat");
  v = photo_validator_new(&config, &error);
  photo_config_clear(&config);
  g_assert_null(v);
  g_assert_error(error, CAPTURE_ERROR, CAPTURE_ERROR_IO);
  g_assert_nonnull(strstr(error->message, "/nonexistent/shape_predictor.dat"));
  g_assert_nonnull(strstr(error->message, "libdlib-data"));
  g_assert_null(strchr(error->message, '\n'));
}

/* The limits: defaults, setting one by name, its range; and the [photo]
 * group of the configuration, checked against the same ranges. */
static void test_limits(void)
{
  static const char minimal[] = "[kiosk]\nlocation_id = IND-DHG\n"
                                "location_name = IND desk\n"
                                "[devices]\ncamera = sim\nreader = sim\n"
                                "pad = sim\n[officer]\npin_hash = "
                                "$argon2id$v=19$m=65536,t=2,p=1$"
                                "DXQlII0UR8hzSUUhUK/8lA$"
                                "OXbt1YP/9WXAito6edg/sVFZrDi2X5CovQGuJ1sf4CU\n";
  g_autofree char *conf = testlib_source_path("config/biokiosk.conf");
  g_autofree char *defaults = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = NULL;
  g_autoptr(KioskConfig) bad = NULL;
  PhotoLimits limits;
  GHashTableIter iter;
  gpointer key, value;

  photo_limits_init(&limits);
  g_assert_cmpfloat(limits.roll_refuse_deg, ==, 8);
  g_assert_cmpfloat(limits.eye_aspect_refuse, ==, 0.15);
  g_assert_true(photo_limits_set(&limits, "roll_refuse_deg", 10, &error));
  g_assert_cmpfloat(limits.roll_refuse_deg, ==, 10);
  g_assert_false(photo_limits_set(&limits, "roll_refuse_deg", 90, &error));
  g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  g_clear_error(&error);
  g_assert_false(photo_limits_set(&limits, "no_such_limit", 1, &error));
  g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND);
  g_clear_error(&error);

  g_assert_true(g_file_get_contents(conf, &defaults, NULL, NULL));
  text = g_strconcat(minimal, "[photo]\nmouth_open_refuse = 0.5\n", NULL);
  config = config_parse(defaults, "k.conf", text, &error);
  g_assert_no_error(error);
  g_assert_true(config_override(config, "photo.roll_refuse_deg=10", &error));
  g_assert_no_error(error);
  g_assert_false(config_override(config, "photo.roll_refuse_deg=99", &error));
  g_assert_nonnull(strstr(error->message, "roll_refuse_deg"));
  g_clear_error(&error);
  g_assert_false(config_override(config, "photo.roll_refuse_deg=ten", &error));
  g_clear_error(&error);
  g_assert_false(config_override(config, "photo.no_such_limit=1", &error));
  g_clear_error(&error);
  /* What the file and --set gave is what the validator gets. */
  photo_limits_init(&limits);
  g_hash_table_iter_init(&iter, config->photo_limits);
  while (g_hash_table_iter_next(&iter, &key, &value))
    g_assert_true(
        photo_limits_set(&limits, key, g_ascii_strtod(value, NULL), NULL));
  g_assert_cmpfloat(limits.mouth_open_refuse, ==, 0.5);
  g_assert_cmpfloat(limits.roll_refuse_deg, ==, 10);

  g_free(text);
  text = g_strconcat(minimal, "[photo]\nroll_refuse_deg = 99\n", NULL);
  bad = config_parse(defaults, "k.conf", text, &error);
  g_assert_null(bad);
  g_assert_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE);
  g_assert_cmpstr(
      error->message, ==,
      "k.conf:11: [photo] roll_refuse_deg: expected a number 0..45");
}

/* Grey and RGBA inputs are accepted as they are; a grey photo has no
 * natural skin colour. */
static void test_channels(void)
{
  g_autoptr(PhotoValidator) v = new_validator();
  g_autoptr(BkImage) hopper = load_hopper();
  g_autoptr(BkImage) grey = NULL;
  g_autoptr(BkImage) rgba = NULL;
  g_autoptr(PhotoResult) rg = NULL;
  g_autoptr(PhotoResult) ra = NULL;
  g_autoptr(PhotoResult) r3 = NULL;
  PhotoRequest req = {FALSE, -1, NULL, 1.0};

  if (!hopper) {
    g_test_skip("grace_hopper.jpg not installed");
    return;
  }
  grey = image_convert(hopper, 1);
  rgba = image_convert(hopper, 4);
  rg = photo_validate(v, grey, &req);
  ra = photo_validate(v, rgba, &req);
  r3 = photo_validate(v, hopper, &req);
  g_assert_cmpint(rg->faces, ==, 1);
  g_assert_true(photo_result_has_reason(rg, PHOTO_REASON_UNNATURAL_COLOUR));
  /* RGBA gives exactly the RGB result. */
  g_assert_cmpint(ra->verdict, ==, r3->verdict);
  g_assert_cmpuint(ra->measures->len, ==, r3->measures->len);
  for (guint i = 0; i < r3->measures->len; i++)
    g_assert_cmpfloat(g_array_index(ra->measures, PhotoMeasure, i).value, ==,
                      g_array_index(r3->measures, PhotoMeasure, i).value);
}

/* The same face pasted on a white backdrop with and without a light
 * declared covering band above it: the covering is refused. */
static void test_white_covering(void)
{
  g_autoptr(PhotoValidator) v = new_validator();
  g_autoptr(BkImage) hopper = load_hopper();
  g_autoptr(BkImage) canvas = NULL;
  g_autoptr(PhotoResult) r = NULL;
  PhotoRequest req = {TRUE, -1, NULL, 1.0};

  if (!hopper) {
    g_test_skip("grace_hopper.jpg not installed");
    return;
  }
  canvas = backdrop_canvas(700);
  /* Face region only (below the cap), centred. */
  paste_hopper(canvas, hopper, 150, 380, 140, 420);
  r = photo_validate(v, canvas, &req);
  g_assert_cmpint(r->faces, ==, 1);
  /* Nothing but white above the forehead while a covering is declared. */
  g_assert_cmpint(r->verdict, !=, PHOTO_VERDICT_ACCEPT);
  g_assert_true(photo_result_has_reason(r, PHOTO_REASON_COVERING_WHITE) ||
                photo_result_has_reason(r, PHOTO_REASON_COVERING_LOW_CONTRAST));
  /* With a dark object on the backdrop as well, the light covering is
   * still named first. */
  for (int y = 60; y < 300; y++)
    memset(image_pixel(canvas, 40, y), 40, 3 * 70);
  g_clear_pointer(&r, photo_result_free);
  r = photo_validate(v, canvas, &req);
  g_assert_true(
      photo_result_has_reason(r, PHOTO_REASON_BACKGROUND_NOT_UNIFORM));
  if (photo_result_has_reason(r, PHOTO_REASON_COVERING_WHITE))
    g_assert_cmpstr(g_ptr_array_index(r->reasons, 0), ==,
                    PHOTO_REASON_COVERING_WHITE);
}

/* Light clothes on a white backdrop (a cream shirt): it widens below the
 * shoulders, and its lower corner, cut off from the rest by a highlight
 * the colour of the backdrop, lies 3.9 eye distances beside the head's
 * axis. It is the body, not an object behind it; an object beside the
 * head still is one. */
static void test_white_shirt(void)
{
  g_autoptr(PhotoValidator) v = new_validator();
  g_autoptr(BkImage) hopper = load_hopper();
  g_autoptr(BkImage) canvas = NULL;
  g_autoptr(PhotoResult) r = NULL;
  PhotoRequest req = {FALSE, -1, NULL, 1.0};

  if (!hopper) {
    g_test_skip("grace_hopper.jpg not installed");
    return;
  }
  canvas = backdrop_canvas(900);
  paste_hopper(canvas, hopper, 150, 380, 140, 420);
  for (int y = 560; y < 900; y++) {
    int half = 200 + (y - 560) * 220 / 340;
    for (int x = 500 - half; x < 500 + half; x++)
      if (x < 215 || x >= 225)
        memcpy(image_pixel(canvas, x, y), (guint8[]){236, 226, 200}, 3);
  }
  r = photo_validate(v, canvas, &req);
  g_assert_cmpint(r->faces, ==, 1);
  g_assert_false(
      photo_result_has_reason(r, PHOTO_REASON_BACKGROUND_NOT_UNIFORM));
  g_assert_false(has_referral(r, PHOTO_REASON_BACKGROUND_NOT_UNIFORM));
  /* A dark object beside the head is still one. */
  for (int y = 60; y < 300; y++)
    memset(image_pixel(canvas, 40, y), 40, 3 * 70);
  g_clear_pointer(&r, photo_result_free);
  r = photo_validate(v, canvas, &req);
  g_assert_true(
      photo_result_has_reason(r, PHOTO_REASON_BACKGROUND_NOT_UNIFORM));
}

/* The covering's outline for the refusal screen is the whole covering: a
 * dark scarf drawn round Hopper's face, over the head and down beside
 * the face. The outline reaches beside the face below the eyes, and its
 * top is the scarf's, not the face's. */
static void test_covering_outline(void)
{
  g_autoptr(PhotoValidator) v = new_validator();
  g_autoptr(BkImage) hopper = load_hopper();
  g_autoptr(BkImage) canvas = NULL;
  g_autoptr(PhotoResult) r = NULL;
  PhotoRequest req = {TRUE, -1, NULL, 1.0};
  double mx, my, d, top = 1e9;
  gboolean beside = FALSE;

  if (!hopper) {
    g_test_skip("grace_hopper.jpg not installed");
    return;
  }
  canvas = backdrop_canvas(800);
  /* The scarf: an ellipse round the face, down to the shoulders. */
  for (int y = 60; y < 640; y++)
    for (int x = 250; x < 750; x++)
      if (pow((x - 500) / 230.0, 2) + pow((y - 340) / 280.0, 2) < 1)
        memcpy(image_pixel(canvas, x, y), (guint8[]){30, 70, 50}, 3);
  paste_hopper(canvas, hopper, 160, 370, 180, 440);
  r = photo_validate(v, canvas, &req);
  g_assert_cmpint(r->faces, ==, 1);
  g_assert_cmpint(r->covering.n, >, 8);
  mx = (r->eye_left_x + r->eye_right_x) / 2;
  my = (r->eye_left_y + r->eye_right_y) / 2;
  d = r->eye_right_x - r->eye_left_x;
  for (int i = 0; i < r->covering.n; i++) {
    top = MIN(top, r->covering.y[i]);
    beside = beside || (r->covering.y[i] > my + 0.3 * d &&
                        fabs(r->covering.x[i] - mx) > 1.3 * d);
  }
  g_assert_true(beside);
  g_assert_cmpfloat(fabs(top - 60), <, 0.25 * d);
}

/* The command line: JSON lines, exit 1 for a refused photo, exit 2 with one
 * line on stderr for a truncated JPEG (and the other files still checked). */
static void test_cli(void)
{
  const char *biokiosk = g_getenv("BK_BIOKIOSK");
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *trunc = g_build_filename(dir, "trunc.jpg", NULL);
  g_autofree char *data = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *obj;
  gsize len;
  int status;

  if (!biokiosk || !g_file_get_contents(HOPPER, &data, &len, NULL)) {
    g_test_skip("no biokiosk binary or no grace_hopper.jpg");
    testlib_rmtree(dir);
    return;
  }
  g_assert_true(g_file_set_contents(trunc, data, (gssize)len / 2, NULL));
  {
    const char *argv[] = {biokiosk, "validate-photo", "--json",
                          trunc,    HOPPER,           NULL};
    status = testlib_spawn(argv, NULL, &out, &err);
  }
  g_assert_cmpint(status, ==, 2);
  g_assert_nonnull(strstr(err, "trunc.jpg"));
  g_assert_cmpint(strchr(err, '\n') - err, ==, (int)strlen(err) - 1);
  lines = g_strsplit(out, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 2); /* one line + "" */
  g_assert_true(json_parser_load_from_data(parser, lines[0], -1, NULL));
  obj = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpstr(json_object_get_string_member(obj, "file"), ==, HOPPER);
  g_assert_cmpstr(json_object_get_string_member(obj, "verdict"), ==, "refuse");
  g_assert_true(json_object_has_member(obj, "reasons"));
  g_assert_true(json_object_has_member(obj, "measures"));
  g_assert_cmpfloat(json_object_get_double_member(obj, "ms"), >, 0);
  g_clear_pointer(&out, g_free);
  g_clear_pointer(&err, g_free);
  {
    const char *argv[] = {biokiosk, "validate-photo", HOPPER, NULL};
    status = testlib_spawn(argv, NULL, &out, &err);
  }
  g_assert_cmpint(status, ==, 1);
  testlib_rmtree(dir);
}

/* The reasons of `biokiosk validate-photo --json HOPPER` with `args` and
 * environment `envp`; the exit status in *ret_status. */
static char *cli_reasons(const char *const *args, const char *const *envp,
                         int *ret_status)
{
  const char *argv[12] = {g_getenv("BK_BIOKIOSK"), "validate-photo", "--json"};
  g_autofree char *out = NULL, *err = NULL;
  char *reasons, *end;
  int n = 3;

  for (int i = 0; args[i] && n < 10; i++)
    argv[n++] = args[i];
  argv[n++] = HOPPER;
  *ret_status = testlib_spawn(argv, envp, &out, &err);
  g_test_message("exit %d: %s %s", *ret_status, out, err);
  if (*ret_status == 2) {
    /* one line naming the problem */
    g_assert_cmpint(strchr(err, '\n') - err, ==, (int)strlen(err) - 1);
    return g_strdup(err);
  }
  reasons = strstr(out, "\"reasons\":[");
  g_assert_nonnull(reasons);
  end = strchr(reasons, ']');
  return g_strndup(reasons, end - reasons);
}

/* validate-photo takes the [photo] limits of a configuration: --config
 * FILE, the file BIOKIOSK_CONFIG names, and --set. Grace Hopper's portrait
 * is too small for the default eye distance; with the limit at 10 px the
 * reason goes. A limit out of its range is a usage error. */
static void test_cli_config(void)
{
  g_autofree char *base = NULL, *text = NULL, *lowered = NULL, *r = NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *conf = g_build_filename(dir, "biokiosk.conf", NULL);
  g_autofree char *env = g_strdup_printf("BIOKIOSK_CONFIG=%s", conf);
  const char *envp[] = {env, NULL};
  int status;

  if (!g_getenv("BK_BIOKIOSK") || !g_file_test(HOPPER, G_FILE_TEST_EXISTS) ||
      !g_getenv("BK_SOURCE_DIR")) {
    g_test_skip("no biokiosk binary, source folder or grace_hopper.jpg");
    testlib_rmtree(dir);
    return;
  }
  base = g_build_filename(g_getenv("BK_SOURCE_DIR"), "config", "biokiosk.conf",
                          NULL);
  g_assert_true(g_file_get_contents(base, &text, NULL, NULL));
  parts = g_strsplit(text, "\n[photo]\n", 2);
  g_assert_cmpuint(g_strv_length(parts), ==, 2);
  lowered = g_strjoinv("\n[photo]\neye_distance_refer_px = 10\n"
                       "eye_distance_refuse_px = 10\n",
                       parts);
  g_assert_true(g_file_set_contents(conf, lowered, -1, NULL));

  r = cli_reasons((const char *[]){"--config", base, NULL}, NULL, &status);
  g_assert_nonnull(strstr(r, PHOTO_REASON_RESOLUTION_TOO_LOW));
  g_clear_pointer(&r, g_free);
  r = cli_reasons((const char *[]){"--config", conf, NULL}, NULL, &status);
  g_assert_cmpint(status, ==, 1);
  g_assert_null(strstr(r, PHOTO_REASON_RESOLUTION_TOO_LOW));
  g_clear_pointer(&r, g_free);
  r = cli_reasons((const char *[]){NULL}, envp, &status);
  g_assert_null(strstr(r, PHOTO_REASON_RESOLUTION_TOO_LOW));
  g_clear_pointer(&r, g_free);
  r = cli_reasons((const char *[]){"--config", base, "--set",
                                   "photo.eye_distance_refuse_px=5000", NULL},
                  NULL, &status);
  g_assert_cmpint(status, ==, 2);
  g_assert_nonnull(strstr(r, "eye_distance_refuse_px"));
  testlib_rmtree(dir);
}

/* A 60 x 60 patch of fabric in (150, 70, 35) shaded broadly (a fold every
 * 40 px), with a darker crease every `crease` px (0: none), or with grey
 * strands over a skin-coloured scalp every third pixel (`strands`). A
 * little deterministic noise on every pixel, as a sensor gives. */
static BkImage *texture_patch(gboolean strands, int crease)
{
  BkImage *im = image_new(60, 60, 3);

  for (int y = 0; y < 60; y++)
    for (int x = 0; x < 60; x++) {
      double shade = 0.85 + 0.15 * sin(2 * G_PI * (x + 0.5 * y) / 40.0);
      double rgb[3] = {150, 70, 35};
      guint8 *p = image_pixel(im, x, y);
      int noise = (int)((x * 7 + y * 13) % 3) - 1;
      if (crease && (x + y) % crease == 0)
        shade *= 0.7;
      if (strands) {
        gboolean strand = (x + 2 * y) % 3 == 0;
        rgb[0] = strand ? 150 : 185, rgb[1] = strand ? 150 : 125;
        rgb[2] = strand ? 150 : 95;
      }
      for (int k = 0; k < 3; k++)
        p[k] = (guint8)CLAMP(rgb[k] * shade + noise, 0, 255);
    }
  return im;
}

/* Fine colour texture: hair strands over a scalp are far above fabric,
 * folds and creases included; the mask and the quantile are honoured;
 * degenerate patches measure 0. */
static void test_texture_colour(void)
{
  g_autoptr(BkImage) fabric = texture_patch(FALSE, 0);
  g_autoptr(BkImage) creased = texture_patch(FALSE, 24);
  g_autoptr(BkImage) hair = texture_patch(TRUE, 0);
  g_autoptr(BkImage) grey = image_convert(hair, 1);
  g_autoptr(BkImage) tiny = image_new(4, 4, 3);
  g_autofree guint8 *left = g_new0(guint8, 60 * 60);
  g_autofree guint8 *none = g_new0(guint8, 60 * 60);
  double smooth = photo_texture_colour(fabric, NULL, 0.25);
  double folds = photo_texture_colour(creased, NULL, 0.25);
  double strands = photo_texture_colour(hair, NULL, 0.25);

  g_test_message("colour texture: fabric %.2f, creased %.2f, strands %.2f",
                 smooth, folds, strands);
  g_assert_cmpfloat(smooth, <, 1.0);
  g_assert_cmpfloat(folds, <, 1.6);
  g_assert_cmpfloat(strands, >, 4 * MAX(folds, 0.5));
  g_assert_cmpfloat(photo_texture_colour(creased, NULL, 0.9), >, folds);
  /* Half hair, half fabric: the mask decides which is measured. */
  for (int y = 0; y < 60; y++)
    for (int x = 0; x < 60; x++) {
      guint8 *d = image_pixel(fabric, x, y);
      if (x < 30)
        memcpy(d, image_pixel(hair, x, y), 3);
      left[y * 60 + x] = x > 4 && x < 25;
    }
  g_assert_cmpfloat(photo_texture_colour(fabric, left, 0.25), >, 3.0);
  g_assert_cmpfloat(photo_texture_colour(fabric, NULL, 0.25), <,
                    photo_texture_colour(fabric, left, 0.25));
  g_assert_cmpfloat(photo_texture_colour(fabric, none, 0.25), ==, 0);
  g_assert_cmpfloat(photo_texture_colour(grey, NULL, 0.25), ==, 0);
  g_assert_cmpfloat(photo_texture_colour(tiny, NULL, 0.25), ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/photo/colour/lab", test_colour_lab);
  g_test_add_func("/photo/colour/de00", test_colour_de00);
  g_test_add_func("/photo/reasons", test_reason_codes);
  g_test_add_func("/photo/config", test_config);
  g_test_add_func("/photo/texture/colour", test_texture_colour);
  if (!g_file_test(CASCADES "/haarcascade_frontalface_alt2.xml",
                   G_FILE_TEST_EXISTS))
    testlib_skip_all("opencv-data's Haar cascades are not installed");
  g_test_add_func("/photo/cascade-errors", test_cascade_errors);
  g_test_add_func("/photo/no-face", test_no_face);
  g_test_add_func("/photo/hopper", test_hopper);
  g_test_add_func("/photo/white-covering", test_white_covering);
  g_test_add_func("/photo/white-shirt", test_white_shirt);
  g_test_add_func("/photo/covering-outline", test_covering_outline);
  g_test_add_func("/photo/rolled", test_rolled);
  g_test_add_func("/photo/yaw-from-landmarks", test_yaw_from_landmarks);
  g_test_add_func("/photo/referrals-under-refusal",
                  test_referrals_under_refusal);
  g_test_add_func("/photo/landmarks-missing", test_landmarks_missing);
  g_test_add_func("/photo/limits", test_limits);
  g_test_add_func("/photo/cli", test_cli);
  g_test_add_func("/photo/cli-config", test_cli_config);
  g_test_add_func("/photo/channels", test_channels);
  return g_test_run();
}
