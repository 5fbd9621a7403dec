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
"""

import argparse
import csv
import sys

ALLOCATORS = ("zalloc", "kmalloc", "kmem_cache", "pages", "floor")

# Limits per profile (None where one does not apply): the performance
# issue's. Rows that share a limit share its dict.
NPAT_SMALL = {"up61": 0.80, "up": 1.00, "smp": 1.00}
NPAT_LARGE = {"up61": 0.50, "up": 0.50, "smp": 0.50}
MIXED = {"up61": 0.80, "up": 0.90, "smp": 1.00}

# name, scenario, label, smallest size, largest size, compared with, limits.
TARGETS = (
    ("hot 8B-256B vs kmem_cache", "hot", "auto", 8, 256, "kmem_cache",
     {"up61": 0.80, "up": 1.20, "smp": 1.00}),
    ("hot 320B-8K vs kmem_cache", "hot", "auto", 320, 8192, "kmem_cache",
     {"up61": 0.60, "up": 1.00, "smp": 1.00}),
    ("hot 16K-64K vs kmalloc", "hot", "auto", 16384, 65536, "kmalloc",
     {"up61": 0.20, "up": 0.20, "smp": 0.20}),
    *((f"npat-{n} up to 8K vs kmalloc", f"npat-{n}", "auto", 0, 8192,
       "kmalloc", NPAT_SMALL) for n in (128, 1024)),
    *((f"npat-{n} 16K-64K vs kmalloc", f"npat-{n}", "auto", 16384, 65536,
       "kmalloc", NPAT_LARGE) for n in (128, 1024)),
    *((f"{s} vs kmalloc", s, "auto", 0, 0, "kmalloc", MIXED)
      for s in ("churn", "basic", "tokio")),
    ("prodcons up to 8K vs kmalloc", "prodcons", "cross-cpu", 0, 8192,
     "kmalloc", {"smp": 1.00}),
    ("prodcons 16K-64K vs kmalloc", "prodcons", "cross-cpu", 16384, 65536,
     "kmalloc", {"smp": 0.50}),
    ("bulk-16 vs kmem_cache bulk", "bulk-16", "auto", 0, 1 << 32,
     "kmem_cache", {"up61": 1.00, "up": 1.00}),
)
STATS_LIMIT = {"up61": 1.05, "up": 1.05}

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


def judge(rows, profile):
    """One line per target: the worst ratio over its rows, and the verdict."""
    lines = []
    for name, scen, label, lo, hi, den, limits in TARGETS:
        limit = limits.get(profile)
        if limit is None:
            continue
        worst = None
        for r in rows:
            if (r["scenario"] != scen or r["label"] != label or
                    not lo <= r["size"] <= hi):
                continue
            q = ratio(r["zalloc"], r[den])
            if q is not None and (worst is None or q > worst[0]):
                worst = (q, r["size"])
        if worst is None:
            lines.append(f"target {name}: not measured")
            continue
        verdict = "met" if worst[0] <= limit else "MISSED"
        lines.append(f"target {name}: worst {worst[0]:.2f} at size "
                     f"{worst[1]}, limit {limit:.2f}: {verdict}")
    limit = STATS_LIMIT.get(profile)
    on = {r["size"]: r["zalloc"] for r in rows
          if r["scenario"] == "stats" and r["label"] == "on"}
    off = {r["size"]: r["zalloc"] for r in rows
           if r["scenario"] == "stats" and r["label"] == "off"}
    for size in sorted(on):
        q = ratio(on[size], off.get(size))
        if limit is not None and q is not None:
            verdict = "met" if q <= limit else "MISSED"
            lines.append(f"target stats on vs off: {q:.2f} at size {size}, "
                         f"limit {limit:.2f}: {verdict}")
    return lines


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
    p.add_argument("--profile", required=True,
                   choices=("up61", "up612", "up", "smp"))
    p.add_argument("--boot", required=True, choices=("zero", "nozero"))
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
    targets = judge(rows, args.profile) + judge_footprint(sets)
    table(rows, sys.stdout)
    for line in targets:
        print(line)
    write_csv(rows, args.csv)
    write_md(rows, sets, targets, args.title, args.note, args.md)


if __name__ == "__main__":
    main()
