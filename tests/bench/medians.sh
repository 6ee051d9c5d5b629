#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Medians over repeated rows (REPEAT=n in run.sh) of one or more results dirs:
#   tests/bench/medians.sh tests/bench/results/<RUN> [...]
# One row per (peer, layout, test, arguments without --user-base): the number of runs, then the
# median of each figure. With an even count the median is the mean of the middle two. Rows with
# errors or loss still count: the loss and errors columns show their medians too.
set -eu
(($#)) || { echo "usage: $0 RESULTS_DIR..." >&2; exit 2; }
files=()
for d in "$@"; do [[ -f $d/native.jsonl ]] && files+=("$d/native.jsonl"); done
((${#files[@]})) || { echo "no native.jsonl in $*" >&2; exit 1; }
jq -r -s '
  def med: sort | length as $n | if $n == 0 then null
      elif $n % 2 == 1 then .[($n - 1) / 2] else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;
  def f: if . == null then "–" elif (type == "number") then (. * 1000 | round / 1000 | tostring) else tostring end;
  def m(p): [.[] | .result | p | select(. != null)] | med;
  [.[] | select(.result.test_type)
       | .key = "\(.label)|\(.layout)|\(.args | gsub(" --user-base [0-9]+"; "") | gsub("--test-type [a-z]+ "; ""))"]
  | group_by(.key)[] as $g
  | ($g[0].key | split("|")) as $k
  | "| \($k[0]) | \($k[1]) | \($g[0].result.test_type) | \($k[2]) | \($g | length) | \($g | m(.connect_per_sec) | f) | \($g | m(.handshake_ms.p99) | f) | \($g | m(.delivered_per_sec) | f) | \($g | m(.loss) | f) | \($g | m(.latency_ms.p50) | f) / \($g | m(.latency_ms.p99) | f) | \($g | m(.errors) | f) | \($g | m(.server_cpu_s) | f) | \($g | m(.client_cpu_s) | f) | \([$g[] | .result.saturated] | any) |"
' "${files[@]}" | sort -t'|' -k2,2 -k3,3 -k4,4 -s > /tmp/medians.$$
echo "| peer | layout | test | args | runs | connect/s | hs p99 ms | delivered/s | loss | lat p50 / p99 ms | errors | srv CPU s | cli CPU s | any saturated |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
cat /tmp/medians.$$; rm -f /tmp/medians.$$
