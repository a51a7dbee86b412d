#!/usr/bin/python3
"""plot.py - SVG charts of the benchmark results that bench/runner.c
writes (build/bench/SUITE.json: "cases" with ns_per_op, min_ns, max_ns;
"metrics" with a value and a unit).

For each runner suite, SUITE.svg has two panels:
  - Tern against its baseline: every metric whose unit is "x" (a ratio
    of Tern's rate to the baseline's, measured in the same run), on a log
    axis with 1x marked - right of the line Tern is faster;
  - every case's time per operation (median, whiskers from min to max),
    on a log axis, cases of one comparison ("GROUP: VARIANT") together.
ratios.svg puts the ratios of all suites in one chart. JSON files of
another shape (the scripted benchmarks: guest.json, http.json, ...) are
named and skipped.

Needs Debian's python3-matplotlib (hence /usr/bin/python3).

usage: plot.py DIR   (reads DIR/*.json, writes DIR/plots/*.svg)
"""
import glob
import json
import os
import sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

TERN = "#d9601a"
BASE = "#4a7bb7"


def ratio_panel(ax, metrics, title):
    """Horizontal bars of ratios (log axis, 1x marked)."""
    names = [m["name"] for m in metrics][::-1]
    vals = [m["value"] for m in metrics][::-1]
    colours = [TERN if v >= 1 else BASE for v in vals]
    ax.barh(range(len(vals)), vals, color=colours)
    ax.set_yticks(range(len(vals)))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    for i, v in enumerate(vals):
        ax.text(v, i, " %.3gx" % v, va="center", fontsize=7)
    ax.set_xlabel("Tern / baseline (x, log; > 1: Tern faster)")
    ax.set_title(title, fontsize=10)


def case_panel(ax, cases):
    """Horizontal bars of ns/op with min-max whiskers; the first variant
    of each group (Tern, by the benches' convention) in Tern's colour."""
    names, vals, lo, hi, colours = [], [], [], [], []
    seen = set()
    for c in cases:
        group = c["name"].split(": ")[0]
        first = group not in seen
        seen.add(group)
        names.append(c["name"])
        vals.append(c["ns_per_op"])
        lo.append(max(0.0, c["ns_per_op"] - c["min_ns"]))
        hi.append(max(0.0, c["max_ns"] - c["ns_per_op"]))
        colours.append(TERN if first else BASE)
    n = len(vals)
    y = list(range(n))[::-1]
    ax.barh(y, vals, xerr=[lo, hi], color=colours, error_kw={"linewidth": 0.6})
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("ns per operation (median of the repetitions; whiskers: min..max; log)")


def plot_suite(doc, path):
    ratios = [m for m in doc["metrics"] if m.get("unit") == "x"]
    cases = doc["cases"]
    rows = [len(ratios), len(cases)]
    panels = [r for r in rows if r]
    fig, axes = plt.subplots(len(panels), 1, squeeze=False,
                             figsize=(10, 1.2 + 0.28 * sum(panels) + 0.8 * len(panels)),
                             gridspec_kw={"height_ratios": panels})
    i = 0
    quick = " (--quick)" if doc.get("quick") else ""
    if ratios:
        ratio_panel(axes[i][0], ratios, "%s: Tern against its baseline%s" % (doc["suite"], quick))
        i += 1
    if cases:
        case_panel(axes[i][0], cases)
        if not ratios:
            axes[i][0].set_title("%s%s" % (doc["suite"], quick), fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    src = sys.argv[1]
    out = os.path.join(src, "plots")
    os.makedirs(out, exist_ok=True)
    every = []
    wrote = 0
    for f in sorted(glob.glob(os.path.join(src, "*.json"))):
        with open(f) as fh:
            doc = json.load(fh)
        if not isinstance(doc.get("cases"), list) or not isinstance(doc.get("metrics"), list):
            print("plot.py: %s is not a runner suite: skipped" % f)
            continue
        path = os.path.join(out, doc["suite"] + ".svg")
        plot_suite(doc, path)
        print("plot.py: %s" % path)
        wrote += 1
        every += [dict(m, name="%s: %s" % (doc["suite"], m["name"]))
                  for m in doc["metrics"] if m.get("unit") == "x"]
    if every:
        fig, ax = plt.subplots(figsize=(10, 1.2 + 0.25 * len(every)))
        ratio_panel(ax, every, "Tern against its baselines, every suite")
        fig.tight_layout()
        path = os.path.join(out, "ratios.svg")
        fig.savefig(path)
        plt.close(fig)
        print("plot.py: %s" % path)
    if wrote == 0:
        sys.exit("plot.py: no runner suites in %s" % src)


if __name__ == "__main__":
    main()
