#!/usr/bin/env python3
"""Plots of a speed or memory run, from its rows.jsonl (the canonical record).

    scripts/plot.py results/<suite>/<run-id>      (pebench run calls it after speed/memory suites)

Writes <run>/plots/<mode>_B<b>_H<h>_d<d>[_L<l>].pdf and .png (one per mode and shape;
prefixed with the part's name in a suite with parts):
  speed:  median time per step vs T, log-log, one line per encoding, IQR as error bars
  memory: the case's peak resident memory above the process base vs T, log-log
and for an extrapolation run <run>/plots/extrapolation_<corpus>_<protocol>.pdf/.png (bits
per byte vs evaluation length, log x, one line per encoding, mean over seeds with their
min..max as error bars, the training length dashed; the ALiBi paper's Figure 3) and
extrapolation_<corpus>_positions_L<length>.pdf/.png (bits per byte by position within the
window at the longest length, windows protocol).
Of rows with the same case_id and row_id only the last is drawn (a rerun into the same
--out appends); rows of several runs pooled into one rows.jsonl (seeds run apart) all count.
Extrapolation plots draw PASSED rows only; n/a lengths are gaps. Needs python3-matplotlib.
"""
import collections
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display
import matplotlib.pyplot as plt  # noqa: E402


def load_rows(run_dir):
    rows = []
    with open(os.path.join(run_dir, "rows.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def latest_rows(rows):
    """The last row of each (case_id, row_id), in order of first appearance."""
    latest = collections.OrderedDict()
    for r in rows:
        latest[(r.get("case_id"), r.get("row_id"))] = r
    return list(latest.values())


def encoding_label(row):
    params = row.get("encoding_params", "")
    return row["encoding"] + (f"[{params}]" if params else "")


def plot_run(run_dir):
    rows = latest_rows([r for r in load_rows(run_dir) if r.get("kind") in ("speed", "memory")])
    groups = collections.OrderedDict()
    for r in rows:
        key = (r.get("part", ""), r["kind"], r["mode"], r["batch"], r["heads"], r["head_dim"],
               r.get("layers"))
        groups.setdefault(key, []).append(r)
    os.makedirs(os.path.join(run_dir, "plots"), exist_ok=True)
    written = []
    for (part, kind, mode, b, h, d, layers), members in groups.items():
        fig, ax = plt.subplots(figsize=(5.5, 4))
        lines = collections.OrderedDict()
        for r in members:
            if r.get("status") != "PASSED":
                continue
            lines.setdefault(encoding_label(r), []).append(r)
        colors = plt.cm.tab20.colors  # 20 distinct colours (the default cycle repeats after 10)
        for n, (label, pts) in enumerate(lines.items()):
            style = dict(color=colors[n % 20], marker="osd^v<>"[n % 7], ms=3, label=label)
            pts.sort(key=lambda r: r["seq_len"])
            ts = [r["seq_len"] for r in pts]
            if kind == "speed":
                ys = [r["median_ms"] for r in pts]
                err = [[r["median_ms"] - r["p25_ms"] for r in pts],
                       [r["p75_ms"] - r["median_ms"] for r in pts]]
                ax.errorbar(ts, ys, yerr=err, capsize=2, **style)
            else:
                ys = [max(r["case_peak_bytes"], 1) / 2**20 for r in pts]
                ax.plot(ts, ys, **style)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("sequence length T")
        ax.set_ylabel("median time per step (ms)" if kind == "speed"
                      else "peak resident memory above base (MiB)")
        shape = f"B={b}, H={h}, d={d}" + (f", {layers} layers" if layers else "")
        ax.set_title(f"{mode} ({shape})", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        stem = (f"{part}_" if part else "") + f"{mode}_B{b}_H{h}_d{d}" + (f"_L{layers}" if layers else "")
        for ext in ("pdf", "png"):
            path = os.path.join(run_dir, "plots", f"{stem}.{ext}")
            fig.savefig(path, dpi=150)
            written.append(path)
        plt.close(fig)
    return written


def line_label(row):
    """An extrapolation row's line: its encoding, and its evaluation override if any."""
    variant = row.get("variant", "")
    return encoding_label(row) + (f" + {variant}" if variant else "")


def save(fig, run_dir, stem, written):
    fig.tight_layout()
    for ext in ("pdf", "png"):
        path = os.path.join(run_dir, "plots", f"{stem}.{ext}")
        fig.savefig(path, dpi=150)
        written.append(path)
    plt.close(fig)


def plot_extrapolation(run_dir):
    rows = latest_rows([r for r in load_rows(run_dir) if r.get("kind") == "extrapolation"])
    rows = [r for r in rows if r.get("status") == "PASSED"]
    if not rows:
        return []
    os.makedirs(os.path.join(run_dir, "plots"), exist_ok=True)
    colors = plt.cm.tab20.colors
    written = []
    by_curve = collections.OrderedDict()  # (corpus, protocol) -> label -> length -> [bits]
    for r in rows:
        curve = by_curve.setdefault((r["corpus"], r["protocol"]), collections.OrderedDict())
        curve.setdefault(line_label(r), {}).setdefault(r["eval_length"], []).append(
            r["bits_per_byte"])
    train_length = rows[0]["train_length"]
    # One colour and marker per line label in every plot of the run.
    index = {label: n for n, label in enumerate(collections.OrderedDict(
        (line_label(r), 1) for r in rows))}
    for (corpus, protocol), lines in by_curve.items():
        fig, ax = plt.subplots(figsize=(5.5, 4))
        for label, points in lines.items():
            n = index[label]
            ls = sorted(points)
            mean = [sum(points[L]) / len(points[L]) for L in ls]
            err = [[m - min(points[L]) for m, L in zip(mean, ls)],
                   [max(points[L]) - m for m, L in zip(mean, ls)]]
            ax.errorbar(ls, mean, yerr=err, capsize=2, color=colors[n % 20],
                        marker="osd^v<>"[n % 7], ms=3, label=label)
        ax.axvline(train_length, color="gray", ls="--", lw=1)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("evaluation length (bytes); dashed: training length")
        ax.set_ylabel("bits per byte (lower is better)")
        ax.set_title(f"{corpus}, {protocol} protocol", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
        save(fig, run_dir, f"extrapolation_{corpus}_{protocol}", written)
    windows = [r for r in rows if r["protocol"] == "windows" and r.get("position_bits")]
    for corpus in collections.OrderedDict((r["corpus"], 1) for r in windows):
        mine = [r for r in windows if r["corpus"] == corpus]
        longest = max(r["eval_length"] for r in mine)
        fig, ax = plt.subplots(figsize=(5.5, 4))
        lines = collections.OrderedDict()
        for r in mine:
            if r["eval_length"] == longest:
                lines.setdefault(line_label(r), []).append(r)
        for label, members in lines.items():
            n = index[label]
            xs = members[0]["position_start"]
            ys = [sum(m["position_bits"][k] for m in members) / len(members)
                  for k in range(len(xs))]
            ax.plot(xs, ys, color=colors[n % 20], marker="osd^v<>"[n % 7], ms=3, label=label)
        ax.axvline(train_length, color="gray", ls="--", lw=1)
        ax.set_xlabel(f"position in the window of {longest} (bucket start); dashed: training length")
        ax.set_ylabel("bits per byte")
        ax.set_title(f"{corpus}: loss by position at L={longest}", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
        save(fig, run_dir, f"extrapolation_{corpus}_positions_L{longest}", written)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for p in plot_run(sys.argv[1]) + plot_extrapolation(sys.argv[1]):
        print(p)
