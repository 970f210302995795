#!/usr/bin/env python3
"""Fails when a production C function is longer than 80 lines.

House style: no function over about 80 lines; a long function is a set of
steps waiting for their names. This check walks drivers/, capture/, kiosk/
and ui/ under the source root given as the first argument, measures every
function definition from the first line of its signature to its closing
brace (inclusive), prints each one over the limit and exits 1 when there is
any, 0 when there is none.

The measure relies on the tree's .clang-format layout, where a function's
opening and closing braces are the only ones at column 0.

Usage: function-length.py SOURCE_ROOT [LIMIT]
"""
import os
import re
import sys

LIMIT = 80
FOLDERS = ('drivers', 'capture', 'kiosk', 'ui')
EXEMPT = set()

# A line at column 0 that opens a parameter list and does not end a
# declaration: a candidate first line of a function's signature.
SIGNATURE = re.compile(r'^[A-Za-z_].*\(')


def long_functions(path, limit):
    """Yields (length, line number, first signature line) of each function
    in `path` longer than `limit` lines."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    sig = start = None
    for i, line in enumerate(lines):
        if start is None and SIGNATURE.match(line) \
                and not line.rstrip().endswith(';'):
            sig = i
        if line.startswith('{') and sig is not None:
            start = sig
        if line.startswith('}') and start is not None:
            length = i - start + 1
            if length > limit:
                yield length, start + 1, lines[start].strip()
            sig = start = None


def sources(root):
    """The production .c files under `root`, as sorted relative paths."""
    for folder in FOLDERS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith('.c'):
                    path = os.path.join(dirpath, name)
                    rel = os.path.relpath(path, root).replace(os.sep, '/')
                    if rel not in EXEMPT:
                        yield rel


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().split('\n')[-1], file=sys.stderr)
        return 2
    root = argv[1]
    limit = int(argv[2]) if len(argv) == 3 else LIMIT
    offenders = 0
    for rel in sources(root):
        for length, line, signature in long_functions(
                os.path.join(root, rel), limit):
            print(f'{rel}:{line}: {length} lines (limit {limit}): {signature}')
            offenders += 1
    if offenders:
        print(f'{offenders} function(s) longer than {limit} lines: split them '
              'into named steps')
        return 1
    print(f'no function longer than {limit} lines')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
