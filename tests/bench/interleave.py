#!/usr/bin/env python3
"""Times commands interleaved: every round runs each case once, in order, so
that the noise of a shared machine falls on all of them alike. Prints one
Markdown row per case (median, min and max wall time, median CPU time of the
command and its children) and the ratios asked for, as medians of the ratios
within each round (both sides of a ratio are measured in the same round).

    interleave.py --runs 5 \
        --case ours  --cwd DIR --prepare 'touch src/lib.rs' --run 'cargo check -q' \
        --case peer  --cwd DIR2 --prepare '...' --run '...' \
        --ratio ours/peer [--json OUT.json]

Commands run through `sh -c`; a prepare command is not timed. A failing
command stops the run. hyperfine does the same for short commands
(`generation.sh` uses it); this driver exists for interleaving long ones.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def parse():
    parser = argparse.ArgumentParser(allow_abbrev=False)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=0, help="untimed rounds first")
    parser.add_argument("--json")
    parser.add_argument("--ratio", action="append", default=[])
    cases, current = [], None
    rest = []
    for arg in sys.argv[1:]:
        rest.append(arg)
    args, extra = parser.parse_known_args(rest)
    it = iter(extra)
    for arg in it:
        if arg == "--case":
            current = {"name": next(it), "cwd": None, "prepare": None, "run": None}
            cases.append(current)
        elif arg in ("--cwd", "--prepare", "--run") and current is not None:
            current[arg[2:]] = next(it)
        else:
            parser.error(f"unexpected argument {arg!r}")
    if not cases or any(c["run"] is None for c in cases):
        parser.error("every --case needs a --run")
    return args, cases


def sh(command, cwd):
    result = subprocess.run(["sh", "-c", command], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"`{command}` (in {cwd or os.getcwd()}) failed:\n{result.stderr}")


def timed(case):
    if case["prepare"]:
        sh(case["prepare"], case["cwd"])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    sh(case["run"], case["cwd"])
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    args, cases = parse()
    for _ in range(args.warmup):
        for case in cases:
            timed(case)
    walls = {c["name"]: [] for c in cases}
    cpus = {c["name"]: [] for c in cases}
    for round_ in range(args.runs):
        for case in cases:
            wall, cpu = timed(case)
            walls[case["name"]].append(wall)
            cpus[case["name"]].append(cpu)
            print(f"  round {round_ + 1}/{args.runs}: {case['name']}: {wall:.2f} s wall, {cpu:.2f} s CPU",
                  file=sys.stderr, flush=True)
    print("| case | median wall | min | max | median CPU |")
    print("|---|---:|---:|---:|---:|")
    for case in cases:
        w, c = walls[case["name"]], cpus[case["name"]]
        print(f"| {case['name']} | {statistics.median(w):.2f} s | {min(w):.2f} s | {max(w):.2f} s "
              f"| {statistics.median(c):.2f} s |")
    ratios = {}
    for spec in args.ratio:
        a, b = spec.split("/")
        per_round = [x / y for x, y in zip(walls[a], walls[b])]
        ratios[spec] = statistics.median(per_round)
        print(f"\nratio {a} / {b}: {ratios[spec]:.2f} (median of {len(per_round)} rounds; "
              f"range {min(per_round):.2f}-{max(per_round):.2f})")
    print(f"\n({args.runs} rounds, cases interleaved)")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"runs": args.runs, "wall": walls, "cpu": cpus, "ratios": ratios}, out, indent=1)


if __name__ == "__main__":
    main()
