/* See pad-reference.h. */
#include "pad-reference.h"

#include <string.h>

#include "pngio.h"
#include "testlib.h"

void pad_assert_reference(const BkImage *image, const char *rel)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = pngio_encode(image, &error);
  g_autofree char *ref = testlib_source_path(rel);
  g_autofree char *base = g_path_get_basename(rel);
  g_autofree char *got =
      g_strdup_printf("%.*s.got.png", (int)strlen(base) - 4, base);
  g_autofree char *want = NULL;
  gsize len = 0;

  g_assert_no_error(error);
  if (g_getenv("BK_UPDATE_REFERENCE")) {
    g_assert_true(g_file_set_contents(ref, g_bytes_get_data(png, NULL),
                                      (gssize)g_bytes_get_size(png), NULL));
    return;
  }
  g_assert_true(g_file_get_contents(ref, &want, &len, &error));
  g_assert_no_error(error);
  if (len == g_bytes_get_size(png) &&
      memcmp(want, g_bytes_get_data(png, NULL), len) == 0)
    return;
  g_file_set_contents(got, g_bytes_get_data(png, NULL),
                      (gssize)g_bytes_get_size(png), NULL);
  g_error("the rendered signature differs from %s (ours: %s)", ref, got);
}
