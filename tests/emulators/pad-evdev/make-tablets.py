#!/usr/bin/env python3
"""Writes the emulated pen tablets of tests/emulators/pad-evdev/ (see
tests/emulators/README.md): for each tablet a device description
(<name>.umockdev), the answers to libevdev's EVIOCG* ioctls (<name>.ioctl)
and a signature as kernel events (<name>-signature.evemu). The tablets are
described below from their data sheets; nothing is recorded from hardware.
The files are committed; run this again only when a tablet changes:

    tests/emulators/pad-evdev/make-tablets.py
"""
import math
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

EV_SYN, EV_KEY, EV_ABS, EV_MSC = 0x00, 0x01, 0x03, 0x04
SYN_REPORT = 0
ABS_X, ABS_Y, ABS_PRESSURE, ABS_DISTANCE, ABS_TILT_X, ABS_TILT_Y = (
    0x00, 0x01, 0x18, 0x19, 0x1A, 0x1B)
BTN_TOOL_PEN, BTN_TOOL_RUBBER, BTN_TOUCH, BTN_STYLUS, BTN_STYLUS2 = (
    0x140, 0x141, 0x14A, 0x14B, 0x14C)
MSC_SERIAL = 0x00
INPUT_PROP_DIRECT = 0x01

# Two tablets with different axis ranges, resolutions and features.
TABLETS = [
    {
        "file": "intuos-s",
        "name": "Wacom Intuos S Pen",
        "event": 20,
        "vendor": 0x056A, "product": 0x0374, "version": 0x0110, "bus": 0x03,
        "phys": "usb-0000:00:14.0-2/input0",
        "uniq": "",
        # code: (min, max, fuzz, flat, resolution)
        "abs": {ABS_X: (0, 15200, 4, 0, 100), ABS_Y: (0, 9500, 4, 0, 100),
                ABS_PRESSURE: (0, 4095, 0, 0, 0),
                ABS_DISTANCE: (0, 63, 0, 0, 0),
                ABS_TILT_X: (-64, 63, 0, 0, 57),
                ABS_TILT_Y: (-64, 63, 0, 0, 57)},
        "keys": [BTN_TOOL_PEN, BTN_TOOL_RUBBER, BTN_TOUCH, BTN_STYLUS,
                 BTN_STYLUS2],
        "msc": [MSC_SERIAL],
        "rate_hz": 133,
    },
    {
        "file": "huion-h640p",
        "name": "HUION Huion Tablet_H640P Pen",
        "event": 21,
        "vendor": 0x256C, "product": 0x006D, "version": 0x0100, "bus": 0x03,
        "phys": "usb-0000:00:14.0-3/input0",
        "uniq": "HUION_T191_190909",
        "abs": {ABS_X: (0, 32000, 0, 0, 200), ABS_Y: (0, 20000, 0, 0, 200),
                ABS_PRESSURE: (0, 8191, 0, 0, 0)},
        "keys": [BTN_TOOL_PEN, BTN_TOUCH, BTN_STYLUS, BTN_STYLUS2],
        "msc": [],
        "rate_hz": 200,
    },
]


def bits(codes, nbytes):
    b = bytearray(nbytes)
    for c in codes:
        b[c // 8] |= 1 << (c % 8)
    return bytes(b)


def hexs(data):
    return data.hex().upper()


def sysfs_path(t):
    return ("/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/"
            "0003:%04X:%04X.00%02X/input/input%d" %
            (t["vendor"], t["product"], t["event"], t["event"]))


def umockdev(t):
    parent = sysfs_path(t)
    ev = "event%d" % t["event"]
    return "\n".join([
        "P: %s/%s" % (parent, ev),
        "N: input/%s" % ev,
        "E: DEVNAME=/dev/input/%s" % ev,
        "E: ID_INPUT=1",
        "E: ID_INPUT_TABLET=1",
        "E: MAJOR=13",
        "E: MINOR=%d" % (64 + t["event"]),
        "E: SUBSYSTEM=input",
        "A: dev=13:%d" % (64 + t["event"]),
        "L: device=../../input%d" % t["event"],
        "",
        "P: %s" % parent,
        "E: NAME=\"%s\"" % t["name"],
        "E: PRODUCT=%x/%x/%x/%x" % (t["bus"], t["vendor"], t["product"],
                                   t["version"]),
        "E: SUBSYSTEM=input",
        "A: name=%s" % t["name"],
        "A: phys=%s" % t["phys"],
        "A: uniq=%s" % t["uniq"],
        "",
    ]) + "\n"


def ioctls(t):
    """The answers, sized as libevdev asks (x86-64: bit arrays in whole
    longs, strings in a 256-byte buffer): umockdev matches the size too."""
    def string(s):
        data = s.encode() + b"\0"
        return "%d %s" % (len(data), hexs(data.ljust(255, b"\0")))

    def bitmap(typ, codes, size):
        return "EVIOCGBIT(%d) %d %s" % (typ, size, hexs(bits(codes, size)))

    types = [EV_SYN, EV_KEY, EV_ABS] + ([EV_MSC] if t["msc"] else [])
    lines = [
        "@DEV /dev/input/event%d (evdev)" % t["event"],
        "EVIOCGVERSION 0 %s" % hexs(struct.pack("<I", 0x010001)),
        "EVIOCGID 0 %s" % hexs(struct.pack("<4H", t["bus"], t["vendor"],
                                          t["product"], t["version"])),
        "EVIOCGNAME(0) %s" % string(t["name"]),
        "EVIOCGPHYS(0) %s" % string(t["phys"]),
        "EVIOCGUNIQ(0) %s" % string(t["uniq"]),
        "EVIOCGPROP(0) 8 %s" % hexs(bits([], 8)),
        bitmap(0, types, 8),
        bitmap(EV_KEY, t["keys"], 96),
        bitmap(0x02, [], 8),  # EV_REL
        bitmap(EV_ABS, t["abs"].keys(), 8),
        bitmap(EV_MSC, t["msc"], 8),
        bitmap(0x05, [], 8),  # EV_SW
        bitmap(0x11, [], 8),  # EV_LED
        bitmap(0x12, [], 8),  # EV_SND
        bitmap(0x15, [], 16),  # EV_FF
        "EVIOCGKEY(0) 96 %s" % hexs(bytes(96)),
        "EVIOCGLED(0) 8 %s" % hexs(bytes(8)),
        "EVIOCGSW(0) 8 %s" % hexs(bytes(8)),
    ]
    for code, (lo, hi, fuzz, flat, res) in sorted(t["abs"].items()):
        lines.append("EVIOCGABS(%d) 0 %s" %
                     (code, hexs(struct.pack("<6i", 0, lo, hi, fuzz, flat,
                                             res))))
    return "\n".join(lines) + "\n"


def signature_path(t):
    """A signature in millimetres on the tablet: two looping words on a
    baseline and an underline, as (x_mm, y_mm, pressure 0..1) per sample,
    with None for the pen lifted between strokes."""
    lo_x, hi_x = t["abs"][ABS_X][:2]
    lo_y, hi_y = t["abs"][ABS_Y][:2]
    w = (hi_x - lo_x) / t["abs"][ABS_X][4]
    h = (hi_y - lo_y) / t["abs"][ABS_Y][4]
    # The kiosk's 3:1 field is centred: write inside it.
    fw = min(w, 3 * h)
    fh = fw / 3
    x0, y0 = (w - fw) / 2, (h - fh) / 2
    period = 1.0 / t["rate_hz"]
    strokes = []
    for k, (start, length, waves) in enumerate([(0.08, 0.36, 5),
                                                (0.50, 0.38, 6)]):
        n = int(1.1 / period)
        pts = []
        for i in range(n):
            u = i / (n - 1)
            x = start + length * u + 0.025 * math.sin(2 * math.pi * waves * u)
            y = 0.62 - 0.32 * abs(math.sin(math.pi * waves * u)) * \
                (1.1 - 0.4 * u if k == 0 else 0.8)
            p = 0.3 + 0.5 * math.sin(math.pi * min(u * 1.05, 1.0)) ** 0.5
            pts.append((x0 + x * fw, y0 + y * fh, p))
        strokes.append(pts)
    n = int(0.6 / period)
    strokes.append([(x0 + (0.12 + 0.7 * i / (n - 1)) * fw,
                     y0 + (0.82 + 0.03 * math.sin(math.pi * i / (n - 1))) * fh,
                     0.2 + 0.4 * math.sin(math.pi * i / (n - 1)))
                    for i in range(n)])
    return strokes, period


def events(t):
    """The signature as evemu "E:" lines: pen enters proximity, touches,
    moves, lifts, hovers to the next stroke, leaves proximity at the end."""
    strokes, period = signature_path(t)
    ax, ay, ap = t["abs"][ABS_X], t["abs"][ABS_Y], t["abs"][ABS_PRESSURE]
    out = ["# EVEMU 1.3", "# device /dev/input/event%d" % t["event"],
           "# %s: a signature of %d strokes, %d Hz" %
           (t["name"], len(strokes), t["rate_hz"])]
    clock = [1000.0]

    def frame(items):
        sec = int(clock[0])
        usec = int(round((clock[0] - sec) * 1e6))
        # Microseconds unpadded: umockdev 0.17 reads a zero-padded field as
        # octal; evemu's own scanf("%lu.%06u") reads both the same.
        for typ, code, value in items + [(EV_SYN, SYN_REPORT, 0)]:
            out.append("E: %d.%d %04X %04X %d" % (sec, usec, typ, code,
                                                  value))
        clock[0] += period

    def raw(x_mm, y_mm, p):
        return (int(round(ax[0] + x_mm * ax[4])),
                int(round(ay[0] + y_mm * ay[4])),
                int(round(ap[0] + p * (ap[1] - ap[0]))))

    first = strokes[0][0]
    x, y, _ = raw(*first)
    frame([(EV_ABS, ABS_X, x), (EV_ABS, ABS_Y, y),
           (EV_KEY, BTN_TOOL_PEN, 1)])
    for s, pts in enumerate(strokes):
        for i, pt in enumerate(pts):
            x, y, p = raw(*pt)
            items = [(EV_ABS, ABS_X, x), (EV_ABS, ABS_Y, y),
                     (EV_ABS, ABS_PRESSURE, p)]
            if ABS_TILT_X in t["abs"]:
                items += [(EV_ABS, ABS_TILT_X, 20 - i % 5),
                          (EV_ABS, ABS_TILT_Y, -10)]
            if i == 0:
                items.append((EV_KEY, BTN_TOUCH, 1))
            frame(items)
        frame([(EV_ABS, ABS_PRESSURE, 0), (EV_KEY, BTN_TOUCH, 0)])
        if s + 1 < len(strokes):  # hover to the next stroke
            nx, ny, _ = raw(*strokes[s + 1][0])
            for j in range(1, 21):
                frame([(EV_ABS, ABS_X, x + (nx - x) * j // 20),
                       (EV_ABS, ABS_Y, y + (ny - y) * j // 20)])
    frame([(EV_KEY, BTN_TOOL_PEN, 0)])
    return "\n".join(out) + "\n"


def main():
    for t in TABLETS:
        base = os.path.join(HERE, t["file"])
        with open(base + ".umockdev", "w") as f:
            f.write(umockdev(t))
        with open(base + ".ioctl", "w") as f:
            f.write(ioctls(t))
        with open(base + "-signature.evemu", "w") as f:
            f.write(events(t))


if __name__ == "__main__":
    main()
