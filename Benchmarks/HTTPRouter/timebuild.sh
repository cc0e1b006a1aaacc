#!/bin/bash
# usage: timebuild.sh <variant-dir> <debug|release> <label>
# Clean build: removes all build artifacts (keeps resolved checkouts), then times `swift build`.
cd /work/hb-research/$1 || exit 1
cfg=$2; label=$3
swift package clean >/dev/null 2>&1
rm -rf .build/x86_64-unknown-linux-gnu .build/debug .build/release .build/plugins .build/*.db .build/*.json 2>/dev/null
ls .build
start_load=$(uptime | sed 's/.*load average: //')
s=$(date +%s.%N)
swift build -c $cfg > /work/hb-research/logs/$label.log 2>&1
rc=$?
e=$(date +%s.%N)
end_load=$(uptime | sed 's/.*load average: //')
printf "%s\t%s\t%s\trc=%s\t%.1fs\tload_start=%s\tload_end=%s\t%s\n" "$(date -u +%H:%M:%S)" "$1" "$cfg" "$rc" "$(echo "$e - $s" | bc)" "$start_load" "$end_load" "$label" >> /work/hb-research/logs/buildtimes.tsv
tail -3 /work/hb-research/logs/$label.log
