#!/usr/bin/python3
"""Builds the labelled passport-photo corpus for the validator's evaluation.

Faces come from Debian packages (scikit-image's astronaut.png, matplotlib's
grace_hopper.jpg). Each face oval is cut out and composited on a studio
background with a synthetic skull, neck and shoulders, hair of many colours
(white and grey included) or a head covering of many colours, shapes and
textures, under varied light, position, noise and JPEG quality. Every image
gets a label: compliant or not, the reason codes a correct validator should
give, whether a covering was declared, and the calibration frame (the empty
background under the same light) it was taken with.

Usage: photo-corpus.py OUTDIR [--scale N] [--seed S]
Writes OUTDIR/*.jpg, OUTDIR/bg-*.jpg and OUTDIR/labels.json. Nothing here is
committed as an image: the corpus is rebuilt at test time.
"""
import argparse
import json
import math
import os
import sys

try:
    import numpy as np
    from PIL import Image, ImageFilter
except ImportError:
    print("photo-corpus: needs python3-numpy and python3-pil", file=sys.stderr)
    sys.exit(77)

SOURCES = [
    # file, left eye, right eye, chin y, face half width, forehead top y;
    # the eye centres and inner-lip midpoint and mouth width as the 68-point
    # landmarks put them (for painting closed lids and an open mouth)
    dict(path="/usr/lib/python3/dist-packages/skimage/data/astronaut.png",
         eyes=((203, 102), (247, 102)), chin=176, half=45, top=80,
         lids=((203, 101.5), (247, 104)), mouth=(223, 147), mouth_w=44),
    dict(path="/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg",
         eyes=((222, 190), (307, 187)), chin=306, half=86, top=140,
         lids=((222, 197), (311, 191.5)), mouth=(267.5, 280), mouth_w=76),
]

W, H = 1350, 900

HAIR = {
    "black": (28, 24, 22), "dark_brown": (60, 40, 28), "brown": (110, 75, 45),
    "auburn": (120, 55, 30), "blonde": (200, 170, 115), "red": (160, 70, 35),
    "grey": (150, 150, 148), "white": (228, 226, 222), "light_grey": (190, 190, 188),
}

COVER_OK = {
    "black": (25, 25, 28), "navy": (30, 40, 90), "dark_green": (30, 80, 50),
    "maroon": (110, 25, 40), "brown": (100, 65, 40), "beige": (190, 160, 120),
    "pink": (215, 120, 150), "light_blue": (120, 170, 220), "mustard": (200, 160, 40),
    "purple": (100, 50, 130), "dark_grey": (80, 80, 82), "teal": (20, 120, 120),
    "red": (180, 30, 40), "olive": (110, 110, 50), "mid_grey": (120, 120, 120),
}
COVER_LIGHT = {
    "white": (245, 245, 243), "off_white": (236, 234, 228), "light_grey": (200, 200, 200),
    "silver": (185, 185, 188), "pale_grey": (215, 216, 218), "ivory": (240, 236, 222),
}
COVER_LOW_CONTRAST = {
    "cream": (238, 228, 200), "pastel_pink": (240, 215, 220), "pastel_blue": (215, 228, 242),
}
CLOTHES = [(30, 30, 35), (40, 50, 90), (90, 30, 30), (50, 70, 50), (110, 100, 90),
           (20, 20, 20), (70, 70, 75), (130, 90, 60)]


class Face:
    def __init__(self, spec):
        img = np.asarray(Image.open(spec["path"]).convert("RGB"), dtype=np.float32)
        (lx, ly), (rx, ry) = spec["eyes"]
        self.img = img
        self.mid = ((lx + rx) / 2, (ly + ry) / 2)
        self.d = math.hypot(rx - lx, ry - ly)
        self.angle = math.degrees(math.atan2(ry - ly, rx - lx))
        self.chin = (spec["chin"] - self.mid[1]) / self.d
        self.top = (self.mid[1] - spec["top"]) / self.d
        self.half = spec["half"] / self.d
        self.lids = spec["lids"]
        self.mouth = spec["mouth"]
        self.mouth_w = spec["mouth_w"] / self.d
        # The skin colour: below the eyes, between the cheeks.
        mx, my = int(self.mid[0]), int(self.mid[1])
        d = int(self.d)
        patch = img[my + d // 3: my + d, mx - d // 3: mx + d // 3]
        self.skin = np.median(patch.reshape(-1, 3), axis=0)


def ellipse(xx, yy, cx, cy, ax, ay):
    return ((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2


def soft(inside_value, feather):
    """Mask from a signed 'distance' (<= 0 inside) with a soft edge."""
    return np.clip(0.5 - inside_value / max(feather, 1e-3), 0.0, 1.0)


def blend(canvas, colour_img, mask):
    # Only the rows and columns the mask touches.
    rows = np.nonzero(mask.any(axis=1))[0]
    cols = np.nonzero(mask.any(axis=0))[0]
    if len(rows) == 0:
        return
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    m = mask[r0:r1, c0:c1, None]
    src = np.broadcast_to(colour_img, canvas.shape)[r0:r1, c0:c1]
    canvas[r0:r1, c0:c1] = canvas[r0:r1, c0:c1] * (1 - m) + src * m


def texture_strands(rng, shape, d, amp):
    n = rng.normal(0, 1, (shape[0], shape[1])).astype(np.float32)
    img = Image.fromarray(((n * 40) + 128).clip(0, 255).astype(np.uint8))
    k = max(3, int(d * 0.12)) | 1
    img = img.filter(ImageFilter.BoxBlur(1)).resize((shape[1], max(1, shape[0] // k))).resize(
        (shape[1], shape[0]), Image.BILINEAR)
    t = (np.asarray(img, dtype=np.float32) - 128) / 40.0
    return t * amp


def folds(rng, xx, yy, d, amp):
    a = rng.uniform(0, math.pi)
    period = d * rng.uniform(0.5, 1.1)
    phase = rng.uniform(0, 6.28)
    return amp * np.sin((xx * math.cos(a) + yy * math.sin(a)) / period * 6.28 + phase)


def covering_region(rng, shape, ux, uy, d, half):
    """The covering's mask in the head's frame (ux along the eyes, uy down):
    a tight hijab, a loose scarf, a turban or a cap."""
    if shape in ("hijab", "scarf"):
        loose = shape == "scarf"
        # The outline, with a slow wobble on the loose scarf.
        wob = 0.0
        if loose:
            ang = np.arctan2(uy, ux)
            wob = sum(rng.uniform(0.02, 0.06) * np.sin(k * ang + rng.uniform(0, 6.3))
                      for k in (3, 5, 7))
        ax, ay = ((1.6, 2.35) if loose else (1.32, 2.15))
        head = ellipse(ux, uy, 0, -0.2 * d, ax * d, ay * d) - 1 + wob
        spread = 0.6 if loose else 0.45
        drape = (uy > 0) & (uy < 3.6 * d) & (
            np.abs(ux) < (ax - 0.05 + spread * np.clip(uy / d - 0.8, 0, 3)) * d)
        region = np.maximum(soft(head, 0.03), drape.astype(np.float32))
        # The face opening: tight around the face, or showing the forehead.
        top = rng.uniform(0.95, 1.15) if loose else rng.uniform(0.78, 0.92)
        width = rng.uniform(1.0, 1.08) if loose else rng.uniform(0.9, 0.97)
        oy = (top * d + 1.75 * d) / 2
        opening = ellipse(ux, uy, 0, 1.75 * d - oy, width * half * d, oy) - 1
        return region * soft(-opening, 0.05)
    if shape == "turban":
        # Wrapped high and wide over the skull, down to the forehead.
        height = rng.uniform(2.4, 2.75)
        bottom = rng.uniform(0.8, 1.0)
        head = ellipse(ux, uy, 0, -1.3 * d, rng.uniform(1.3, 1.5) * d, (height - 1.3) * d) - 1
        return soft(head, 0.03) * (uy < -bottom * d)
    # A cap: close over the skull from above the forehead.
    bottom = rng.uniform(0.95, 1.2)
    head = ellipse(ux, uy, 0, -0.2 * d, 1.2 * d, 2.0 * d) - 1
    return soft(head, 0.03) * (uy < -bottom * d)


def covering_image(rng, cov, ux, uy, d):
    """The covering's colour with folds and its pattern, in the head's
    frame (so the pattern turns with the head)."""
    col = np.array(cov["colour"], np.float32)
    img = np.broadcast_to(col, ux.shape + (3,)).astype(np.float32).copy()
    shade = folds(rng, ux, uy, d, cov.get("fold", 0.07))
    if cov["shape"] == "turban":  # wrapped bands
        shade += 0.06 * np.sin((uy + 0.4 * np.abs(ux)) / (0.35 * d) * 6.28)
    img *= (1 + shade)[..., None]
    second = np.array(cov["second"], np.float32)
    tex = cov.get("texture", "smooth")
    if tex == "stripes":
        period = d * rng.uniform(0.12, 0.35)
        a = rng.uniform(0, math.pi)
        band = np.sin((ux * math.cos(a) + uy * math.sin(a)) / period * 6.28) > 0
        img[band] = second
    elif tex == "dots":
        period = d * rng.uniform(0.18, 0.3)
        m = ((np.mod(ux, period) - period / 2) ** 2 + (np.mod(uy, period) - period / 2) ** 2) < (period * 0.22) ** 2
        img[m] = second
    elif tex == "check":
        period = d * rng.uniform(0.15, 0.3)
        m = (np.floor(ux / period) + np.floor(uy / period)) % 2 == 0
        img[m] = second
    elif tex == "print":
        # A print: scattered blobs (flowers, leaves) of the second colour
        # and a third, on the ground colour.
        third = np.array(cov.get("third", (230, 200, 60)), np.float32)
        for colour, n in ((second, 170), (third, 90)):
            m = np.zeros(ux.shape, bool)
            for _ in range(n):
                bx, by = rng.uniform(-1.8, 1.8) * d, rng.uniform(-2.8, 3.2) * d
                r = rng.uniform(0.05, 0.1) * d
                m |= ellipse(ux, uy, bx, by, r, r * rng.uniform(0.6, 1.4)) < 1
            img[m] = colour
    elif tex == "bicolour":
        img[ux > 0] = second * (1 + shade[ux > 0])[..., None]
    return img


def make_background(rng, kind, gradient):
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    if kind == "white":
        base = np.array([rng.uniform(236, 250)] * 3, np.float32) + rng.uniform(-2, 2, 3)
    elif kind == "grey":
        base = np.array([150, 150, 152], np.float32)
    elif kind == "blue":
        base = np.array([170, 200, 235], np.float32)
    else:
        base = np.array([228, 215, 180], np.float32)
    # Soft vignette and an optional left-right gradient.
    r2 = ((xx - W / 2) / W) ** 2 + ((yy - H / 2) / H) ** 2
    shade = 1 - 0.04 * r2 - gradient * (xx / W - 0.5)
    bg = base[None, None, :] * shade[..., None]
    return bg


def add_noise_and_light(rng, img, sigma, exposure):
    out = img * exposure
    out += rng.standard_normal(out.shape, dtype=np.float32) * sigma
    return np.clip(out, 0, 255)


def render(rng, face, p):
    """p: parameters of one photo. Returns (photo, calibration frame)."""
    bg = make_background(rng, p["background"], p["gradient"])
    canvas = bg.copy()
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    d = p["d"]
    cx, ey = p["cx"], p["ey"]
    skin = face.skin * p.get("skin_gain", 1.0)

    if p.get("object"):
        x0, y0 = int(W * 0.06), int(H * 0.08)
        canvas[y0:y0 + int(H * 0.3), x0:x0 + int(W * 0.08)] = (60, 110, 60)
    if p.get("shadow"):
        m = soft(ellipse(xx, yy, cx + 1.9 * d, ey + 0.5 * d, 1.4 * d, 2.6 * d) - 1, 0.4)
        canvas *= (1 - 0.35 * m)[..., None]

    # Shoulders, neck, skull.
    cloth = np.array(p["clothes"], np.float32)
    m = soft(ellipse(xx, yy, cx, ey + 4.6 * d, 3.3 * d, 2.4 * d) - 1, 0.02)
    blend(canvas, np.broadcast_to(cloth, canvas.shape), m)
    m = ((np.abs(xx - cx) < 0.62 * d) & (yy > ey + 0.8 * d) & (yy < ey + 2.9 * d)).astype(np.float32)
    blend(canvas, np.broadcast_to(skin * 0.92, canvas.shape), m)
    # The head's own frame: ux along the eye line, uy down the face; the
    # skull, hair and covering turn with the head (roll).
    ca, sa = math.cos(math.radians(p.get("roll", 0.0))), math.sin(math.radians(p.get("roll", 0.0)))
    ux = (xx - cx) * ca + (yy - ey) * sa
    uy = -(xx - cx) * sa + (yy - ey) * ca
    m = soft(ellipse(ux, uy, 0, -0.15 * d, 1.12 * d, 1.9 * d) - 1, 0.03)
    blend(canvas, np.broadcast_to(skin, canvas.shape), m)

    # Hair.
    hair = p.get("hair")
    if hair:
        col = np.array(HAIR[hair], np.float32)
        vol = p.get("hair_volume", 0.12)
        outer = ellipse(ux, uy, 0, -0.25 * d, (1.12 + vol) * d, (1.9 + vol) * d) - 1
        region = soft(outer, 0.03)
        long_hair = p.get("hair_long", False)
        below = uy > -0.2 * d
        if long_hair:
            sides = ((np.abs(ux) > 0.9 * d) & (np.abs(ux) < (1.1 + vol) * d)
                     & (uy > -1.0 * d) & (uy < 2.6 * d))
            region = np.maximum(region * (~below | (np.abs(ux) > 0.95 * d)), sides.astype(np.float32))
        else:
            region = region * (~below | (np.abs(ux) > 1.0 * d))
        tex = texture_strands(rng, (H, W), d, 60.0)
        hair_img = col[None, None, :] + tex[..., None] * (0.6 + col.mean() / 255)[None]
        blend(canvas, np.clip(hair_img, 0, 255), region)

    # The face oval from the source, scaled and rotated into place.
    scale = d / face.d
    angle = p.get("roll", 0.0) - face.angle
    src = Image.fromarray(face.img.astype(np.uint8))
    a = math.radians(angle)
    # Inverse affine: canvas (x, y) -> source (u, v).
    c, s = math.cos(a) / scale, math.sin(a) / scale
    coeffs = (c, s, face.mid[0] - c * cx - s * ey, -s, c, face.mid[1] + s * cx - c * ey)
    warped = np.asarray(src.transform((W, H), Image.AFFINE, coeffs, Image.BILINEAR), np.float32)
    top, chin = face.top, face.chin
    ocy = (chin - top) / 2 * d
    oval = soft(ellipse(ux, uy, 0, ocy, face.half * d, (chin + top) / 2 * d) - 1, 0.12)
    blend(canvas, warped, oval)

    def to_canvas(point):
        """A source pixel's place on the canvas (the face's affine map)."""
        du, dv = point[0] - face.mid[0], point[1] - face.mid[1]
        return (cx + scale * (math.cos(a) * du - math.sin(a) * dv),
                ey + scale * (math.sin(a) * du + math.cos(a) * dv))

    def face_ellipse(centre, along, across):
        """An ellipse turned with the head, soft-edged, as a mask."""
        lx = (xx - centre[0]) * ca + (yy - centre[1]) * sa
        ly = -(xx - centre[0]) * sa + (yy - centre[1]) * ca
        return soft(ellipse(lx, ly, 0, 0, along, across) - 1, 0.08)

    if p.get("eyes_closed"):
        # Lids of the skin's colour over each eye, a dark lash line below.
        for lid in face.lids:
            centre = to_canvas(lid)
            blend(canvas, np.broadcast_to(skin * 0.85, canvas.shape),
                  face_ellipse(centre, 0.25 * d, 0.12 * d))
            lash = (centre[0] - 0.03 * d * sa, centre[1] + 0.03 * d * ca)
            blend(canvas, np.broadcast_to(np.array((45, 30, 26), np.float32), canvas.shape),
                  face_ellipse(lash, 0.22 * d, 0.03 * d))
    if p.get("mouth_open"):
        # The dark mouth cavity between parted lips.
        centre = to_canvas(face.mouth)
        blend(canvas, np.broadcast_to(np.array((45, 18, 22), np.float32), canvas.shape),
              face_ellipse(centre, 0.36 * face.mouth_w * d, p["mouth_open"] * d))

    if p.get("sunglasses"):
        for ex in (-0.5, 0.5):
            gx, gy = cx + ex * d * ca, ey + ex * d * sa
            m = soft(ellipse(xx, yy, gx, gy, 0.36 * d, 0.24 * d) - 1, 0.05)
            blend(canvas, np.broadcast_to(np.array((15, 15, 18), np.float32), canvas.shape), m)

    # Head covering: everything around the face opening, in the head's frame.
    cov = p.get("covering")
    if cov:
        region = covering_region(rng, cov["shape"], ux, uy, d, face.half)
        img = covering_image(rng, cov, ux, uy, d)
        blend(canvas, np.clip(img, 0, 255), region)

    if p.get("second_face"):
        p2 = dict(p, second_face=False, cx=cx + 3.4 * d, ey=ey + 0.3 * d, covering=None,
                  object=False, shadow=False)
        other, _ = render(rng, face, p2)
        m = (np.abs(xx - (cx + 3.4 * d)) < 1.6 * d).astype(np.float32)
        blend(canvas, other, m)

    # Light on the subject: a left-right gradient (uneven lighting).
    subject = np.abs(canvas - bg).sum(axis=2) > 6
    if p.get("side_light", 0):
        g = 1 + p["side_light"] * np.clip((xx - cx) / (1.2 * d), -1, 1)
        canvas = np.where(subject[..., None], canvas * g[..., None], canvas)
    if p.get("tint"):
        canvas = np.where(subject[..., None], canvas * np.array(p["tint"], np.float32), canvas)
    if p.get("greyscale"):
        grey = canvas @ np.array([0.299, 0.587, 0.114], np.float32)
        canvas = np.repeat(grey[..., None], 3, axis=2)
    photo = add_noise_and_light(rng, canvas, p["noise"], p["exposure"])
    calib = add_noise_and_light(rng, bg.copy(), p["noise"], p["exposure"])
    if p.get("blur"):
        im = Image.fromarray(photo.astype(np.uint8)).filter(ImageFilter.GaussianBlur(p["blur"] * d))
        photo = np.asarray(im, np.float32)
    return photo, calib


def base_params(rng):
    return dict(
        background="white", gradient=rng.uniform(-0.03, 0.03),
        d=rng.uniform(102, 132), cx=W / 2 + rng.uniform(-0.03, 0.03) * W,
        ey=H * rng.uniform(0.38, 0.44), roll=rng.uniform(-2, 2),
        noise=rng.uniform(0.5, 3.0), exposure=rng.uniform(0.93, 1.03),
        quality=int(rng.integers(70, 96)), clothes=CLOTHES[int(rng.integers(len(CLOTHES)))],
        skin_gain=rng.uniform(0.9, 1.05), side_light=rng.uniform(-0.04, 0.04),
        hair=None, covering=None, declared=False,
    )


def corpus_plan(rng, scale):
    """(category, compliant, expected codes, parameter changes) per photo."""
    plan = []

    def add(n, category, compliant, codes, fn):
        for _ in range(max(1, int(round(n * scale)))):
            p = base_params(rng)
            fn(p)
            plan.append((category, compliant, codes, p))

    hair_names = list(HAIR)
    ok_cov = list(COVER_OK)

    def hair(p):
        p["hair"] = hair_names[int(rng.integers(len(hair_names)))]
        p["hair_long"] = bool(rng.integers(2))
        p["hair_volume"] = rng.uniform(0.05, 0.25)

    def bald(p):
        p["hair"] = None

    shapes = ["hijab", "scarf", "turban", "cap"]

    def covering(p, colours, texture="smooth", second=None, shape=None):
        name = list(colours)[int(rng.integers(len(colours)))]
        p["covering"] = dict(colour=colours[name], name=name, texture=texture,
                             second=second or (240, 240, 240), third=(230, 200, 60),
                             shape=shape or shapes[int(rng.integers(len(shapes)))],
                             fold=rng.uniform(0.03, 0.1))
        p["declared"] = True
        p["hair"] = "black" if rng.integers(2) else None
        if p["covering"]["shape"] in ("scarf", "cap") and rng.integers(2):
            # Hair shows under a loose scarf and below a cap.
            p["hair"] = hair_names[int(rng.integers(len(hair_names)))]
            p["hair_volume"] = rng.uniform(0.03, 0.12)

    def rolled(p):
        p["roll"] = rng.uniform(8, 20) * (1 if rng.integers(2) else -1)

    add(60, "compliant_hair", True, [], hair)
    add(6, "compliant_bald", True, [], bald)
    add(48, "compliant_covering", True, [], lambda p: covering(p, COVER_OK))
    add(36, "covering_white_or_light_grey", False, ["head_covering_white_or_light_grey"],
        lambda p: covering(p, COVER_LIGHT))
    add(6, "covering_low_contrast", False, ["head_covering_low_contrast",
                                            "head_covering_white_or_light_grey"],
        lambda p: covering(p, COVER_LOW_CONTRAST))

    def contrasting(first):
        """A second colour clearly different from the first."""
        options = [(235, 235, 235), (200, 40, 40), (40, 130, 200), (230, 200, 60),
                   (20, 20, 25), (240, 150, 170), (60, 160, 80)]
        rng.shuffle(options)
        for second in options:
            diff = np.abs(np.array(first, float) - np.array(second))
            if diff.sum() > 150 and diff.max() > 100:
                return second
        return (235, 235, 235)

    def patterned(p):
        covering(p, COVER_OK, texture=["stripes", "dots", "check", "print"][int(rng.integers(4))])
        p["covering"]["second"] = contrasting(p["covering"]["colour"])
    add(16, "covering_patterned", False, ["head_covering_not_smooth",
                                          "head_covering_not_single_coloured"], patterned)

    def bicolour(p):
        covering(p, COVER_OK, texture="bicolour", shape=["hijab", "scarf"][int(rng.integers(2))])
        p["covering"]["second"] = contrasting(p["covering"]["colour"])
    add(5, "covering_bicolour", False, ["head_covering_not_single_coloured",
                                        "head_covering_not_smooth"], bicolour)

    def undeclared(p):
        covering(p, {k: COVER_OK[k] for k in ("navy", "dark_green", "maroon", "pink", "light_blue",
                                               "purple", "teal", "red", "mustard")})
        p["declared"] = False
    add(16, "covering_not_declared", False, ["head_covering_not_declared"], undeclared)

    # Rolled heads with a covering: the covering turns with the head.
    def rolled_covering(p):
        covering(p, COVER_OK)
        rolled(p)
    add(6, "rolled", False, ["not_frontal"], rolled_covering)

    def rolled_light(p):
        covering(p, COVER_LIGHT)
        rolled(p)
    add(4, "covering_white_or_light_grey", False, ["head_covering_white_or_light_grey"],
        rolled_light)

    def defect(n, name, codes, fn):
        def f(p):
            hair(p)
            fn(p)
        add(n, name, False, codes, f)

    defect(3, "background_grey", ["background_not_white"], lambda p: p.update(background="grey"))
    defect(3, "background_blue", ["background_not_white"], lambda p: p.update(background="blue"))
    defect(3, "background_shadow", ["background_not_uniform"], lambda p: p.update(shadow=True))
    defect(3, "background_object", ["background_not_uniform"], lambda p: p.update(object=True))
    defect(3, "background_gradient", ["background_not_uniform"],
           lambda p: p.update(gradient=0.35))
    defect(3, "underexposed", ["underexposed"], lambda p: p.update(exposure=0.45))
    defect(3, "overexposed", ["overexposed"], lambda p: p.update(exposure=1.7))
    defect(3, "uneven_lighting", ["uneven_lighting"], lambda p: p.update(side_light=0.4))
    defect(3, "greyscale", ["unnatural_colour"], lambda p: p.update(greyscale=True))
    defect(3, "green_tint", ["unnatural_colour"], lambda p: p.update(tint=(0.75, 1.1, 0.8)))
    defect(3, "blurred", ["blurred"], lambda p: p.update(blur=0.06))
    defect(6, "rolled", ["not_frontal"], rolled)
    defect(3, "too_far", ["resolution_too_low", "head_too_small"], lambda p: p.update(d=45))
    defect(3, "too_close", ["head_too_large"], lambda p: p.update(d=205, ey=H * 0.47))
    defect(3, "off_centre", ["face_off_centre"], lambda p: p.update(cx=W * 0.13))
    defect(3, "two_faces", ["multiple_faces"], lambda p: p.update(second_face=True, cx=W * 0.33, d=100))
    defect(3, "sunglasses", ["eyes_not_visible", "no_face"], lambda p: p.update(sunglasses=True))
    defect(3, "eyes_closed", ["eyes_closed", "eyes_not_visible"],
           lambda p: p.update(eyes_closed=True))
    defect(3, "mouth_open", ["mouth_open"], lambda p: p.update(mouth_open=rng.uniform(0.3, 0.38)))
    return plan


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies the counts")
    ap.add_argument("--seed", type=int, default=20261127)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    faces = [Face(s) for s in SOURCES if os.path.exists(s["path"])]
    if not faces:
        print("photo-corpus: no source face images installed", file=sys.stderr)
        return 77
    labels = []
    for i, (category, compliant, codes, p) in enumerate(corpus_plan(rng, args.scale)):
        face = faces[i % len(faces)]
        if rng.integers(2):
            p["mirror"] = True
        photo, calib = render(rng, face, p)
        if p.get("mirror"):
            photo, calib = photo[:, ::-1], calib[:, ::-1]
        name = "%03d-%s.jpg" % (i, category)
        bgname = "bg-%03d.jpg" % i
        Image.fromarray(photo.astype(np.uint8)).save(os.path.join(args.outdir, name),
                                                     quality=p["quality"])
        Image.fromarray(calib.astype(np.uint8)).save(os.path.join(args.outdir, bgname),
                                                     quality=95)
        labels.append(dict(file=name, background=bgname, category=category,
                           compliant=compliant, expected=codes,
                           declared=bool(p["declared"]),
                           light_covering=category == "covering_white_or_light_grey",
                           covering=(p["covering"] or {}).get("name"),
                           shape=(p["covering"] or {}).get("shape"),
                           texture=(p["covering"] or {}).get("texture"),
                           roll=round(p.get("roll", 0.0), 1), hair=p.get("hair")))
    with open(os.path.join(args.outdir, "labels.json"), "w") as f:
        json.dump(labels, f, indent=1)
    print("photo-corpus: %d images in %s" % (len(labels), args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
