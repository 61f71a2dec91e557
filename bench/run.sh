#!/usr/bin/env bash
# Benchmark: aksgate against the floor (read + serde_json parse of every file) on
# synthetic repositories of N files built from ../shared/corpus and generated templates.
# Usage: bench/run.sh [N ...]   (default: 1000 10000). Prints wall time, peak RSS and
# the aksgate/floor ratio for each size.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
cargo build --release --quiet --bin aksgate --example floor
out=${BENCH_DIR:-bench/out}
mkdir -p "$out"
measure() { # prints "wall_seconds max_rss_kb" for the command
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>&1 || true
  tail -n 1 "$out/time.txt"
}
printf '%-7s %-9s %-10s %-10s %-10s %-10s %-6s\n' files MB aksgate_s aksgate_MB floor_s floor_MB ratio
for n in "${sizes[@]}"; do
  repo="$out/repo-$n"
  python3 bench/gen.py "$n" "$repo" ../shared/corpus >/dev/null
  mb=$(du -sm "$repo" | cut -f1)
  # Warm the page cache, then take the best of 3 runs of each.
  cat $(find "$repo" -name '*.json') >/dev/null 2>&1 || true
  best() { local b="" r; for _ in 1 2 3; do r=$(measure "$@"); if [ -z "$b" ] || awk -v a="${r% *}" -v c="${b% *}" 'BEGIN{exit !(a<c)}'; then b=$r; fi; done; echo "$b"; }
  a=$(best target/release/aksgate check --format json "$repo")
  f=$(best target/release/examples/floor "$repo")
  ratio=$(awk -v a="${a% *}" -v f="${f% *}" 'BEGIN{ if (f > 0) printf "%.2f", a / f; else print "n/a" }')
  printf '%-7s %-9s %-10s %-10s %-10s %-10s %-6s\n' "$n" "$mb" "${a% *}" "$(( ${a#* } / 1024 ))" "${f% *}" "$(( ${f#* } / 1024 ))" "$ratio"
done
