/* Fingerprint and signature benchmarks:
 *   fingerprint.synth_master_ms       grow one synthetic finger, median of 9
 *   fingerprint.synth_impression_ms   one 300x400 impression, median of 21
 *   fingerprint.capture_virtual_ms    capture through libfprint's
 *                                     virtual_image fed by fpsynth (NBIS
 *                                     included), median of 9
 *   fingerprint.capture_minutiae      mean minutiae over those captures
 *   fingerprint.best_of_three_ms      three impressions on the virtual
 *                                     reader to the one kept: captures,
 *                                     quality, libfprint's enrol/verify of
 *                                     the pairs and the choice, median of 5
 *   fingerprint.quality_ms            fpquality on one print, median of 21
 *   signature.render_ms               600x300 render of a pad-sim signature
 *   signature.check_us                signature_check() of the same */
#include "finger-best.h"
#include "fpquality.h"
#include "fpreader.h"
#include "fpsynth.h"
#include "pad.h"
#include "signature.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, compare_double);
  return v[n / 2];
}

static double now_ms(void)
{
  return g_get_monotonic_time() / 1000.0;
}

static void bench_synth(void)
{
  enum { MASTERS = 9, IMPRESSIONS = 21 };
  double t[IMPRESSIONS];
  g_autoptr(FpSynthFinger) keep = NULL;

  for (int i = 0; i < MASTERS; i++) {
    double t0 = now_ms();
    FpSynthFinger *f = fpsynth_finger_new(500 + i, 1 + i % 10, 0, 0);
    t[i] = now_ms() - t0;
    if (i == 0)
      keep = f;
    else
      fpsynth_finger_free(f);
  }
  printf("fingerprint.synth_master_ms %.1f ms\n", median(t, MASTERS));
  for (int i = 0; i < IMPRESSIONS; i++) {
    double t0 = now_ms();
    guint8 *px = fpsynth_finger_impress(keep, i);
    t[i] = now_ms() - t0;
    g_free(px);
  }
  printf("fingerprint.synth_impression_ms %.1f ms\n", median(t, IMPRESSIONS));
}

static int bench_capture(DeviceOptions *opts)
{
  enum { CAPTURES = 9 };
  g_autoptr(GError) error = NULL;
  g_autoptr(BkFpReader) reader = NULL;
  double t[CAPTURES], minutiae = 0;

  reader = fpreader_open("libfprint", opts, &error);
  if (!reader) {
    g_printerr("bench-fingerprint: %s\n", error->message);
    return 1;
  }
  /* Warm up: grows the master of this finger. */
  fp_impression_free(
      fpreader_capture(reader, READER_FINGER_RIGHT_INDEX, 10000, NULL, NULL));
  for (int i = 0; i < CAPTURES; i++) {
    double t0 = now_ms();
    g_autoptr(FpImpression) imp = fpreader_capture(
        reader, READER_FINGER_RIGHT_INDEX, 10000, NULL, &error);
    t[i] = now_ms() - t0;
    if (!imp) {
      g_printerr("bench-fingerprint: %s\n", error->message);
      return 1;
    }
    minutiae += imp->minutiae;
  }
  printf("fingerprint.capture_virtual_ms %.1f ms\n", median(t, CAPTURES));
  printf("fingerprint.capture_minutiae %.1f count\n", minutiae / CAPTURES);
  return 0;
}

/* One finger, three impressions, one kept: what a session waits for. */
static int best_of_three_once(BkFpReader *reader, int run, GError **error)
{
  g_autoptr(FingerBest) best = finger_best_new(READER_FINGER_RIGHT_INDEX);
  g_autofree char *subject = g_strdup_printf("bench-best-%d", run);
  FingerOutcome o = {0};

  fpreader_set_subject(reader, subject);
  for (int i = 0; i < 3; i++) {
    g_autoptr(FpImpression) imp =
        fpreader_capture(reader, READER_FINGER_RIGHT_INDEX, 10000, NULL, error);
    if (!imp ||
        !steps_finger(READER_FINGER_RIGHT_INDEX, imp->width, imp->height,
                      imp->ppi, g_steal_pointer(&imp->pixels), imp->minutiae,
                      &o, error))
      return -1;
    finger_best_add(best, &o);
  }
  if (!finger_best_pick(best, reader, error))
    return -1;
  return finger_best_selection(best)->kept;
}

static int bench_best_of_three(DeviceOptions *opts)
{
  enum { RUNS = 5 };
  g_autoptr(GError) error = NULL;
  g_autoptr(BkFpReader) reader = fpreader_open("libfprint", opts, &error);
  double t[RUNS];

  for (int i = 0; reader && i < RUNS; i++) {
    double t0 = now_ms();
    if (best_of_three_once(reader, i, &error) < 0)
      break;
    t[i] = now_ms() - t0;
  }
  if (error || !reader) {
    g_printerr("bench-fingerprint: %s\n",
               error ? error->message : "nothing kept");
    return 1;
  }
  printf("fingerprint.best_of_three_ms %.1f ms\n", median(t, RUNS));
  return 0;
}

static void bench_quality(void)
{
  enum { RUNS = 21 };
  g_autoptr(BkImage) img = image_new(300, 400, 1);
  g_autofree guint8 *px = fpsynth_generate(9, 2, 0, 300, 400);
  double t[RUNS];
  FpQuality q;

  memcpy(img->pixels, px, 300 * 400);
  for (int i = 0; i < RUNS; i++) {
    double t0 = now_ms();
    fpquality_assess(img, &q);
    t[i] = now_ms() - t0;
  }
  printf("fingerprint.quality_ms %.2f ms\n", median(t, RUNS));
}

static int bench_signature(void)
{
  enum { RUNS = 21 };
  g_autoptr(GError) error = NULL;
  g_autoptr(BkPad) pad = pad_open("sim", NULL, &error);
  g_autoptr(GArray) samples = NULL;
  double t[RUNS];
  SignatureCheck r;

  if (!pad) {
    g_printerr("bench-fingerprint: %s\n", error->message);
    return 1;
  }
  samples = pad_collect(pad, 0, NULL, &error);
  for (int i = 0; i < RUNS; i++) {
    double t0 = now_ms();
    BkImage *img = signature_render((const SignatureSample *)samples->data,
                                    samples->len, 600, 300);
    t[i] = now_ms() - t0;
    image_free(img);
  }
  printf("signature.render_ms %.2f ms\n", median(t, RUNS));
  for (int i = 0; i < RUNS; i++) {
    double t0 = now_ms();
    signature_check((const SignatureSample *)samples->data, samples->len, &r);
    t[i] = (now_ms() - t0) * 1000.0;
  }
  printf("signature.check_us %.1f us\n", median(t, RUNS));
  return 0;
}

int main(void)
{
  g_autoptr(GHashTable) reader_opts = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  int status = 0;

  /* Sets FP_VIRTUAL_IMAGE for the synthetic feed: before any thread. */
  g_hash_table_insert(reader_opts, "virtual_image_feed", "synthetic");
  g_hash_table_insert(reader_opts, "seed", "bench");
  if (!fpreader_prepare("libfprint", reader_opts, &error)) {
    g_printerr("bench-fingerprint: %s\n", error->message);
    return 1;
  }
  bench_synth();
  status |= bench_capture(reader_opts);
  status |= bench_best_of_three(reader_opts);
  bench_quality();
  status |= bench_signature();
  return status;
}
