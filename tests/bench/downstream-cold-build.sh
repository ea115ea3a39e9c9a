#!/usr/bin/env bash
# What a downstream crate pays to build kdocs-client from cold: a scratch crate
# outside the workspace that depends on ../client by path, built from an empty
# target dir (debug profile; the registry cache should be warm), with the
# workspace's Cargo.lock so that versions match.
#
#   tests/bench/downstream-cold-build.sh [repository checkout, default: this one]
#
# Prints the wall and CPU time of the whole build, the rustc CPU time of every
# crate (through a RUSTC_WRAPPER that times each rustc run), the part spent on
# kdocs-codegen and its build-only dependencies (the crates reached from
# kdocs-codegen and not from the crate without build edges, and kdocs-client's
# build script), and the CPU of one run of that build script (the generation
# itself), and any crate compiled twice (host and target features differ). The
# scratch crate is left in place: cargo's own report is in its
# target/cargo-timings/.
set -euo pipefail
repo="$(cd "${1:-$(dirname "$0")/../..}" && pwd)"
work="$(mktemp -d)"
mkdir -p "$work/src"
cat > "$work/Cargo.toml" <<EOF
[package]
name = "downstream"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
kdocs-client = { path = "$repo/client" }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
EOF
cat > "$work/src/main.rs" <<'EOF'
use kdocs_client::{Client, Config, Credentials, GetDownloadUrlRequest};

#[tokio::main]
async fn main() {
    let client = Client::new(Credentials::new("SX20220101ABCDEF", "key"), Config::new()).expect("client");
    let answer = client.get_download_url(GetDownloadUrlRequest::new("t2v4Ga8ZUYKc12KGMdEQpBh")).await;
    println!("{}", answer.is_ok());
}
EOF
cp "$repo/Cargo.lock" "$work/"
cat > "$work/rustc-cpu.sh" <<'EOF'
#!/usr/bin/env bash
rustc="$1"; shift
name=""; prev=""
for a in "$@"; do
  if [ "$prev" = "--crate-name" ]; then name="$a"; fi
  prev="$a"
done
if [ -z "$name" ]; then exec "$rustc" "$@"; fi
exec /usr/bin/time -a -o "$RUSTC_CPU_LOG" -f "$CARGO_PKG_NAME v$CARGO_PKG_VERSION $name %U %S" "$rustc" "$@"
EOF
chmod +x "$work/rustc-cpu.sh"
cd "$work"
echo "scratch crate: $work (depends on $repo/client)"
RUSTC_CPU_LOG="$work/rustc-cpu.log" RUSTC_WRAPPER="$work/rustc-cpu.sh" CARGO_TARGET_DIR="$work/target" \
  /usr/bin/time -f "whole build: wall %e s, CPU %U s user + %S s system" cargo build -q --timings 2>&1 | grep -v "^ *Timing report"

features=""
for f in $(sed -n '/^default = \[/,/^\]/p' "$repo/client/Cargo.toml" | grep -o '"[a-z_]*"' | tr -d '"'); do
  features="$features CARGO_FEATURE_${f^^}=1"
done
script=$(ls "$work"/target/debug/build/kdocs-client-*/build-script-build | head -1)
out="$(mktemp -d)"
runs=""
for _ in 1 2 3 4 5; do
  runs="$runs $(env OUT_DIR="$out" CARGO_MANIFEST_DIR="$repo/client" $features \
    /usr/bin/time -f "%U %S" "$script" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}')"
done
rm -rf "$out"

python3 - "$work" $runs <<'EOF'
import re, subprocess, sys, statistics
work, runs = sys.argv[1], [float(x) for x in sys.argv[2:]]
def tree(*args):
    return subprocess.run(["cargo", "tree", *args], cwd=work, capture_output=True, text=True, check=True).stdout
plain = {" ".join(l.split()[:2]) for l in tree("--prefix", "none", "-f", "{p}", "-e", "no-build").splitlines() if l.strip()}
codegen, depth = set(), None
for line in tree("--prefix", "depth", "-f", "{p}", "-e", "normal,build", "--no-dedupe").splitlines():
    m = re.match(r"(\d+)(.*)", line)
    d, name = int(m.group(1)), " ".join(m.group(2).split()[:2])
    if depth is not None and d <= depth:
        depth = None
    if depth is None and name.startswith("kdocs-codegen "):
        depth = d
    if depth is not None:
        codegen.add(name)
only = codegen - plain
total, rows, seen, twice = 0.0, [], set(), []
for line in open(f"{work}/rustc-cpu.log"):
    parts = line.split()
    if len(parts) != 5:
        continue
    pkg, ver, name, user, system = parts
    cpu = float(user) + float(system)
    total += cpu
    if (pkg, ver, name) in seen:
        # The same crate built again with other features: for the build script
        # (host) and for the client (target).
        twice.append((cpu, f"{pkg} {ver} ({name}, a second time)"))
    seen.add((pkg, ver, name))
    if f"{pkg} {ver}" in only or (pkg == "kdocs-client" and name == "build_script_build"):
        rows.append((cpu, f"{pkg} {ver}" + (" (build script)" if name == "build_script_build" else "")))
rows.sort(reverse=True)
print(f"rustc CPU, every crate: {total:.1f} s")
print(f"rustc CPU, kdocs-codegen and its build-only dependencies: {sum(r[0] for r in rows):.1f} s")
for cpu, key in rows:
    print(f"  {cpu:6.2f} s  {key}")
for cpu, key in twice:
    print(f"  compiled twice: {cpu:6.2f} s  {key}")
print(f"one run of kdocs-client's build script (generation, debug): {statistics.median(runs):.2f} s CPU (median of {len(runs)})")
EOF
