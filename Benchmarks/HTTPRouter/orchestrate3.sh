#!/bin/bash
cd /work/hb-research
while kill -0 11459 2>/dev/null; do sleep 2; done
incr() { # dir cfg label
  cd /work/hb-research/$1; touch Sources/App/Handlers.swift
  l=$(uptime | sed 's/.*load average: //'); s=$(date +%s.%N)
  swift build -c $2 > /work/hb-research/logs/$3.log 2>&1; rc=$?
  e=$(date +%s.%N)
  printf "%s\t%s\t%s\trc=%s\t%.1fs\tload_start=%s\tload_end=%s\t%s\n" "$(date -u +%H:%M:%S)" "$1" "$2" "$rc" "$(echo "$e - $s" | bc)" "$l" "$(uptime | sed 's/.*load average: //')" "$3" >> /work/hb-research/logs/buildtimes.tsv
  cd /work/hb-research
}
echo "bench start $(date -u +%T) load $(uptime)" >> logs/orchestrate.log
bench/serve-and-bench.sh > logs/bench-run.out 2>&1
echo "bench end $(date -u +%T) load $(uptime)" >> logs/orchestrate.log
incr handwritten release H-release-incr-1
incr generated release G-release-incr-1
incr handwritten release H-release-incr-2
incr generated release G-release-incr-2
./timebuild.sh pregenerated release P-release-clean-1
incr pregenerated release P-release-incr-1
incr pregenerated release P-release-incr-2
./timebuild.sh generated debug G-debug-clean-2
incr generated debug G-debug-incr-1
echo "all done $(date -u +%T)" >> logs/orchestrate.log
