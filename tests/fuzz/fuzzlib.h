/* What the libFuzzer targets of tests/fuzz/ share (docs/fuzzing.md). */
#pragma once

#include <glib.h>
#include <stdio.h>

/* GLib 2.74 hands out GVariants, GBytes, hash tables and json-glib's nodes
 * from GSlice's slabs, which LeakSanitizer counts as reachable: a leaked one
 * is found only with G_SLICE=always-malloc, which GLib reads before a
 * target's LLVMFuzzerInitialize() runs. Says so on stderr when it is not
 * set. */
static inline void fuzz_warn_without_always_malloc(const char *target)
{
  if (g_strcmp0(g_getenv("G_SLICE"), "always-malloc") != 0)
    fprintf(stderr,
            "%s: without G_SLICE=always-malloc, leaks of GLib objects are "
            "not found\n",
            target);
}
