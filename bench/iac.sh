#!/usr/bin/env bash
# Benchmark of the Bicep and Terraform front ends, side by side with ARM JSON in the same
# run (bench/iac.py builds the repositories from ../shared/corpus-iac and ../shared/corpus):
#   bicep       the .bicep sources that have compiled JSON beside them, replicated to N
#   bicep-json  the compiled JSON of the same deployments (the reference for bicep)
#   bicep-both  both, as repositories commit them (the source judged, the JSON compared)
#   terraform   the Terraform corpus replicated to N files
#   json        as many ARM JSON deployments of the ARM corpus (the reference for terraform)
# Usage: bench/iac.sh [N ...] (default 1000). Prints wall time (best of 3) and peak RSS of
# `aksgate check --format json` per repository, and each front end's ratio to its reference.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1000)
cargo build --release --quiet --bin aksgate
out=${BENCH_DIR:-bench/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
measure() { # "wall_seconds max_rss_kb"
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>&1 || true
  tail -n 1 "$out/time.txt"
}
best() { local b="" r; for _ in 1 2 3; do r=$(measure "$@"); if [ -z "$b" ] || awk -v a="${r% *}" -v c="${b% *}" 'BEGIN{exit !(a<c)}'; then b=$r; fi; done; echo "$b"; }
printf '%-11s %-7s %-6s %-9s %-9s %-s\n' repo files MB check_s check_MB ratio
for n in "${sizes[@]}"; do
  root="$out/iac-$n"
  rm -rf "$root"
  python3 bench/iac.py "$n" "$root" ../shared >/dev/null
  declare -A t=()
  for repo in bicep-json bicep bicep-both json terraform; do
    dir="$root/$repo"
    find "$dir" -type f -exec cat {} + >/dev/null 2>&1 || true
    r=$(best target/release/aksgate check --format json "$dir")
    t[$repo]=${r% *}
    ratio=""
    case $repo in
      bicep|bicep-both) ratio=$(awk -v a="${r% *}" -v b="${t[bicep-json]}" 'BEGIN{ if (b > 0) printf "%.2fx bicep-json", a / b }') ;;
      terraform) ratio=$(awk -v a="${r% *}" -v b="${t[json]}" 'BEGIN{ if (b > 0) printf "%.2fx json", a / b }') ;;
    esac
    printf '%-11s %-7s %-6s %-9s %-9s %-s\n' "$repo" "$(find "$dir" -type f | wc -l)" "$(du -sm "$dir" | cut -f1)" "${r% *}" "$(( ${r#* } / 1024 ))" "$ratio"
  done
  rm -rf "$root"
done
