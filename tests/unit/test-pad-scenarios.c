/* The simulated pad's training scenarios (drivers/pad-sim.c): a signature
 * too small for the signature check, and a pad unplugged part way through a
 * signature that stays away for a while and then signs again; both from
 * the options and armed at run time (pad_sim_set_scenario()). */
#include <gio/gio.h>

#include "pad-sim.h"
#include "pad.h"
#include "signature.h"
#include "testlib.h"

static void count_point(gpointer data, const PadPoint *point)
{
  (void)point;
  (*(guint *)data)++;
}

static GArray *collect(BkPad *pad, guint *ret_streamed, GError **error)
{
  PadSink sink = {.point = count_point, .data = ret_streamed};

  *ret_streamed = 0;
  return pad_collect_to(pad, 5000, NULL, &sink, error);
}

static SignatureCheck check(const GArray *samples)
{
  SignatureCheck result;

  signature_check((const SignatureSample *)samples->data, samples->len,
                  &result);
  return result;
}

static BkPad *open_pad(const char *scenario, const char *away_ms)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  BkPad *pad;

  if (scenario)
    g_hash_table_insert(opts, "scenario", (gpointer)scenario);
  if (away_ms)
    g_hash_table_insert(opts, "unplugged_ms", (gpointer)away_ms);
  pad = pad_open("sim", opts, &error);
  g_assert_no_error(error);
  return pad;
}

/* scenario=small-signature (the options, at the first open): the first
 * signing is refused as too small, and only for that; the next passes. */
static void test_small_signature(void)
{
  g_autoptr(BkPad) pad = open_pad("small-signature", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) small = NULL;
  g_autoptr(GArray) normal = NULL;
  SignatureCheck result;
  guint streamed;

  small = collect(pad, &streamed, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(streamed, ==, small->len);
  result = check(small);
  g_test_message("small: %.3f x %.3f, ink %.2f, %.0f ms", result.bbox_w,
                 result.bbox_h, result.ink_length, result.duration_ms);
  g_assert_cmpuint(result.reasons, ==, SIGNATURE_REASON_TOO_SMALL);
  g_assert_cmpfloat(result.bbox_w, <, SIGNATURE_MIN_WIDTH);
  normal = collect(pad, &streamed, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(check(normal).reasons, ==, SIGNATURE_REASON_NONE);
}

/* Armed at run time: the signing stops part way with the pad gone, it
 * cannot be opened for unplugged_ms, then it opens and a whole signature
 * passes. */
static void test_unplugged(void)
{
  g_autoptr(BkPad) pad = open_pad(NULL, "400");
  g_autoptr(BkPad) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) lost = NULL;
  g_autoptr(GArray) whole = NULL;
  GHashTable *none = g_hash_table_new(g_str_hash, g_str_equal);
  gint64 unplugged;
  guint streamed;

  g_assert_true(pad_sim_set_scenario("unplugged", &error));
  g_assert_no_error(error);
  lost = collect(pad, &streamed, &error);
  unplugged = g_get_monotonic_time();
  g_assert_null(lost);
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_DISCONNECTED);
  g_clear_error(&error);
  /* Part way: some ink was on the screen. */
  g_assert_cmpuint(streamed, >, 20);
  pad_close(g_steal_pointer(&pad));

  g_assert_null(pad_open("sim", none, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
  g_clear_error(&error);
  while (!(again = pad_open("sim", none, NULL)))
    g_usleep(20000);
  g_assert_cmpint(g_get_monotonic_time() - unplugged, >=, 400000);
  g_assert_cmpint(g_get_monotonic_time() - unplugged, <, 2000000);
  whole = collect(again, &streamed, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(streamed, ==, whole->len);
  g_assert_cmpuint(check(whole).reasons, ==, SIGNATURE_REASON_NONE);
  g_hash_table_unref(none);
}

/* "none" disarms; an unknown name is refused and changes nothing. */
static void test_names(void)
{
  g_autoptr(BkPad) pad = open_pad(NULL, NULL);
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) samples = NULL;
  guint streamed;

  g_assert_true(pad_sim_set_scenario("small-signature", &error));
  g_assert_true(pad_sim_set_scenario("none", &error));
  g_assert_false(pad_sim_set_scenario("small-signatur", &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "unplugged"));
  g_clear_error(&error);
  samples = collect(pad, &streamed, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(check(samples).reasons, ==, SIGNATURE_REASON_NONE);

  g_hash_table_insert(opts, "scenario", "three-pens");
  g_assert_null(pad_open("sim", opts, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* In this order: the first open naming a scenario arms it. */
  g_test_add_func("/pad-scenarios/small-signature", test_small_signature);
  g_test_add_func("/pad-scenarios/unplugged", test_unplugged);
  g_test_add_func("/pad-scenarios/names", test_names);
  return g_test_run();
}
