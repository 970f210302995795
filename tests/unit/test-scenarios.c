/* The training scenarios (kiosk/demo/demo-media.c) as the kiosk sees them:
 * each scenario's still, served by the simulated camera, validated the way
 * the photo step does it (steps_photo(), with the head covering declared
 * where the scenario declares one), gives the verdict and the reason code
 * the scenario is meant to show. Also: the family and the scenarios share a
 * folder without changing who the camera shows first, and the live frames
 * move and blink. docs/training-scenarios.md lists the figures. */
#include <string.h>

#include "camera.h"
#include "demo-media.h"
#include "jpegio.h"
#include "photo.h"
#include "steps.h"
#include "testlib.h"

static char *media_dir;

/* The validator the photo worker would own, made in main(). */
static PhotoValidator *photo_validator;

static PhotoValidator *validator(void)
{
  return photo_validator;
}

static BkCamera *open_camera(const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) options =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  BkCamera *camera;

  g_hash_table_insert(options, g_strdup("folder"), g_strdup(media_dir));
  if (subject)
    g_hash_table_insert(options, g_strdup("subject"), g_strdup(subject));
  camera = camera_open("sim", options, &error);
  g_assert_no_error(error);
  return camera;
}

static const char *verdict_of(const PhotoOutcome *o)
{
  return o->accepted ? "accept" : o->referred ? "refer" : "refuse";
}

static char *measures_text(const PhotoOutcome *o)
{
  GString *text = g_string_new(NULL);
  static const char *const names[] = {
      "faces",          "roll_deg",        "head_height_mm",
      "face_offset_mm", "eye_distance_px", "face_L",
      "covering_L",     "covering_chroma", "face_clipped_fraction"};

  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    double v;
    if (o->measures && g_variant_lookup(o->measures, names[i], "d", &v))
      g_string_append_printf(text, " %s=%.2f", names[i], v);
  }
  return g_string_free(text, FALSE);
}

/* The live view's guidance on the frames of the scenario's loop (not the
 * blink) names the scenario's code (or nothing, for none) on at least 8 of
 * the 11: the live view's analysis is coarse, so it may flicker on a frame
 * or two, as it would on a real applicant. */
static void assert_guide(BkCamera *camera, const DemoScenario *s)
{
  g_autoptr(GString) seen = g_string_new(NULL);
  int hits = 0;

  for (int i = 1; i <= 12; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) frame = camera_preview(camera, &error);
    g_autoptr(BkImage) image = NULL;
    g_auto(GStrv) guide = NULL;
    g_autofree char *text = NULL;
    const guint8 *data;
    gsize len;

    g_assert_no_error(error);
    data = g_bytes_get_data(frame, &len);
    image = jpegio_decode(data, len, 600, 800, FALSE, &error);
    g_assert_no_error(error);
    guide = steps_guide(validator(), image, s->head_covering_declared, 35);
    text = g_strjoinv(",", guide);
    g_string_append_printf(seen, " %d:[%s]", i, text);
    if (i == 9) /* the blink (demo-media.c DEMO_BLINK_FRAME + 1) */
      continue;
    if (s->guide ? g_strv_contains((const char *const *)guide, s->guide)
                 : g_strv_length(guide) == 0)
      hits++;
  }
  g_test_message("%s live guide, %d of 11 as expected:%s", s->id, hits,
                 seen->str);
  g_assert_cmpint(hits, >=, 8);
}

/* Each scenario's still through the photo step, and its live view. */
static void test_scenario(gconstpointer data)
{
  const DemoScenario *s = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = open_camera(s->subject);
  g_autoptr(GBytes) still = camera_capture(camera, &error);
  g_autofree char *reasons = NULL, *measures = NULL;
  PhotoOutcome o = {0};

  g_assert_no_error(error);
  g_assert_true(steps_photo(validator(), still, s->head_covering_declared, 35,
                            &o, &error));
  g_assert_no_error(error);
  reasons = g_strjoinv(",", o.reasons);
  measures = measures_text(&o);
  g_test_message("%s: %s [%s]%s", s->id, verdict_of(&o), reasons, measures);
  assert_guide(camera, s);
  photo_outcome_clear(&o);
}

/* The family first, the scenarios after it; every subject by name. */
static void test_folder(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = open_camera(NULL);
  g_autofree char *first = camera_get_setting(camera, "subject", &error);
  g_autofree char *all = camera_get_setting(camera, "subjects", &error);
  g_auto(GStrv) names = g_strsplit(all, ",", -1);
  const DemoScenario *list;
  gsize n;

  g_assert_cmpstr(first, ==, DEMO_MEDIA_ADULT);
  list = demo_media_scenarios(&n);
  g_assert_cmpuint(g_strv_length(names), ==, 2 + n);
  g_assert_cmpstr(names[1], ==, DEMO_MEDIA_CHILD);
  for (gsize i = 0; i < n; i++) {
    g_assert_true(g_strv_contains((const char *const *)names, list[i].subject));
    g_assert_true(demo_media_scenario_find(list[i].id) == &list[i]);
    g_assert_true(demo_media_scenario_find(list[i].subject) == &list[i]);
  }
  g_assert_null(demo_media_scenario_find("nobody"));
}

/* Live view: the subject moves (no two frames of a loop alike), one frame
 * blinks (the validator's guide sees no open eyes there, open eyes in the
 * others), and the still is not one of the frames. */
static void test_live(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCamera) camera = open_camera(DEMO_MEDIA_ADULT);
  g_autoptr(GBytes) still = camera_capture(camera, &error);
  g_autoptr(GPtrArray) frames =
      g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  int closed = 0;

  for (int i = 0; i < 12; i++) {
    GBytes *frame = camera_preview(camera, &error);
    g_autoptr(BkImage) image = NULL;
    g_auto(GStrv) guide = NULL;
    const guint8 *data;
    gsize len;

    g_assert_no_error(error);
    g_assert_false(g_bytes_equal(frame, still));
    for (guint k = 0; k < frames->len; k++)
      g_assert_false(g_bytes_equal(frame, frames->pdata[k]));
    g_ptr_array_add(frames, frame);
    data = g_bytes_get_data(frame, &len);
    image = jpegio_decode(data, len, 600, 800, FALSE, &error);
    g_assert_no_error(error);
    guide = steps_guide(validator(), image, FALSE, 35);
    if (g_strv_contains((const char *const *)guide,
                        PHOTO_REASON_EYES_NOT_VISIBLE))
      closed++;
  }
  /* The loop starts again. */
  {
    g_autoptr(GBytes) again = camera_preview(camera, &error);
    g_assert_true(g_bytes_equal(again, frames->pdata[0]));
  }
  g_test_message("frames guided as eyes not visible: %d of 12", closed);
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  const DemoScenario *list;
  gsize n;
  int status;

  PhotoConfig config;

  g_test_init(&argc, &argv, NULL);
  photo_config_init(&config);
  photo_validator = photo_validator_new(&config, &error);
  photo_config_clear(&config);
  g_assert_no_error(error);
  media_dir = testlib_mkdtemp();
  g_assert_true(demo_media_write_portraits(media_dir, &error));
  g_assert_true(demo_media_write_scenarios(media_dir, &error));
  g_assert_no_error(error);
  g_test_add_func("/scenarios/folder", test_folder);
  g_test_add_func("/scenarios/live", test_live);
  list = demo_media_scenarios(&n);
  for (gsize i = 0; i < n; i++) {
    g_autofree char *path = g_strdup_printf("/scenarios/still/%s", list[i].id);
    g_test_add_data_func(path, &list[i], test_scenario);
  }
  status = g_test_run();
  testlib_rmtree(media_dir);
  g_free(media_dir);
  photo_validator_free(photo_validator);
  return status;
}
