#!/usr/bin/env bash
# Compile time of kdocs-client with one family's cargo feature alone, against
# all families and against none (the runtime alone), dependencies already
# built, debug profile, the feature sets interleaved round by round.
#
#   tests/bench/feature-subsets.sh [runs, default 5] [families, default: every one]
#
# Each case is `cargo clean -p kdocs-client` (untimed), then `cargo build -p
# kdocs-client` with the case's features: the build script is built and run
# again, then the library compiles. What is compared is the CPU time of the
# one rustc run that compiles the library (runtime + generated code), taken by
# a RUSTC_WRAPPER: the build script's compile and cargo's own work around it
# are the same for every case and only add noise. The whole command's wall
# time is printed too.
#
# Every case keeps `rustls-tls` (a default feature), so that reqwest and the
# other dependencies are the same and built once: `--no-default-features
# --features rustls-tls,<family>`. Prints the medians, then for each family
# what it adds over the runtime alone as a share of what all families add,
# beside its share of the endpoints. Uses target/bench/features as its
# target dir.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-5}"
cd "$repo"
export CARGO_TARGET_DIR="$repo/target/bench/features"
mkdir -p "$CARGO_TARGET_DIR"
# The wrapper logs "<case> <user s> <system s>" for the library's rustc run only.
export LIB_CPU_LOG="$CARGO_TARGET_DIR/lib-cpu.log"
: > "$LIB_CPU_LOG"
cat > "$CARGO_TARGET_DIR/lib-cpu.sh" <<'WRAPPER'
#!/usr/bin/env bash
rustc="$1"; shift
name=""; prev=""; lib=""
for a in "$@"; do
  if [ "$prev" = "--crate-name" ]; then name="$a"; fi
  if [ "$prev" = "--crate-type" ] && [ "$a" = "lib" ]; then lib=1; fi
  prev="$a"
done
if [ "$name" != "kdocs_client" ] || [ -z "$lib" ] || [ -z "${BENCH_CASE:-}" ]; then exec "$rustc" "$@"; fi
exec /usr/bin/time -a -o "$LIB_CPU_LOG" -f "$BENCH_CASE %U %S" "$rustc" "$@"
WRAPPER
chmod +x "$CARGO_TARGET_DIR/lib-cpu.sh"
export RUSTC_WRAPPER="$CARGO_TARGET_DIR/lib-cpu.sh"
counts="$(cargo run -q -p kdocs-codegen -- check api-spec | awk '/^family/ {table=1; next} table && NF == 2 {print $1, $2}')"
families="${2:-$(echo "$counts" | awk '{print $1}' | xargs)}"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); families: $families"

cases=(--case "none" --prepare "cargo clean -q -p kdocs-client"
  --run "BENCH_CASE=none cargo build -q -p kdocs-client --no-default-features --features rustls-tls")
for family in $families; do
  cases+=(--case "$family" --prepare "cargo clean -q -p kdocs-client"
    --run "BENCH_CASE=$family cargo build -q -p kdocs-client --no-default-features --features rustls-tls,$family")
done
cases+=(--case "all" --prepare "cargo clean -q -p kdocs-client" --run "BENCH_CASE=all cargo build -q -p kdocs-client")

echo "== building the dependencies (not timed)"
cargo build -q -p kdocs-client
cargo build -q -p kdocs-client --no-default-features --features rustls-tls

echo "== timing ($runs rounds)"
python3 tests/bench/interleave.py --runs "$runs" --json "$CARGO_TARGET_DIR/feature-subsets.json" "${cases[@]}"

python3 - "$CARGO_TARGET_DIR/feature-subsets.json" "$LIB_CPU_LOG" "$counts" <<'EOF'
import json, statistics, sys
data = json.load(open(sys.argv[1]))
lib = {}
for line in open(sys.argv[2]):
    case, user, system = line.split()
    lib.setdefault(case, []).append(float(user) + float(system))
counts = dict((line.split()[0], int(line.split()[1])) for line in sys.argv[3].splitlines() if line.strip())
total = sum(counts.values())
wall = {k: statistics.median(v) for k, v in data["wall"].items()}
cpu = {k: statistics.median(lib[k]) for k in wall}
spread = {k: (min(lib[k]), max(lib[k])) for k in wall}
added = cpu["all"] - cpu["none"]
print(f"\n(rustc CPU of the kdocs-client library: median of {len(lib['all'])} runs, min-max in brackets;")
print(" wall: median of the whole `cargo build`, build script included)\n")
print("| features | endpoints | share of endpoints | library rustc CPU | over the runtime | share of what all add | wall |")
print("|---|---:|---:|---:|---:|---:|---:|")
def row(name, label, endpoints):
    c = cpu[name] - cpu["none"]
    lo, hi = spread[name]
    print(f"| {label} | {endpoints} | {endpoints / total:.0%} | {cpu[name]:.2f} s ({lo:.2f}-{hi:.2f}) | {c:+.2f} s "
          f"| {c / added:.0%} | {wall[name]:.2f} s |")
lo, hi = spread["none"]
print(f"| runtime only (`rustls-tls`) | 0 | 0% | {cpu['none']:.2f} s ({lo:.2f}-{hi:.2f}) | | | {wall['none']:.2f} s |")
for family in [k for k in wall if k not in ("none", "all")]:
    row(family, f"`{family}`", counts[family])
row("all", "all (default)", total)
EOF
