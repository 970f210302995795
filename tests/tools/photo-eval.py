#!/usr/bin/python3
"""Evaluates our C validator (`biokiosk validate-photo --json`) on a labelled
corpus made by photo-corpus.py and prints, per check and overall: compliant
photos refused, white or light-grey declared coverings accepted, referral
rate, and how often each defect was caught.

Usage: photo-eval.py BIOKIOSK CORPUSDIR [--check] [--no-background]
       photo-eval.py BIOKIOSK --build-corpus SCALE [--check]   (temporary corpus)
With --check, exits 1 unless the acceptance targets hold: no white or
light-grey declared covering accepted, <= 2% of compliant photos refused,
<= 10% of compliant photos referred; and issue 11's: >= 98% of light
coverings named head_covering_white_or_light_grey, >= 90% of undeclared
coverings caught, >= 90% of patterned coverings caught (not single-coloured
or not smooth), <= 2% of compliant photos given a covering code, no rolled
head (up to 20 degrees) refused as no_face; light coverings named first.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile


def validate_one(biokiosk, corpus, item, use_background):
    cmd = [biokiosk, "validate-photo", "--json"]
    if item["declared"]:
        cmd.append("--head-covering")
    if use_background:
        cmd += ["--background", os.path.join(corpus, item["background"])]
    cmd.append(os.path.join(corpus, item["file"]))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit("validator failed on %s: %s" % (item["file"], proc.stderr))
    return json.loads(proc.stdout.splitlines()[0])


def run_batch(biokiosk, corpus, items, declared):
    """Without calibration frames one process checks many photos (the
    landmark model is read once per process)."""
    results = {}
    for i in range(0, len(items), 60):
        chunk = items[i:i + 60]
        cmd = [biokiosk, "validate-photo", "--json"] + (["--head-covering"] if declared else [])
        cmd += [os.path.join(corpus, x["file"]) for x in chunk]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            raise SystemExit("validator failed: %s" % proc.stderr)
        for line in proc.stdout.splitlines():
            r = json.loads(line)
            results[os.path.basename(r["file"])] = r
    return results


def run_validator(biokiosk, corpus, items, use_background):
    if not use_background:
        results = run_batch(biokiosk, corpus, [x for x in items if x["declared"]], True)
        results.update(run_batch(biokiosk, corpus, [x for x in items if not x["declared"]], False))
        return results
    # One process per image (each with its own calibration frame), as many
    # at a time as there are cores.
    jobs = max(1, min(len(os.sched_getaffinity(0)), 4))
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        lines = pool.map(lambda item: validate_one(biokiosk, corpus, item, use_background),
                         items)
        return {item["file"]: line for item, line in zip(items, lines)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("biokiosk")
    ap.add_argument("corpus", nargs="?")
    ap.add_argument("--build-corpus", type=float, metavar="SCALE",
                    help="build a corpus of this scale in a temporary folder first")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--no-background", action="store_true",
                    help="do not pass the calibration frames")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if os.environ.get("G_DEBUG") == "gc-friendly" and args.check:
        # meson's valgrind setup would run this Python driver, not our C
        # code, under valgrind; test-photo covers the validator there.
        print("skipped under the valgrind setup")
        return 77
    if args.build_corpus:
        tmp = tempfile.mkdtemp(prefix="photo-corpus-")
        try:
            gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "photo-corpus.py")
            proc = subprocess.run([sys.executable, gen, tmp, "--scale", str(args.build_corpus)])
            if proc.returncode != 0:
                return proc.returncode  # 77: no source faces
            args.corpus = tmp
            status = evaluate(args)
            if not args.no_background:
                print()
                args.no_background = True
                status = max(status, evaluate(args))
            return status
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if not args.corpus:
        ap.error("CORPUSDIR or --build-corpus is needed")
    return evaluate(args)


def evaluate(args):
    with open(os.path.join(args.corpus, "labels.json")) as f:
        labels = json.load(f)
    results = run_validator(args.biokiosk, args.corpus, labels, not args.no_background)

    compliant = [x for x in labels if x["compliant"]]
    light = [x for x in labels if x["light_covering"]]
    verdict = lambda x: results[x["file"]]["verdict"]
    reasons = lambda x: results[x["file"]]["reasons"]
    refused = [x for x in compliant if verdict(x) == "refuse"]
    referred = [x for x in compliant if verdict(x) == "refer"]
    light_accepted = [x for x in light if verdict(x) == "accept"]
    all_referred = [x for x in labels if verdict(x) == "refer"]

    print("photo corpus: %d images (%d compliant), calibration frame: %s" %
          (len(labels), len(compliant), "no" if args.no_background else "yes"))
    print("\nper check: compliant photos refused / referred with that code")
    per_code_refused = collections.Counter()
    per_code_referred = collections.Counter()
    for x in compliant:
        for code in reasons(x):
            (per_code_refused if verdict(x) == "refuse" else per_code_referred)[code] += 1
    for code in sorted(set(per_code_refused) | set(per_code_referred)):
        print("  %-36s refused %3d  referred %3d" %
              (code, per_code_refused[code], per_code_referred[code]))

    print("\nper defect: caught (refused or referred with an expected code)")
    by_cat = collections.defaultdict(list)
    for x in labels:
        if not x["compliant"]:
            by_cat[x["category"]].append(x)
    caught_total = 0
    for cat in sorted(by_cat):
        items = by_cat[cat]
        caught = [x for x in items if verdict(x) != "accept" and
                  set(reasons(x)) & set(x["expected"])]
        other = [x for x in items if verdict(x) != "accept" and x not in caught]
        caught_total += len(caught)
        print("  %-30s %2d/%-2d caught, %d stopped for another reason, %d accepted" %
              (cat, len(caught), len(items), len(other),
               len([x for x in items if verdict(x) == "accept"])))

    n = max(len(compliant), 1)
    print("\noverall")
    print("  compliant photos refused:              %d/%d (%.1f%%)" %
          (len(refused), len(compliant), 100.0 * len(refused) / n))
    print("  compliant photos referred:             %d/%d (%.1f%%)" %
          (len(referred), len(compliant), 100.0 * len(referred) / n))
    print("  white or light-grey coverings accepted: %d/%d" % (len(light_accepted), len(light)))
    print("  referral rate (all photos):            %d/%d (%.1f%%)" %
          (len(all_referred), len(labels), 100.0 * len(all_referred) / max(len(labels), 1)))
    print("  defects caught:                        %d/%d" %
          (caught_total, sum(len(v) for v in by_cat.values())))
    ms = sorted(r["ms"] for r in results.values())
    print("  decode + validate, median:             %.1f ms" % ms[len(ms) // 2])
    if args.verbose:
        for x in labels:
            r = results[x["file"]]
            ok = (r["verdict"] == "accept") == x["compliant"]
            if not ok or r["verdict"] == "refer":
                print("  %s %s %s" % (x["file"], r["verdict"], ",".join(r["reasons"])))
    # Issue 11's figures where this corpus has the photos: light coverings
    # named as such, undeclared coverings caught, no covering code on a
    # compliant photo, and a rolled head never lost.
    def share(items, ok):
        return sum(1 for x in items if ok(x)) / max(len(items), 1)
    light_named = share(light, lambda x: "head_covering_white_or_light_grey" in reasons(x))
    light_first = share(light, lambda x: reasons(x)[:1] == ["head_covering_white_or_light_grey"])
    background_codes = {"background_not_uniform", "background_not_white"}
    light_background = [x for x in light if set(reasons(x)) & background_codes]
    undeclared = by_cat.get("covering_not_declared", [])
    undeclared_caught = share(undeclared, lambda x: verdict(x) != "accept" and
                              "head_covering_not_declared" in reasons(x))
    pattern_codes = {"head_covering_not_single_coloured", "head_covering_not_smooth"}
    patterned = [x for x in labels if x.get("patterned") or
                 x["category"] in ("covering_patterned", "covering_bicolour")]
    patterned_caught = share(patterned, lambda x: verdict(x) != "accept" and
                             bool(set(reasons(x)) & pattern_codes))
    covering_codes = {"head_covering_not_declared", "head_covering_not_single_coloured",
                      "head_covering_not_smooth", "head_covering_white_or_light_grey",
                      "head_covering_low_contrast"}
    flagged = share(compliant, lambda x: verdict(x) != "accept" and
                    bool(set(reasons(x)) & covering_codes))
    rolled_lost = [x for x in labels if x.get("roll", 0) and abs(x["roll"]) <= 20.5
                   and "no_face" in reasons(x)]
    rolled_lost += [x for x in by_cat.get("rolled", []) if "no_face" in reasons(x)
                    and x not in rolled_lost]
    print("  light coverings named as such:         %.0f%% (first: %.0f%%)" %
          (100 * light_named, 100 * light_first))
    print("  light coverings given a background code: %d/%d" %
          (len(light_background), len(light)))
    print("  undeclared coverings caught:           %.0f%% of %d" %
          (100 * undeclared_caught, len(undeclared)))
    print("  patterned coverings caught:            %.0f%% of %d" %
          (100 * patterned_caught, len(patterned)))
    print("  compliant photos given a covering code: %.1f%%" % (100 * flagged))
    print("  rolled heads not found (no_face):      %d" % len(rolled_lost))
    if args.check:
        good = (not light_accepted and len(refused) <= 0.02 * n and len(referred) <= 0.10 * n
                and light_named >= 0.98 and light_first >= 0.98 and undeclared_caught >= 0.90
                and patterned_caught >= 0.90 and flagged <= 0.02 and not rolled_lost)
        print("\nacceptance targets: %s" % ("met" if good else "NOT met"))
        return 0 if good else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
