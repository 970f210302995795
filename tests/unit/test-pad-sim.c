/* The simulated signature pad: plausible generated signatures (range,
 * sampling rate, strokes and pen-up gaps), determinism from the seed, CSV
 * replay and its errors, realtime mode with timeout and cancel. */
#include "pad.h"
#include "testlib.h"

#include <glib/gstdio.h>
#include <string.h>

static GArray *collect_with(GHashTable *opts, GError **error)
{
  g_autoptr(BkPad) pad = pad_open("sim", opts, error);

  if (!pad)
    return NULL;
  return pad_collect(pad, 5000, NULL, error);
}

static GArray *collect_seed(const char *seed)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  GArray *a;

  g_hash_table_insert(opts, "seed", (gpointer)seed);
  a = collect_with(opts, &error);
  g_assert_no_error(error);
  return a;
}

static void test_plausible(void)
{
  g_autoptr(GArray) a = collect_seed("17");
  int strokes = 0, down = 0, up_gaps = 0;
  double rate;
  gint64 dur;

  g_assert_cmpuint(a->len, >, 100);
  g_assert_cmpint(g_array_index(a, PadSample, 0).t_us, ==, 0);
  for (guint i = 0; i < a->len; i++) {
    const PadSample *s = &g_array_index(a, PadSample, i);
    g_assert_cmpfloat(s->x, >=, 0.0);
    g_assert_cmpfloat(s->x, <=, 1.0);
    g_assert_cmpfloat(s->y, >=, 0.0);
    g_assert_cmpfloat(s->y, <=, 1.0);
    g_assert_cmpfloat(s->pressure, >=, 0.0);
    g_assert_cmpfloat(s->pressure, <=, 1.0);
    if (i > 0)
      g_assert_cmpint(s->t_us, >, g_array_index(a, PadSample, i - 1).t_us);
    if (s->pressure > 0) {
      down++;
      if (i == 0 || g_array_index(a, PadSample, i - 1).pressure == 0)
        strokes++;
    } else if (i > 0 && g_array_index(a, PadSample, i - 1).pressure > 0) {
      up_gaps++;
    }
  }
  dur = g_array_index(a, PadSample, a->len - 1).t_us;
  rate = (a->len - 1) / (dur / 1e6);
  g_test_message("%u samples, %d strokes, %.2f s, %.0f Hz", a->len, strokes,
                 dur / 1e6, rate);
  g_assert_cmpint(strokes, >=, 2);
  g_assert_cmpint(up_gaps, >=, 1);
  g_assert_cmpfloat(rate, >=, 100);
  g_assert_cmpfloat(rate, <=, 200);
  g_assert_cmpfloat(dur / 1e6, >, 0.8);
  g_assert_cmpfloat(dur / 1e6, <, 10);

  /* Pressure varies along a stroke rather than being constant. */
  {
    double lo = 1, hi = 0;
    for (guint i = 0; i < a->len; i++) {
      double p = g_array_index(a, PadSample, i).pressure;
      if (p > 0) {
        lo = MIN(lo, p);
        hi = MAX(hi, p);
      }
    }
    g_assert_cmpfloat(hi - lo, >, 0.3);
  }
}

static void test_deterministic(void)
{
  g_autoptr(GArray) a = collect_seed("alice");
  g_autoptr(GArray) b = collect_seed("alice");
  g_autoptr(GArray) c = collect_seed("bob");

  g_assert_cmpuint(a->len, ==, b->len);
  g_assert_cmpmem(a->data, a->len * sizeof(PadSample), b->data,
                  b->len * sizeof(PadSample));
  g_assert_true(a->len != c->len ||
                memcmp(a->data, c->data, a->len * sizeof(PadSample)) != 0);
}

static void test_repeat_varies(void)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = NULL;
  g_autoptr(GArray) a = NULL, b = NULL;

  g_hash_table_insert(opts, "seed", "carol");
  pad = pad_open("sim", opts, &error);
  g_assert_no_error(error);
  a = pad_collect(pad, 0, NULL, &error);
  b = pad_collect(pad, 0, NULL, &error);
  g_assert_no_error(error);
  /* Nobody signs twice identically. */
  g_assert_true(a->len != b->len ||
                memcmp(a->data, b->data, a->len * sizeof(PadSample)) != 0);
}

static void test_csv_replay(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "sig.csv", NULL);
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) a = NULL;
  const char *csv = "x,y,pressure,t_us\n"
                    "# recorded on a test pad\n"
                    "0.10,0.50,0.40,1000000\n"
                    "0.20,0.55,0.80,1006667\n"
                    "0.30,0.50,0.00,1013333\n";

  g_assert_true(g_file_set_contents(path, csv, -1, NULL));
  g_hash_table_insert(opts, "file", path);
  a = collect_with(opts, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(a->len, ==, 3);
  g_assert_cmpfloat(g_array_index(a, PadSample, 1).x, ==, 0.20);
  g_assert_cmpfloat(g_array_index(a, PadSample, 1).pressure, ==, 0.80);
  /* Time counts from the first sample. */
  g_assert_cmpint(g_array_index(a, PadSample, 0).t_us, ==, 0);
  g_assert_cmpint(g_array_index(a, PadSample, 2).t_us, ==, 13333);
  testlib_rmtree(dir);
}

static void test_csv_errors(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "bad.csv", NULL);
  g_autofree char *missing = g_build_filename(dir, "missing.csv", NULL);
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  const char *const bad[] = {
      "0.1,0.2,0.3\n",                      /* three fields */
      "0.1,0.2,abc,100\n",                  /* not a number */
      "0.1,0.2,1.5,100\n",                  /* pressure beyond 1 */
      "0.1,0.2,0.5,200\n0.1,0.2,0.5,100\n", /* time going back */
  };

  g_hash_table_insert(opts, "file", missing);
  g_assert_null(pad_open("sim", opts, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_hash_table_insert(opts, "file", path);
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_true(g_file_set_contents(path, bad[i], -1, NULL));
    g_assert_null(pad_open("sim", opts, &error));
    g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_INVALID);
    g_clear_error(&error);
  }
  testlib_rmtree(dir);
}

static void test_realtime(void)
{
  g_autoptr(GHashTable) opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  gint64 start = g_get_monotonic_time();
  DeviceInfo info = {0};

  g_hash_table_insert(opts, "realtime", "true");
  pad = pad_open("sim", opts, &error);
  g_assert_no_error(error);
  g_assert_true(pad_describe(pad, &info, &error));
  g_assert_cmpstr(info.backend, ==, "sim");
  device_info_clear(&info);
  /* The signature takes longer than 100 ms: a timeout, promptly. */
  g_assert_null(pad_collect(pad, 100, NULL, &error));
  g_assert_error(error, DRIVERS_ERROR, DRIVERS_ERROR_TIMEOUT);
  g_assert_cmpint(g_get_monotonic_time() - start, <, 1000000);
  g_clear_error(&error);
  g_cancellable_cancel(cancel);
  g_assert_null(pad_collect(pad, 0, cancel, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/pad-sim/plausible", test_plausible);
  g_test_add_func("/pad-sim/deterministic", test_deterministic);
  g_test_add_func("/pad-sim/repeat-varies", test_repeat_varies);
  g_test_add_func("/pad-sim/csv-replay", test_csv_replay);
  g_test_add_func("/pad-sim/csv-errors", test_csv_errors);
  g_test_add_func("/pad-sim/realtime", test_realtime);
  return g_test_run();
}
