/* Helpers the benchmarks share. */
#pragma once

#include <glib.h>

#include "settings.h"

/* The value below which the fraction `p` (0..1) of `values` (doubles) lies:
 * the element at p * (len - 1) once sorted (nearest rank, no
 * interpolation). Sorts `values` in place; it must not be empty. */
double bench_percentile(GArray *values, double p);

/* The embedded configuration with paths.state_dir = `state` and then each
 * "group.key=value" of the NULL-terminated `overrides`, with the demo's
 * portraits written into the simulated camera's folder. NULL on error. */
KioskConfig *bench_demo_config(const char *state, const char *const *overrides,
                               GError **error);
