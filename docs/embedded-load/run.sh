#!/usr/bin/env bash
# The embedded runtime's load figures: sustained rate and latency percentiles at 10,000 samples/s and
# at overload (twice the rate the agent sustains), without and with a maximum sample age, every sample
# accounted for. Writes what the commands print to docs/embedded-load/log.txt.
#   docs/embedded-load/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../scratch.sh
source "$root/docs/scratch.sh"
{
  echo "machine: $(nproc) cores, load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  run embedded --n 32 --k 4 --rate 10000 --duration 10
  run embedded --n 64 --k 4 --rate 20000 --duration 10
  run embedded --n 64 --k 4 --rate 20000 --duration 10 --max-age 10
  echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$root/docs/embedded-load/log.txt"
