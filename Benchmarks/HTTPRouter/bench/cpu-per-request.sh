#!/bin/bash
# Server CPU time (utime+stime from /proc) per completed request, one 5 s wrk run per variant and route.
# Less sensitive to other tenants' load than req/s, since it counts only the server's own CPU time.
cd /work/hb-research
PIDS=""
cleanup() { for p in $PIDS; do kill $p 2>/dev/null; done; sleep 1; for p in $PIDS; do kill -9 $p 2>/dev/null; done; }
trap cleanup EXIT INT TERM
./bin/H-release 9081 > /dev/null 2>&1 & H=$!; PIDS="$PIDS $H"
./bin/G-release 9082 > /dev/null 2>&1 & G=$!; PIDS="$PIDS $G"
./bin/G-release 9083 --problems > /dev/null 2>&1 & GP=$!; PIDS="$PIDS $GP"
sleep 2
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
for round in 1 2; do
for route in post head stats; do
  for v in H:9081:$H G:9082:$G Gp:9083:$GP; do
    IFS=: read name port pid <<< "$v"
    case $route in
      post)  args="-s bench/post.lua http://127.0.0.1:$port/v1/commands";;
      head)  args="http://127.0.0.1:$port/v1/head";;
      stats) args="http://127.0.0.1:$port/v1/stats?therapist=t1";;
    esac
    c0=$(cpu $pid); out=$(timeout 20 wrk -t2 -c64 -d5s $args); c1=$(cpu $pid)
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    printf "%s\tround=%s\t%s\t%s\trequests=%s\tserver_cpu_s=%.2f\tcpu_us_per_req=%.1f\tload=%s\n" "$(date -u +%T)" $round $name $route $n "$(echo "($c1-$c0)/$tck" | bc -l)" "$(echo "($c1-$c0)/$tck*1000000/$n" | bc -l)" "$(uptime | sed 's/.*load average: //')" | tee -a logs/cpu-per-request.tsv
  done
done
done
