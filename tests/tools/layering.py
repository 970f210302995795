#!/usr/bin/env python3
"""The dependency rule as a build fact, proved: for each room, a probe file
is compiled with exactly the flags meson uses for that room's own sources
(from compile_commands.json). Each forbidden include must fail to compile
and the control include must compile, so the test itself can fail both ways.

  ui -> kiosk/view <- kiosk/core <- {store, runtime} <- cli
  runtime -> {capture, drivers}

Usage: layering.py BUILD_ROOT"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

# room: (a source of the room, the control include, forbidden includes)
RULES = {
    "ui": ("ui/ui.c", '"view.h"',
           ['"session.h"', '"config.h"', '"keys.h"', '"app.h"', '"queue.h"',
            '"worker.h"', '"demo.h"', '"commands.h"', '"photo.h"',
            '"camera.h"']),
    "kiosk/view": ("kiosk/view/view.c", '"view.h"',
                   ['"session.h"', '"app.h"', '"queue.h"']),
    "kiosk/core": ("kiosk/core/session.c", '"view.h"',
                   ["<sqlite3.h>", "<sodium.h>", "<curl/curl.h>", "<SDL.h>",
                    "<SDL2/SDL.h>", '"queue.h"', '"db.h"', '"app.h"',
                    '"fpreader.h"', '"camera.h"', '"photo.h"', '"ui.h"']),
    "kiosk/store": ("kiosk/store/queue.c", '"session.h"',
                    ['"app.h"', '"worker.h"', '"fpreader.h"', '"camera.h"',
                     '"ui.h"', '"commands.h"']),
    "kiosk/runtime": ("kiosk/runtime/app.c", '"fpreader.h"',
                      ['"ui.h"', '"commands.h"', '"demo.h"']),
    "capture": ("capture/photo.c", '"image.h"',
                ['"camera.h"', '"session.h"', '"view.h"']),
    "drivers": ("drivers/camera.c", '"device.h"',
                ['"image.h"', '"session.h"', '"view.h"']),
}


def command_for(entries, source):
    for e in entries:
        if os.path.normpath(os.path.join(e["directory"], e["file"])).endswith(
                os.sep + source):
            return e
    raise SystemExit(f"no compile command for {source}: was it renamed?")


def probe(entry, include, scratch):
    args = shlex.split(entry["command"])
    out = []
    skip = 0
    for i, a in enumerate(args):
        if skip:
            skip -= 1
            continue
        if a in ("-o", "-MF", "-MQ", "-c"):
            skip = 1
            continue
        if a == "-MD":
            continue
        out.append(a)
    path = os.path.join(scratch, "probe.c")
    with open(path, "w") as f:
        f.write(f"#include {include}\nint probe_layering(void);\n")
    result = subprocess.run(out + ["-fsyntax-only", path], cwd=entry["directory"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return result.returncode == 0


def main():
    build = sys.argv[1]
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        for room, (source, control, forbidden) in RULES.items():
            entry = command_for(entries, source)
            if not probe(entry, control, scratch):
                print(f"{room}: the control include {control} does not build: "
                      "the probe is broken")
                failures += 1
            for include in forbidden:
                if probe(entry, include, scratch):
                    print(f"{room}: #include {include} builds, but the rule "
                          "forbids it")
                    failures += 1
            print(f"{room}: {len(forbidden)} forbidden includes refused")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
