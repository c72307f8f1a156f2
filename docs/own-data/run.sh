#!/usr/bin/env bash
# Runs the README's "Your own data" commands, as written there, in a scratch directory and writes
# what they print to docs/own-data/log.txt (the README copies its figures from that file), and the
# loss plot to docs/own-data/loss.png.
#   docs/own-data/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
log="$root/docs/own-data/log.txt"
# shellcheck source=../scratch.sh
source "$root/docs/scratch.sh"
{
  run generate --rows 20000 --seed 1 --out train.csv
  run generate --rows 5000 --seed 2 --out test.csv
  run generate --rows 5000 --seed 3 --out more.csv
  run train --data train.csv --n 16 --k 4 --save model.ckpt --print-every 5000 --plot loss.png
  cp loss.png "$root/docs/own-data/loss.png"
  run predict --model model.ckpt --data test.csv --out predictions.csv
  echo "\$ head -4 predictions.csv"
  head -4 predictions.csv
  echo
  run train --data more.csv --resume model.ckpt --save model.ckpt --print-every 5000
  run train --data train.csv --n 16 --method readout-only --save readout.ckpt --print-every 5000
  run predict --model readout.ckpt --data test.csv --out readout-predictions.csv
} | tee "$log"
