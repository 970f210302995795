/* Best of three through the running kiosk (issue 12, item 1): libfprint's
 * virtual reader fed synthetic prints, every finger's second impression
 * faint and partial (reader.poor_impressions=1), the real front end
 * headless, synthetic touches along the demo's script. The poor print is
 * taken, shown and not counted; the session asks for more until three are
 * acceptable; libfprint compares them; the sealed record says which
 * impression was kept and why, and holds it as raw pixels and as an
 * ISO/IEC 19794-4 record. */
#include <stdlib.h>
#include <string.h>

#include "fpreader.h"
#include "iso19794.h"
#include "kiosk-desk.h"
#include "record.h"
#include "testlib.h"

/* Impression `n`'s quality as the selection line gives it, -1 absent. */
static int quality_in(const char *why, int n)
{
  g_autofree char *key = g_strdup_printf("; %d: quality ", n);
  const char *at = strstr(why, key);

  return at ? atoi(at + strlen(key)) : -1;
}

static void check_finger(BkRecord *record, const char *pos, int position)
{
  g_autofree char *k_which = g_strdup_printf("finger.%s.impression", pos);
  g_autofree char *k_of = g_strdup_printf("finger.%s.impressions", pos);
  g_autofree char *k_why = g_strdup_printf("finger.%s.selection", pos);
  g_autofree char *k_quality = g_strdup_printf("finger.%s.quality", pos);
  g_autofree char *k_iso = g_strdup_printf("finger/%s.iso19794-4", pos);
  g_autofree char *kept = NULL;
  gint64 which = 0, of = 0, quality = 0;
  const char *why = record_get_string(record, k_why);
  const BkRecordPart *iso = record_find_part(record, k_iso);
  g_autoptr(GError) error = NULL;
  Iso19794Record r;
  int best = 0;

  g_assert_nonnull(why);
  g_test_message("%s: %s", pos, why);
  g_assert_true(record_get_int(record, k_which, &which));
  g_assert_true(record_get_int(record, k_of, &of));
  g_assert_true(record_get_int(record, k_quality, &quality));
  /* 1 good, 2 poor, 3 and 4 good: four taken, the poor one made room. */
  g_assert_cmpint(of, ==, 4);
  g_assert_cmpint(quality_in(why, 2), ==, -1);
  g_assert_nonnull(strstr(why, "best quality and match"));
  g_assert_nonnull(strstr(why, "matched 2 of 2"));
  /* Which one: the best printed of three that all match, the earliest on
   * a tie. */
  for (int n = 4; n >= 1; n--)
    if (n != 2 && quality_in(why, n) >= quality_in(why, best))
      best = n;
  g_assert_cmpint(which, ==, best);
  kept = g_strdup_printf("impression %d kept (of 3)", best);
  g_assert_nonnull(strstr(why, kept));
  g_assert_cmpint(quality, ==, quality_in(why, best));
  /* The kept one as a 19794-4 record too. */
  g_assert_nonnull(iso);
  g_assert_true(iso19794_4_parse(g_bytes_get_data(iso->data, NULL),
                                 g_bytes_get_size(iso->data), &r, &error));
  g_assert_cmpint(r.views[0].position, ==, position);
  g_assert_cmpint(r.views[0].quality, ==, quality);
}

static void test_one_poor(void)
{
  KioskDesk d;
  g_autoptr(BkRecord) record = NULL;

  kiosk_desk_open(&d, (const char *const[]){"reader.poor_impressions=1", NULL});
  kiosk_desk_walk_to(&d, SESSION_DONE);
  record = kiosk_desk_last_record(&d);
  g_assert_nonnull(record);
  check_finger(record, "right_index", 2);
  check_finger(record, "left_index", 7);
  kiosk_desk_close(&d);
}

int main(int argc, char **argv)
{
  g_autoptr(KioskConfig) config = config_load(NULL, NULL);

  g_test_init(&argc, &argv, NULL);
  /* The virtual reader's socket before any thread, as the kiosk does; the
   * kiosk warns of the demo key and PIN, which is expected here. */
  g_assert_true(
      fpreader_prepare(config->reader_backend, config->reader_options, NULL));
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func("/finger-best-kiosk/one-poor", test_one_poor);
  return g_test_run();
}
