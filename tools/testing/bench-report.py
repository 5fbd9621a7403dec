#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-report.py - judge zalloc's benchmark rows: what the modules measured,
turned into ratios, a table, target lines, CSV and a Markdown summary.

bench/zalloc_bench.ko writes raw rows (picoseconds per pair for each
allocator, hits per mille) and bench/zalloc_footprint.ko pages per live set;
this script, run by tools/testing/run.sh on the host, does the arithmetic and
holds the targets, as tools/mm/slabinfo.c and lib/test_vmalloc.c split it.

usage: bench-report.py --profile up61|up612|up|smp --boot zero|nozero
                       --title TITLE [--note LINE]
                       --csv OUT.csv --md OUT.md BENCH.csv [FOOTPRINT.csv]
Prints the table and one "target ..." line per target on stdout; writes the
rows with ratios as OUT.csv (read by the plot) and a summary as OUT.md.
A missed target is reported, never an error: the exit status says only
whether the rows could be read.
"""

import argparse
import csv
import fnmatch
import math
import sys

ALLOCATORS = ("zalloc", "kmalloc", "kmem_cache", "pages", "floor")

# The kernels (run.sh's profiles) and their boots: up61 6.1, up612 6.12 and
# up the newest kernel on one CPU, smp the newest on two; each booted with
# zeroing on allocation (zero, Debian's default) and with init_on_alloc=0
# (nozero).
PROFILES = ("up61", "up612", "up", "smp")
BOOTS = ("zero", "nozero")


def per_boot(nozero, zero):
    """A limit that depends on the boot."""
    return {"nozero": nozero, "zero": zero}


def every(limit, *profiles):
    """The same limit on every profile given (all of them by default)."""
    return {p: limit for p in profiles or PROFILES}


# The performance targets of issue 17, judged on kernels built with
# Debian's allocator options, on both boots. A target is
#   (name, scenarios, label, smallest size, largest size, compared with,
#    limits)
# scenarios and label are fnmatch patterns of the rows' columns; limits
# maps a profile to a limit, or to a per_boot() pair; a profile it does
# not name is not judged. Every matching row counts; the line names the
# worst one. A target over rows the benchmark does not print prints "not
# measured".
ONE_CPU = ("up61", "up612", "up")
# The N-pattern rows with GFP_KERNEL (the accounted ones have a target of
# their own below).
NPAT = tuple(f"npat-{n}" for n in (1, 8, 32, 128, 512, 1024))
TARGETS = (
    ("every row vs kmalloc",
     ("hot", *NPAT, "churn", "basic", "tokio"), "auto", 0, 1 << 32,
     "kmalloc", every(1.00)),
    ("hot and npat 8B-8K vs kmalloc",
     ("hot", *NPAT), "auto", 8, 8192,
     "kmalloc", {"up61": 0.80, "up612": 0.80, "up": 1.00, "smp": 1.00}),
    ("hot 16K-64K vs kmalloc",
     ("hot",), "auto", 16384, 65536,
     "kmalloc", every(per_boot(0.20, 0.95))),
    ("producer/consumer vs kmalloc",
     ("prodcons", "threads"), "cross-cpu", 0, 1 << 32,
     "kmalloc", every(1.00, "smp")),
    ("parallel hot vs kmalloc",
     ("threads",), "local", 0, 1 << 32,
     "kmalloc", every(1.00, "smp")),
    ("bulk-16 vs kmem_cache bulk",
     ("bulk-16",), "auto", 0, 1 << 32,
     "kmem_cache", every(1.00, *ONE_CPU)),
    ("GFP_KERNEL_ACCOUNT hot and N=128 vs kmalloc",
     ("hot-acct", "npat-128-acct"), "auto", 0, 1 << 32,
     "kmalloc", every(1.00, *ONE_CPU)),
    # Issue 18: allocate + zalloc_free_rcu() against kmalloc() +
    # kfree_rcu(), per object, in the same run (the kmalloc column).
    ("free_rcu vs kfree_rcu",
     ("free-rcu",), "auto", 0, 1 << 32,
     "kmalloc", every(1.00)),
)
# Two ways of a hot pair timed in turns in one scenario: (name, scenario,
# label timed, label it is compared with, limits). Statistics on against
# off (an earlier issue's target, still held); zalloc_alloc_node() for
# this CPU's node against zalloc_alloc() (issue 18).
AB_TARGETS = (
    ("stats on vs off", "stats", "on", "off", every(1.05, *ONE_CPU)),
    ("alloc_node vs alloc pair", "alloc-node", "node", "any", every(1.05)),
)
# Issue 19: profiling on against off, zalloc's hot pairs and N=128 up to
# 8 KiB (the "profile-hot" and "profile-npat-128" rows, on and off taking
# turns in one run): 1.15 on one CPU, 1.3 on two.
PROFILE_LIMIT = {**every(1.15, *ONE_CPU), "smp": 1.30}
PROFILE_SCENARIOS = ("profile-hot", "profile-npat-128")
# Parts of a pair against what they replace, in the same run:
#   (name, (part, size), its column, (part, size), its column, limits)
# A single-object span against the bare pages of its order (issue 17's
# "large classes"); the magazines of an object class against SLUB's own
# per-CPU caches (sheaves on 7.x) serving that class's cache: over 1.00,
# the magazines would not earn their cost (issue 17's "sheaves").
PART_TARGETS = (
    ("single-object span vs bare pages", ("backend-solo", 65536), "zalloc",
     ("backend-solo", 65536), "pages", every(1.10)),
    ("object-class magazines vs SLUB's per-CPU caches",
     ("mag-pop-push", 64), "zalloc", ("slab-pair", 64), "zalloc",
     every(1.00)),
)

# Footprint: pages per live byte, share of kmalloc's pages (1.0 for the
# object-pool sizes), extended-pool pages left after a drain (the floor).
FOOTPRINT_PPB = 1.15
FOOTPRINT_FLOOR = 0


def read_rows(path):
    """The benchmark's rows, times in ns (None where not measured)."""
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            row = {"scenario": r["scenario"], "label": r["label"],
                   "size": int(r["size"]),
                   "hit": int(r["hit_permille"])}
            for a in ALLOCATORS:
                ps = int(r[a + "_ps"])
                row[a] = ps / 1000.0 if ps else None
            rows.append(row)
    return rows


def ratio(a, b):
    return a / b if a and b else None


def fmt(v, digits=1):
    return "-" if v is None else f"{v:.{digits}f}"


def hit_pct(row):
    return "-" if row["hit"] < 0 else f"{row['hit'] / 10:.1f}"


def table(rows, out):
    head = ("scenario", "label", "size", "zalloc", "kmalloc", "kmem_c",
            "pages", "floor", "/kmal", "/kmemc", "/floor", "hit%")
    print("%-9s %-13s %6s %8s %8s %8s %8s %8s %6s %6s %6s %5s" % head,
          file=out)
    for r in rows:
        print("%-9s %-13s %6d %8s %8s %8s %8s %8s %6s %6s %6s %5s" % (
            r["scenario"], r["label"], r["size"], fmt(r["zalloc"]),
            fmt(r["kmalloc"]), fmt(r["kmem_cache"]), fmt(r["pages"]),
            fmt(r["floor"]), fmt(ratio(r["zalloc"], r["kmalloc"]), 2),
            fmt(ratio(r["zalloc"], r["kmem_cache"]), 2),
            fmt(ratio(r["zalloc"], r["floor"]), 2), hit_pct(r)), file=out)


def limit_of(limits, profile, boot):
    """A target's limit on this kernel and boot, or None."""
    limit = limits.get(profile)
    return limit.get(boot) if isinstance(limit, dict) else limit


def covers(row, scens, label, lo, hi):
    return (any(fnmatch.fnmatchcase(row["scenario"], s) for s in scens) and
            fnmatch.fnmatchcase(row["label"], label) and
            lo <= row["size"] <= hi)


def row_name(row):
    """A row as a target line names it: scenario, label unless "auto",
    size unless 0 (the mixed-size loops)."""
    words = [row["scenario"]]
    if row["label"] != "auto":
        words.append(row["label"])
    if row["size"]:
        words.append(str(row["size"]))
    return " ".join(words)


def part_name(part, column):
    """A parts row's figure as a target line names it: the part, its size,
    and the column unless it is zalloc's."""
    words = [part[0], str(part[1])]
    if column != "zalloc":
        words.append(column)
    return " ".join(words)


def judge(rows, profile, boot):
    """One line per target: the worst ratio over its rows, how many rows
    are over the limit, and the verdict."""
    lines = []
    for name, scens, label, lo, hi, den, limits in TARGETS:
        limit = limit_of(limits, profile, boot)
        if limit is None:
            continue
        ratios = []
        for r in rows:
            q = ratio(r["zalloc"], r[den])
            if covers(r, scens, label, lo, hi) and q is not None:
                ratios.append((q, row_name(r)))
        if not ratios:
            lines.append(f"target {name}: not measured")
            continue
        worst = max(ratios)
        over = sum(q > limit for q, _ in ratios)
        verdict = "met" if worst[0] <= limit else "MISSED"
        lines.append(f"target {name}: worst {worst[0]:.2f} at {worst[1]} "
                     f"({over} of {len(ratios)} rows over), "
                     f"limit {limit:.2f}: {verdict}")
    parts = {(r["label"], r["size"]): r for r in rows
             if r["scenario"] == "parts"}
    for name, num, num_col, den, den_col, limits in PART_TARGETS:
        limit = limit_of(limits, profile, boot)
        if limit is None:
            continue
        q = ratio((parts.get(num) or {}).get(num_col),
                  (parts.get(den) or {}).get(den_col))
        if q is None:
            lines.append(f"target {name}: not measured")
            continue
        verdict = "met" if q <= limit else "MISSED"
        lines.append(f"target {name}: {q:.2f} ({part_name(num, num_col)} / "
                     f"{part_name(den, den_col)}), limit {limit:.2f}: "
                     f"{verdict}")
    for name, scenario, num, den, limits in AB_TARGETS:
        limit = limit_of(limits, profile, boot)
        side = {label: {r["size"]: r["zalloc"] for r in rows
                        if r["scenario"] == scenario and r["label"] == label}
                for label in (num, den)}
        for size in sorted(side[num]):
            q = ratio(side[num][size], side[den].get(size))
            if limit is not None and q is not None:
                verdict = "met" if q <= limit else "MISSED"
                lines.append(f"target {name}: {q:.2f} at size {size}, "
                             f"limit {limit:.2f}: {verdict}")
    lines += judge_profile(rows, profile, boot)
    return lines


def judge_profile(rows, profile, boot):
    """The profiling target: each on row against its off row, the worst
    named; a line with the geometric mean too."""
    limit = limit_of(PROFILE_LIMIT, profile, boot)
    if limit is None:
        return []
    zal = {(r["scenario"], r["label"], r["size"]): r["zalloc"] for r in rows
           if r["scenario"] in PROFILE_SCENARIOS}
    ratios = []
    for (scen, label, size), on in zal.items():
        q = ratio(on, zal.get((scen, "off", size))) if label == "on" else None
        if q is not None and size <= 8192:
            ratios.append((q, f"{scen} {size}"))
    if not ratios:
        return ["target profile on vs off: not measured"]
    worst = max(ratios)
    over = sum(q > limit for q, _ in ratios)
    geo = math.exp(sum(math.log(q) for q, _ in ratios) / len(ratios))
    verdict = "met" if worst[0] <= limit else "MISSED"
    return [f"target profile on vs off (hot and N=128 up to 8K): worst "
            f"{worst[0]:.2f} at {worst[1]}, geometric mean {geo:.2f} "
            f"({over} of {len(ratios)} rows over), limit {limit:.2f}: "
            f"{verdict}"]


def read_footprint(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def judge_footprint(sets):
    lines = []
    for s in sets:
        ppb = float(s["zalloc_pages_per_byte"])
        share = int(s["zalloc_pages"]) / int(s["kmalloc_pages"])
        limit = 1.00 if s["set"] == "8-256" else 0.85
        left = int(s["zalloc_ext_pages_after_drain"])
        lines.append(f"target footprint {s['set']} pages per live byte: "
                     f"{ppb:.3f}, limit {FOOTPRINT_PPB:.2f}: "
                     f"{'met' if ppb <= FOOTPRINT_PPB else 'MISSED'}")
        lines.append(f"target footprint {s['set']} vs kmalloc: {share:.2f}, "
                     f"limit {limit:.2f}: "
                     f"{'met' if share <= limit else 'MISSED'}")
        lines.append(f"target footprint {s['set']} extended-pool pages after "
                     f"drain: {left}, floor {FOOTPRINT_FLOOR}: "
                     f"{'met' if left <= FOOTPRINT_FLOOR else 'MISSED'}")
    return lines


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(("scenario", "label", "size", "zalloc_ns", "kmalloc_ns",
                    "kmem_cache_ns", "pages_ns", "floor_ns", "vs_kmalloc",
                    "vs_kmem_cache", "vs_floor", "hit_pct"))
        for r in rows:
            w.writerow((r["scenario"], r["label"], r["size"],
                        *(fmt(r[a]) for a in ALLOCATORS),
                        fmt(ratio(r["zalloc"], r["kmalloc"]), 2),
                        fmt(ratio(r["zalloc"], r["kmem_cache"]), 2),
                        fmt(ratio(r["zalloc"], r["floor"]), 2), hit_pct(r)))


def summary_row(r):
    if r["scenario"] == "hot":
        return r["size"] in (8, 64, 256, 512, 4096, 8192, 16384, 65536)
    if r["scenario"].startswith("npat"):
        return r["scenario"] in ("npat-128", "npat-1024") or r["size"] == 64
    return True


def write_md(rows, sets, targets, title, note, path):
    with open(path, "w") as f:
        f.write(f"### {title}\n\n")
        if note:
            f.write(f"{note}\n\n")
        f.write("| scenario | label | size | zalloc ns | kmalloc ns | "
                "kmem_cache ns | pages ns | floor ns | /kmalloc | "
                "/kmem_cache | hit % |\n")
        f.write("|---|---|---|---|---|---|---|---|---|---|---|\n")
        for r in filter(summary_row, rows):
            f.write(f"| {r['scenario']} | {r['label']} | {r['size']} | "
                    f"{fmt(r['zalloc'])} | {fmt(r['kmalloc'])} | "
                    f"{fmt(r['kmem_cache'])} | {fmt(r['pages'])} | "
                    f"{fmt(r['floor'])} | "
                    f"{fmt(ratio(r['zalloc'], r['kmalloc']), 2)} | "
                    f"{fmt(ratio(r['zalloc'], r['kmem_cache']), 2)} | "
                    f"{hit_pct(r)} |\n")
        if sets:
            f.write("\n| live set | live bytes | zalloc pages | kmalloc pages"
                    " | zalloc pages/byte | kmalloc pages/byte | "
                    "zalloc/kmalloc | zalloc pages after free | after drain"
                    " | extended-pool pages after drain |\n")
            f.write("|---|---|---|---|---|---|---|---|---|---|\n")
            for s in sets:
                share = int(s["zalloc_pages"]) / int(s["kmalloc_pages"])
                f.write(f"| {s['set']} | {s['live_bytes']} | "
                        f"{s['zalloc_pages']} | {s['kmalloc_pages']} | "
                        f"{s['zalloc_pages_per_byte']} | "
                        f"{s['kmalloc_pages_per_byte']} | {share:.2f} | "
                        f"{s['zalloc_pages_after_free']} | "
                        f"{s['zalloc_pages_after_drain']} | "
                        f"{s['zalloc_ext_pages_after_drain']} |\n")
        f.write("\n")
        for line in targets:
            f.write(f"    {line}\n")
        f.write("\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profile", required=True, choices=PROFILES)
    p.add_argument("--boot", required=True, choices=BOOTS)
    p.add_argument("--title", required=True)
    p.add_argument("--note", default="",
                   help="a line for the summary, under the title")
    p.add_argument("--csv", required=True)
    p.add_argument("--md", required=True)
    p.add_argument("bench")
    p.add_argument("footprint", nargs="?")
    args = p.parse_args()

    rows = read_rows(args.bench)
    if not rows:
        sys.exit(f"{args.bench}: no rows")
    sets = read_footprint(args.footprint) if args.footprint else []
    targets = judge(rows, args.profile, args.boot) + judge_footprint(sets)
    table(rows, sys.stdout)
    for line in targets:
        print(line)
    write_csv(rows, args.csv)
    write_md(rows, sets, targets, args.title, args.note, args.md)


if __name__ == "__main__":
    main()
