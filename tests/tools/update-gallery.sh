#!/bin/sh
# Rewrites the gallery (docs/gallery/<lang>/<screen>.png and docs/gallery.md)
# from the screens as the build in $1 (default: build) draws them: the
# gallery test with BK_UPDATE_REFERENCE=1. Images of screens that no longer
# exist are removed. Look at every changed image before committing
# (docs/ui.md, "Gallery").
set -eu
build=${1:-build}
src=$(cd "$(dirname "$0")/../.." && pwd)
meson compile -C "$build" tests/test-unit-gallery
BK_UPDATE_REFERENCE=1 meson test -C "$build" --no-rebuild gallery
meson test -C "$build" --no-rebuild gallery
echo "gallery: $(find "$src/docs/gallery" -name '*.png' | wc -l) images," \
  "$(du -sh "$src/docs/gallery" | cut -f1)"
git -C "$src" status --short -- docs/gallery docs/gallery.md
