# Sourced by the scripts under docs/ after they set root (the repository): builds the rtrl command
# once, moves into an empty scratch directory that is removed on exit, and defines run, which prints
# a command line as the README shows it, then what the command printed, then a blank line.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
(cd "$root" && ./mvnw -q -pl harness -am compile exec:exec) >&2
export RTRL_SKIP_BUILD=1
rtrl="$root/rtrl"
run() {
  echo "\$ ./rtrl $*"
  "$rtrl" "$@" 2>/dev/null
  echo
}
