#!/bin/bash
# usage: bench/run.sh ROUNDS "name:port:binary ..."   (servers must already be running)
# Interleaved: for each round, for each route, for each variant: wrk -t2 -c64 -d10s --latency
ROUNDS=$1; shift
VARIANTS="$1"
OUT=/work/hb-research/logs/bench.tsv
for r in $(seq 1 $ROUNDS); do
  for route in post head stats; do
    for v in $VARIANTS; do
      name=${v%%:*}; port=${v##*:}
      case $route in
        post)  args="-s /work/hb-research/bench/post.lua http://127.0.0.1:$port/v1/commands";;
        head)  args="http://127.0.0.1:$port/v1/head";;
        stats) args="http://127.0.0.1:$port/v1/stats?therapist=t1";;
      esac
      load=$(uptime | sed 's/.*load average: //')
      res=$(timeout 30 wrk -t2 -c64 -d10s --latency $args 2>&1)
      rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
      p50=$(echo "$res" | awk '$1=="50%" {print $2}')
      p99=$(echo "$res" | awk '$1=="99%" {print $2}')
      non2xx=$(echo "$res" | awk '/Non-2xx/ {print $5}')
      errs=$(echo "$res" | grep -o 'Socket errors.*')
      printf "%s\tround=%s\t%s\t%s\trps=%s\tp50=%s\tp99=%s\tnon2xx=%s\t%s\tload=%s\n" "$(date -u +%H:%M:%S)" $r $name $route "$rps" "$p50" "$p99" "${non2xx:-0}" "$errs" "$load" | tee -a $OUT
    done
  done
done
