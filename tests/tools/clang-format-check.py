#!/usr/bin/env python3
"""The formatting check: every C source and header of the project must be
exactly as clang-format (the repository's .clang-format) would write it.
Prints the files that differ and exits 1; exits 77 (skip) when there is no
clang-format. Usage: clang-format-check.py SOURCE_ROOT [CLANG_FORMAT]"""
import os
import shutil
import subprocess
import sys

FOLDERS = ("drivers", "capture", "kiosk", "ui", "tests", "bench")


def sources(root):
    for folder in FOLDERS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".c", ".h")):
                    yield os.path.join(dirpath, name)


def main():
    root = sys.argv[1]
    tool = sys.argv[2] if len(sys.argv) > 2 else shutil.which("clang-format")
    if not tool:
        print("clang-format not found: skipped")
        return 77
    differ = []
    count = 0
    for path in sources(root):
        count += 1
        with open(path, "rb") as f:
            before = f.read()
        after = subprocess.run([tool, "--style=file", path], check=True,
                               stdout=subprocess.PIPE).stdout
        if after != before:
            differ.append(os.path.relpath(path, root))
    for path in differ:
        print(f"{path}: differs from .clang-format (run clang-format -i {path})")
    print(f"{count} files checked, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
