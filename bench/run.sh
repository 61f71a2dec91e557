#!/usr/bin/env bash
# Benchmark: aksgate against the floor (read + serde_json parse of every file) on
# synthetic repositories of N files built from ../shared/corpus and generated templates.
# Usage: bench/run.sh [N ...]   (default: 1000 10000). For each size and each kind of
# repository (replicated: copies of the corpus only; mixed: half corpus copies, half
# generated templates) prints wall time, peak RSS and the aksgate/floor ratio of
# `aksgate check`, the wall time and peak RSS of `aksgate audit --format json`, and
# aksgate's phase timings (AKSGATE_TIMING) on the last run; the pull-request gate
# (`check --base HEAD` after the repository is committed to git and three files'
# outboundType edited; then with every JSON file changed, as a Bicep rebuild does);
# with two sizes or more, how much peak RSS grows per 1,000
# files from the first size to the last (check, audit, --base). With BENCH_HEAP=1 the phase
# lines come from a build with the `heap-stats` feature (in target/heap-stats), which
# adds live and peak heap bytes: what RSS alone cannot separate from allocator reserve.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
cargo build --release --quiet --bin aksgate --example floor
phases=target/release/aksgate
if [ -n "${BENCH_HEAP:-}" ]; then
  cargo build --release --quiet --bin aksgate --features heap-stats --target-dir target/heap-stats
  phases=target/heap-stats/release/aksgate
fi
out=${BENCH_DIR:-bench/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
bin=$PWD/target/release/aksgate
measure() { # prints "wall_seconds max_rss_kb" for the command
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>&1 || true
  tail -n 1 "$out/time.txt"
}
declare -A rss
printf '%-11s %-7s %-6s %-10s %-10s %-10s %-10s %-6s %-8s %-8s %-7s %-7s %-7s %-7s\n' kind files MB aksgate_s aksgate_MB floor_s floor_MB ratio audit_s audit_MB base_s base_MB all_s all_MB
for n in "${sizes[@]}"; do
 for kind in replicated mixed; do
  repo="$out/repo-$kind-$n"
  python3 bench/gen.py "$n" "$repo" ../shared/corpus "$kind" >/dev/null
  files=$(find "$repo" -type f | wc -l)
  mb=$(du -sm "$repo" | cut -f1)
  # Warm the page cache, then take the best of 3 runs of each.
  find "$repo" -type f -exec cat {} + >/dev/null 2>&1 || true
  best() { local b="" r; for _ in 1 2 3; do r=$(measure "$@"); if [ -z "$b" ] || awk -v a="${r% *}" -v c="${b% *}" 'BEGIN{exit !(a<c)}'; then b=$r; fi; done; echo "$b"; }
  a=$(best target/release/aksgate check --format json "$repo")
  f=$(best target/release/examples/floor "$repo")
  au=$(best target/release/aksgate audit --format json "$repo")
  timing=$(AKSGATE_TIMING=1 "$phases" check --format json "$repo" 2>&1 >/dev/null | sed -n 's/^aksgate timing: /            /p' | tr '\n' ';' | sed 's/;$//' || true)
  # The pull-request gate: the repository committed, then three files changed.
  git -C "$repo" init -q
  git -C "$repo" add -A
  git -C "$repo" -c user.email=bench@aksgate -c user.name=bench commit -qm base
  mapfile -t edited < <(grep -rl '"outboundType": "loadBalancer"' "$repo" | head -n 3)
  sed -i 's/"outboundType": "loadBalancer"/"outboundType": "userDefinedRouting"/' "${edited[@]}"
  ba=$(cd "$repo" && best "$bin" check --base HEAD --format json .)
  find "$repo" -name '*.json' -not -path '*/.git/*' -exec sed -i '1s/^/ /' {} +
  ball=$(cd "$repo" && best "$bin" check --base HEAD --format json .)
  ratio=$(awk -v a="${a% *}" -v f="${f% *}" 'BEGIN{ if (f > 0) printf "%.2f", a / f; else print "n/a" }')
  printf '%-11s %-7s %-6s %-10s %-10s %-10s %-10s %-6s %-8s %-8s %-7s %-7s %-7s %-7s\n' "$kind" "$files" "$mb" "${a% *}" "$(( ${a#* } / 1024 ))" "${f% *}" "$(( ${f#* } / 1024 ))" "$ratio" "${au% *}" "$(( ${au#* } / 1024 ))" "${ba% *}" "$(( ${ba#* } / 1024 ))" "${ball% *}" "$(( ${ball#* } / 1024 ))"
  rss["$kind $n"]="$files ${a#* } ${au#* } ${ba#* }"
  echo "$timing"
  rm -rf "$repo"
 done
done
# Issue #8 asks for memory that does not grow with the number of files: how far it is.
if [ ${#sizes[@]} -gt 1 ]; then
  for kind in replicated mixed; do
    read -r f0 k0 a0 b0 <<<"${rss["$kind ${sizes[0]}"]}"
    read -r f1 k1 a1 b1 <<<"${rss["$kind ${sizes[-1]}"]}"
    awk -v k="$kind" -v f0="$f0" -v f1="$f1" -v k0="$k0" -v k1="$k1" -v a0="$a0" -v a1="$a1" -v b0="$b0" -v b1="$b1" 'BEGIN {
      if (f1 != f0) printf "%s: peak RSS grows %.2f MB (check), %.2f MB (audit) and %.2f MB (--base) per 1,000 files from %d to %d files\n", k, (k1 - k0) / 1024 / ((f1 - f0) / 1000), (a1 - a0) / 1024 / ((f1 - f0) / 1000), (b1 - b0) / 1024 / ((f1 - f0) / 1000), f0, f1 }'
  done
fi
