/* See benchlib.h. */
#include "benchlib.h"

static int compare_doubles(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

double bench_percentile(GArray *values, double p)
{
  g_array_sort(values, compare_doubles);
  return g_array_index(values, double, (guint)(p * (values->len - 1)));
}
