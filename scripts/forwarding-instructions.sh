#!/bin/sh
# Instructions per exchange through two hops of wire bridges (src/bench/wire-bridge.ts): plain @ndn/fw on NDNts's
# L3Face against our node layer on our LpFace (as forwardVsPlainFw) and on L3Face (forwardVsPlainFwSameFaces),
# each past a major garbage collection (forwarding-process.js), counted with valgrind (Debian's `valgrind` package), which this machine's noise does not
# touch. V8 runs single-threaded, so that its compiler and garbage collector run on the counted
# thread in the same way each time. Each configuration runs twice, for N1 and N2 exchanges after
# the same warm-up; the difference over N2 - N1 is the steady state's cost per exchange.
# usage: scripts/forwarding-instructions.sh [N1 [N2]]   (after npm run build; about 5 minutes on a 2-core Xeon)
set -e
N1=${1:-4000}
N2=${2:-12000}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() {
  valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file --cachegrind-out-file=/dev/null \
    node --single-threaded --expose-gc dist/bench/forwarding-process.js "$1" "$3" "$2" 2>&1 >/dev/null |
    sed -n 's/.*I *refs: *//p' | tr -d ,
}
for config in "plain l3face" "node-layer lp-face" "node-layer l3face"; do
  set -- $config
  count "$1" "$2" $N1 > "$tmp/1" & count "$1" "$2" $N2 > "$tmp/2" & wait
  echo "$1 $2 $(( ($(cat "$tmp/2") - $(cat "$tmp/1")) / (N2 - N1) ))"
done | awk '{ print $1, "on", $2 ":", $3, "instructions per exchange"; v[NR] = $3 }
  END { printf "plain / node layer on lp-face: %.3f; on l3face: %.3f\n", v[1] / v[2], v[1] / v[3] }'
