/* The simulated reader's persons: set_subject() changes whose fingers the
 * next captures give, deterministically, so two people at the kiosk never
 * share prints and a demo run is repeatable. Its training scenarios: a poor
 * finger that the kiosk's quality check refuses (for good, or for a number
 * of attempts), a missing finger that is never placed, bad options. */
#include <string.h>

#include "fpquality.h"
#include "fpreader.h"
#include "testlib.h"

static GBytes *capture(BkFpReader *reader)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FpImpression) imp =
      fpreader_capture(reader, READER_FINGER_RIGHT_INDEX, 1000, NULL, &error);

  g_assert_no_error(error);
  g_assert_nonnull(imp);
  return g_bytes_ref(imp->pixels);
}

static void test_subjects(void)
{
  g_autoptr(GHashTable) options = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkFpReader) reader = NULL;
  g_autoptr(GBytes) first = NULL, a = NULL, b = NULL, a_again = NULL;

  g_hash_table_insert(options, "seed", "1");
  reader = fpreader_open("sim", options, &error);
  g_assert_no_error(error);
  first = capture(reader);
  fpreader_set_subject(reader, "48213907/0");
  a = capture(reader);
  fpreader_set_subject(reader, "48213907/1");
  b = capture(reader);
  fpreader_set_subject(reader, "48213907/0");
  a_again = capture(reader);

  g_assert_false(g_bytes_equal(first, a));
  g_assert_false(g_bytes_equal(a, b));      /* two people, two fingers */
  g_assert_true(g_bytes_equal(a, a_again)); /* same person, same start */
}

static BkFpReader *open_with(const char *const *pairs)
{
  g_autoptr(GHashTable) options = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  BkFpReader *reader;

  g_hash_table_insert(options, "seed", "1");
  for (; pairs && pairs[0]; pairs += 2)
    g_hash_table_insert(options, (gpointer)pairs[0], (gpointer)pairs[1]);
  reader = fpreader_open("sim", options, &error);
  g_assert_no_error(error);
  return reader;
}

/* Captures `finger` and returns the kiosk's quality score of it. */
static int quality_of(BkFpReader *reader, ReaderFinger finger)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FpImpression) imp =
      fpreader_capture(reader, finger, 1000, NULL, &error);
  g_autoptr(BkImage) image = NULL;
  FpQuality q;

  g_assert_no_error(error);
  image = image_new(imp->width, imp->height, 1);
  memcpy(image->pixels, g_bytes_get_data(imp->pixels, NULL),
         (gsize)imp->width * imp->height);
  fpquality_assess(image, &q);
  return q.score;
}

/* The right index (the default) stays poor, on every attempt and for
 * every person; the other fingers are good. */
static void test_poor_finger(void)
{
  static const char *const options[] = {"scenario", "poor-finger", NULL};
  g_autoptr(BkFpReader) reader = open_with(options);

  for (int person = 0; person < 2; person++) {
    g_autofree char *subject = g_strdup_printf("48213907/%d", person);

    fpreader_set_subject(reader, subject);
    for (int i = 0; i < 4; i++) {
      int score = quality_of(reader, READER_FINGER_RIGHT_INDEX);
      g_test_message("person %d right index attempt %d: score %d", person,
                     i + 1, score);
      g_assert_cmpint(score, <, FPQUALITY_GOOD_SCORE);
    }
    g_assert_cmpint(quality_of(reader, READER_FINGER_LEFT_INDEX), >=,
                    FPQUALITY_GOOD_SCORE);
  }
}

/* poor_attempts: the finger is poor that many times per person, then good
 * (the kiosk retries and gets it); another finger by scenario_finger. */
static void test_poor_then_good(void)
{
  static const char *const options[] = {
      "scenario", "poor-finger", "scenario_finger", "7", "poor_attempts",
      "2",        NULL};
  g_autoptr(BkFpReader) reader = open_with(options);

  for (int person = 0; person < 2; person++) {
    g_autofree char *subject = g_strdup_printf("48213907/%d", person);

    fpreader_set_subject(reader, subject);
    g_assert_cmpint(quality_of(reader, READER_FINGER_RIGHT_INDEX), >=,
                    FPQUALITY_GOOD_SCORE);
    g_assert_cmpint(quality_of(reader, READER_FINGER_LEFT_INDEX), <,
                    FPQUALITY_GOOD_SCORE);
    g_assert_cmpint(quality_of(reader, READER_FINGER_LEFT_INDEX), <,
                    FPQUALITY_GOOD_SCORE);
    g_assert_cmpint(quality_of(reader, READER_FINGER_LEFT_INDEX), >=,
                    FPQUALITY_GOOD_SCORE);
  }
}

static gpointer cancel_later(gpointer data)
{
  g_usleep(100000);
  g_cancellable_cancel(data);
  return NULL;
}

/* The missing finger is never placed: the capture times out (after the
 * timeout, not before) or is cancelled; the other fingers are there. */
static void test_missing_finger(void)
{
  static const char *const options[] = {"scenario", "missing-finger", NULL};
  g_autoptr(BkFpReader) reader = open_with(options);
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  g_autoptr(FpImpression) imp = NULL;
  gint64 start = g_get_monotonic_time();

  imp = fpreader_capture(reader, READER_FINGER_RIGHT_INDEX, 200, NULL, &error);
  g_assert_null(imp);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT);
  g_assert_cmpint(g_get_monotonic_time() - start, >=, 200 * 1000);
  g_clear_error(&error);
  g_assert_cmpint(quality_of(reader, READER_FINGER_LEFT_INDEX), >=,
                  FPQUALITY_GOOD_SCORE);

  /* No timeout: only a cancel ends the wait (another thread cancels). */
  {
    GThread *thread = g_thread_new("cancel", cancel_later, cancel);

    imp =
        fpreader_capture(reader, READER_FINGER_RIGHT_INDEX, 0, cancel, &error);
    g_thread_join(thread);
  }
  g_assert_null(imp);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void test_bad_options(void)
{
  static const char *const bad[][2] = {{"scenario", "broken-finger"},
                                       {"scenario_finger", "11"},
                                       {"scenario_finger", "0"},
                                       {"poor_attempts", "-1"},
                                       {"poor_attempts", "two"}};

  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GHashTable) options = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GError) error = NULL;

    g_hash_table_insert(options, (gpointer)bad[i][0], (gpointer)bad[i][1]);
    g_assert_null(fpreader_open("sim", options, &error));
    g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, bad[i][1]));
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fpreader/sim/subjects", test_subjects);
  g_test_add_func("/fpreader/sim/poor-finger", test_poor_finger);
  g_test_add_func("/fpreader/sim/poor-then-good", test_poor_then_good);
  g_test_add_func("/fpreader/sim/missing-finger", test_missing_finger);
  g_test_add_func("/fpreader/sim/bad-options", test_bad_options);
  return g_test_run();
}
