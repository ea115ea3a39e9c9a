#!/usr/bin/env bash
# Compile time of kdocs-client with one family's cargo feature alone, against
# all families and against none (the runtime alone): a debug `cargo build -p
# kdocs-client` from a clean kdocs-client (`cargo clean -p`: its build script
# is built and run again, then the runtime and the generated code compile),
# dependencies already built, the feature sets interleaved round by round.
#
#   tests/bench/feature-subsets.sh [runs, default 3] [families, default: every one]
#
# Every case keeps `rustls-tls` (a default feature), so that reqwest and the
# other dependencies are the same and built once: `--no-default-features
# --features rustls-tls,<family>`. Prints the medians, then for each family
# what it adds over the runtime alone as a share of what all families add,
# beside its share of the endpoints. Uses target/bench/features as its
# target dir.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-3}"
cd "$repo"
export CARGO_TARGET_DIR="$repo/target/bench/features"
counts="$(cargo run -q -p kdocs-codegen -- check api-spec | awk '/^family/ {table=1; next} table && NF == 2 {print $1, $2}')"
families="${2:-$(echo "$counts" | awk '{print $1}' | xargs)}"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); families: $families"

cases=(--case "none" --prepare "cargo clean -q -p kdocs-client"
  --run "cargo build -q -p kdocs-client --no-default-features --features rustls-tls")
for family in $families; do
  cases+=(--case "$family" --prepare "cargo clean -q -p kdocs-client"
    --run "cargo build -q -p kdocs-client --no-default-features --features rustls-tls,$family")
done
cases+=(--case "all" --prepare "cargo clean -q -p kdocs-client" --run "cargo build -q -p kdocs-client")

echo "== building the dependencies (not timed)"
cargo build -q -p kdocs-client
cargo build -q -p kdocs-client --no-default-features --features rustls-tls

echo "== timing ($runs rounds)"
python3 tests/bench/interleave.py --runs "$runs" --json "$CARGO_TARGET_DIR/feature-subsets.json" "${cases[@]}"

python3 - "$CARGO_TARGET_DIR/feature-subsets.json" "$counts" <<'EOF'
import json, statistics, sys
data = json.load(open(sys.argv[1]))
counts = dict((line.split()[0], int(line.split()[1])) for line in sys.argv[2].splitlines() if line.strip())
total = sum(counts.values())
wall = {k: statistics.median(v) for k, v in data["wall"].items()}
cpu = {k: statistics.median(v) for k, v in data["cpu"].items()}
added_wall, added_cpu = wall["all"] - wall["none"], cpu["all"] - cpu["none"]
print("\n| features | endpoints | share of endpoints | wall | over the runtime | share of what all add | CPU | over the runtime | share of what all add |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
def row(name, label, endpoints):
    w, c = wall[name] - wall["none"], cpu[name] - cpu["none"]
    print(f"| {label} | {endpoints} | {endpoints / total:.0%} | {wall[name]:.2f} s | {w:+.2f} s | {w / added_wall:.0%} "
          f"| {cpu[name]:.2f} s | {c:+.2f} s | {c / added_cpu:.0%} |")
print(f"| runtime only (`rustls-tls`) | 0 | 0% | {wall['none']:.2f} s | | | {cpu['none']:.2f} s | | |")
for family in [k for k in wall if k not in ("none", "all")]:
    row(family, f"`{family}`", counts[family])
row("all", "all (default)", total)
EOF
