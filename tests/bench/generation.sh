#!/usr/bin/env bash
# Generation time, this project against progenitor 0.15.1 on the same API: a
# synthetic spec of N endpoints (`kdocs-codegen synth`, also exported as
# OpenAPI for progenitor).
#
#   tests/bench/generation.sh [runs, default 15] [sizes, default "10 100 1000"]
#
# 1. Each stage apart (load, validate, model, emit, write), in-process, with
#    client/build.rs's settings and without the `pretty` feature (the
#    build-script path): `bench_generate stages`, sizes interleaved.
# 2. The whole process, with hyperfine: `bench_generate generate` (what the
#    build script does, as a command) against `progenitor-gen` (progenitor's
#    README build script as a command: generate, then syn + prettyplease) and
#    `progenitor-gen --unformatted` (its tokens' own text, no formatter), in
#    three hyperfine rounds of runs/3 runs each so that the commands
#    alternate; medians over all runs, and the ratios.
#
# PROFILE=dev measures the generators built unoptimized, as a build script
# runs in a downstream debug build (default: release). BASELINE=/path/to/
# another checkout adds its bench_generate ("baseline") to both parts: a
# before/after in one run. Needs hyperfine and
# python3. progenitor is built from tests/bench/progenitor (its own
# workspace) into target/bench/progenitor.
set -euo pipefail
# The stages are public under kdocs-codegen's `testing` feature (a checkout
# from before that feature builds bench_generate without it).
stage_features() { grep -q '^testing = ' "$1/codegen/Cargo.toml" && echo "--features testing" || true; }
repo="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-15}"
sizes="${2:-10 100 1000}"
profile="${PROFILE:-release}"
dir=$([ "$profile" = dev ] && echo debug || echo release)
work="$(mktemp -d /tmp/kdocs-generation.XXXXXX)"
command -v hyperfine > /dev/null || { echo "hyperfine is not installed"; exit 1; }
echo "work dir $work; profile $profile; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

echo "== building the generators ($profile)"
(cd "$repo" && cargo build -q --release -p kdocs-codegen \
  && cargo build -q --profile "$profile" -p kdocs-codegen --no-default-features $(stage_features "$repo") --example bench_generate)
CARGO_TARGET_DIR="$repo/target/bench/progenitor" \
  cargo build -q --profile "$profile" --manifest-path "$repo/tests/bench/progenitor/Cargo.toml"
synth="$repo/target/release/kdocs-codegen"
ours="$repo/target/$dir/examples/bench_generate"
prog="$repo/target/bench/progenitor/$dir/progenitor-gen"
baseline_cmd=()
if [ -n "${BASELINE:-}" ]; then
  baseline="$(cd "$BASELINE" && pwd)"
  (cd "$baseline" && CARGO_TARGET_DIR="$baseline/target" cargo build -q --profile "$profile" \
    -p kdocs-codegen --no-default-features $(stage_features "$baseline") --example bench_generate)
  base="$baseline/target/$dir/examples/bench_generate"
fi

dirs=()
for n in $sizes; do
  "$synth" synth --endpoints "$n" --out "$work/spec-$n" --openapi "$work/spec-$n.json" > /dev/null
  dirs+=("$work/spec-$n")
done

echo "== stages (kdocs-codegen, the build-script path)"
"$ours" stages --runs "$runs" "${dirs[@]}"
if [ -n "${base:-}" ]; then
  echo
  echo "== stages of the baseline ($baseline)"
  "$base" stages --runs "$runs" "${dirs[@]}"
fi

echo
echo "== whole process (hyperfine; $runs runs each in 3 rounds)"
per_round=$(( (runs + 2) / 3 ))
for n in $sizes; do
  if [ -n "${base:-}" ]; then
    baseline_cmd=(-n "baseline" "$base generate $work/spec-$n $work/base-$n.rs")
  fi
  for round in 1 2 3; do
    hyperfine -N --warmup 2 --runs "$per_round" --style none --export-json "$work/whole-$n-$round.json" \
      "${baseline_cmd[@]}" \
      -n "kdocs-codegen" "$ours generate $work/spec-$n $work/ours-$n.rs" \
      -n "progenitor" "$prog $work/spec-$n.json $work/prog-$n.rs" \
      -n "progenitor, unformatted" "$prog $work/spec-$n.json $work/prog-raw-$n.rs --unformatted" \
      > /dev/null
  done
done
python3 - "$work" $sizes <<'EOF'
import json, statistics, sys
work, sizes = sys.argv[1], sys.argv[2:]
print("| endpoints | kdocs-codegen | progenitor (formatted) | progenitor (unformatted) | ratio to formatted | ratio to unformatted | baseline |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for n in sizes:
    times = {}
    for round_ in (1, 2, 3):
        for result in json.load(open(f"{work}/whole-{n}-{round_}.json"))["results"]:
            times.setdefault(result["command"], []).extend(result["times"])
    m = {k: statistics.median(v) * 1000 for k, v in times.items()}
    ours, prog, raw = m["kdocs-codegen"], m["progenitor"], m["progenitor, unformatted"]
    base = f"{m['baseline']:.1f} ms ({m['baseline'] / prog:.2f})" if "baseline" in m else ""
    print(f"| {n} | {ours:.1f} ms | {prog:.1f} ms | {raw:.1f} ms | {ours / prog:.2f} | {ours / raw:.2f} | {base} |")
print(f"\n(medians of {len(times['kdocs-codegen'])} runs each, whole processes, hyperfine -N)")
EOF
