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
# beside its share of the endpoints. Then, untimed and deterministic, what
# each case gives the compiler: the generated lines, and the LLVM IR of the
# library (`cargo rustc -- --emit=llvm-ir`: functions defined and IR lines),
# each over the runtime alone and as a share of what all families add: the
# compile work itself, without the machine's noise. Uses
# target/bench/features as its target dir.
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

echo
echo "== what each case gives the compiler (deterministic): generated lines, LLVM IR of the library"
deps="$CARGO_TARGET_DIR/debug/deps"
ir_counts() { # prints "<generated lines> <functions defined> <IR lines>" for the features in $@
  cargo clean -q -p kdocs-client
  rm -f "$deps"/kdocs_client-*.ll
  cargo rustc -q -p kdocs-client --lib "$@" -- --emit=llvm-ir
  local generated
  generated="$(ls -t "$CARGO_TARGET_DIR"/debug/build/kdocs-client-*/out/kdocs_api.rs | head -1)"
  echo "$(wc -l < "$generated") $(cat "$deps"/kdocs_client-*.ll | grep -c '^define ') $(cat "$deps"/kdocs_client-*.ll | wc -l)"
}
{
  echo "none $(ir_counts --no-default-features --features rustls-tls)"
  for family in $families; do
    echo "$family $(ir_counts --no-default-features --features "rustls-tls,$family")"
  done
  echo "all $(ir_counts)"
} > "$CARGO_TARGET_DIR/feature-ir.txt"
python3 - "$CARGO_TARGET_DIR/feature-ir.txt" "$counts" <<'EOF'
import sys
rows = {}
for line in open(sys.argv[1]):
    case, generated, functions, ir = line.split()
    rows[case] = (int(generated), int(functions), int(ir))
counts = dict((line.split()[0], int(line.split()[1])) for line in sys.argv[2].splitlines() if line.strip())
total = sum(counts.values())
base = rows["none"]
added = [rows["all"][i] - base[i] for i in range(3)]
print("| features | share of endpoints | generated lines | share | functions in the IR | over the runtime | share | IR lines | over the runtime | share |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for case, (generated, functions, ir) in rows.items():
    endpoints = total if case == "all" else counts.get(case, 0)
    label = {"none": "runtime only", "all": "all (default)"}.get(case, f"`{case}`")
    over = [generated - base[0], functions - base[1], ir - base[2]]
    share = [o / a if a else 0 for o, a in zip(over, added)]
    print(f"| {label} | {endpoints / total:.0%} | {generated} | {share[0]:.0%} | {functions} | {over[1]:+d} | {share[1]:.0%} "
          f"| {ir} | {over[2]:+d} | {share[2]:.0%} |")
EOF
