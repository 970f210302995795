/* Helpers the benchmarks share. */
#pragma once

#include <glib.h>

/* The value below which the fraction `p` (0..1) of `values` (doubles) lies:
 * the element at p * (len - 1) once sorted (nearest rank, no
 * interpolation). Sorts `values` in place; it must not be empty. */
double bench_percentile(GArray *values, double p);
