#!/usr/bin/env bash
# The Mackey-Glass example: generates the series, trains, saves, predicts, and writes this folder's
# README.md (the commands as run, and what each printed) and loss.png. Run from anywhere:
#   docs/own-data/mackey-glass/run.sh
# Timings in the output are from whatever machine runs it (the committed ones: a shared two-core one).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
here="$root/docs/own-data/mackey-glass"
# shellcheck source=../../scratch.sh
source "$root/docs/scratch.sh"
run() {
  echo '```text'
  echo "\$ ./rtrl $*"
  "$rtrl" "$@" 2>/dev/null
  echo '```'
  echo
}
shell() {
  echo '```text'
  echo "\$ $*"
  "$@"
  echo '```'
  echo
}
{
  cat <<'TEXT'
# Example: a Mackey-Glass series whose dynamics change half-way

<!-- Written by run.sh in this folder; do not edit by hand. -->

The Mackey-Glass equation dx/dt = 0.2 x(t - tau) / (1 + x(t - tau)^10) - 0.1 x(t) is a classic
chaotic series. `rtrl generate --series mackey-glass` samples it once per time unit and writes each
x_t beside the target y_t = x_{t+5} (`--horizon 5`); its delay tau is 17 for the first half of the
rows and 30 (more chaotic) from then on, a parameter shift in the middle of the stream. The network
learns online, one row at a time, and must follow the shift. The test file is a fresh series (another
seed) with tau = 30 throughout. Every command below ran as written, in an empty directory, from
`docs/own-data/mackey-glass/run.sh`; the output under each is what it printed (rows/s come from a
shared two-core machine and include the JIT's warm-up).

Generate, train (saving the model and the loss plot), predict the held-out series:

TEXT
  run generate --series mackey-glass --rows 20000 --horizon 5 --seed 1 --out train.csv
  run generate --series mackey-glass --rows 5000 --horizon 5 --tau 30 --tau-after 30 --seed 2 --out test.csv
  shell head -3 train.csv
  run train --data train.csv --n 32 --k 4 --lr 0.0003 --normalize --save model.ckpt --print-every 2000 --plot loss.png
  cp loss.png "$here/loss.png"
  cat <<'TEXT'
The online loss (each point the mean over 100 rows, in normalised units; the shift is at row 10,000):

![online loss](loss.png)

TEXT
  run predict --model model.ckpt --data test.csv --out predictions.csv
  shell head -4 predictions.csv
  cat <<'TEXT'
The same network with only its readout trained, for comparison (`--quiet` prints the summary alone):

TEXT
  run train --data train.csv --n 32 --method readout-only --lr 0.0003 --normalize --save readout.ckpt --quiet
  run predict --model readout.ckpt --data test.csv --out readout-predictions.csv --quiet
  cat <<'TEXT'
Several series in one file, one model each (`--key`): each key's model is made when the key first
appears, has its own normalisation, and is saved as `KEY.ckpt` and `KEY.ckpt.meta` in the `--save`
directory (the key URL-encoded); `--resume` and `predict --key` read that directory.

TEXT
  run generate --series mackey-glass --keys 3 --rows 8000 --horizon 5 --seed 3 --out sensors.csv
  run generate --series mackey-glass --keys 3 --rows 2000 --horizon 5 --tau 30 --tau-after 30 --seed 3 --out sensors-next.csv
  shell head -4 sensors.csv
  run train --data sensors.csv --key series --n 32 --k 4 --lr 0.0003 --normalize --save models --print-every 8000
  shell ls models
  run train --data sensors-next.csv --key series --resume models --save models --quiet
} > "$here/README.md"
cat "$here/README.md"
