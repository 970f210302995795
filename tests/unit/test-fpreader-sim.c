/* The simulated reader's persons: set_subject() changes whose fingers the
 * next captures give, deterministically, so two people at the kiosk never
 * share prints and a demo run is repeatable. */
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

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fpreader/sim/subjects", test_subjects);
  return g_test_run();
}
