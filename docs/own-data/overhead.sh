#!/usr/bin/env bash
# The CSV path's overhead (issue 16's acceptance figure): 100,000 rows with 8 inputs and 2 targets,
# trained at n = 64 with sparse k = 4, through `rtrl train --data` and by the bare engine from memory,
# alternating, three timed passes each after one untimed pass (CsvOverhead). Writes what it prints,
# with the machine's load average, to docs/own-data/overhead.txt.
#   docs/own-data/overhead.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../scratch.sh
source "$root/docs/scratch.sh"
"$rtrl" generate --rows 100000 --inputs 8 --targets 2 --seed 1 --out rows.csv 2>/dev/null
# shellcheck source=/dev/null
source "$root/harness/target/rtrl.launch"
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "\$ ./rtrl generate --rows 100000 --inputs 8 --targets 2 --seed 1 --out rows.csv"
  "$RTRL_JAVA" "${RTRL_JVM_FLAGS[@]}" -cp "$RTRL_CLASSPATH" org.sparsertrl.harness.cli.CsvOverhead rows.csv \
    x1,x2,x3,x4,x5,x6,x7,x8 y1,y2 3 --n 64 --k 4 2>/dev/null
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$root/docs/own-data/overhead.txt"
