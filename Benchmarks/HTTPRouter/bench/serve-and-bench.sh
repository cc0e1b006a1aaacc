#!/bin/bash
# Starts the release servers on loopback, probes errors, runs the interleaved wrk rounds, kills the servers.
cd /work/hb-research
mkdir -p bin
cp handwritten/.build/release/App bin/H-release
cp generated/.build/release/App bin/G-release
PIDS=""
cleanup() { for p in $PIDS; do kill $p 2>/dev/null; done; sleep 1; for p in $PIDS; do kill -9 $p 2>/dev/null; done; }
trap cleanup EXIT INT TERM
./bin/H-release 8081 > logs/H-release-server.log 2>&1 & PIDS="$PIDS $!"
./bin/G-release 8082 > logs/G-release-server.log 2>&1 & PIDS="$PIDS $!"
./bin/G-release 8083 --problems > logs/Gp-release-server.log 2>&1 & PIDS="$PIDS $!"
echo "server pids:$PIDS" 
sleep 3
{ echo "===================== H (handwritten) port 8081"; bench/errors.sh 8081; echo "===================== G release default port 8082"; bench/errors.sh 8082; } > logs/errors-probe-release.txt 2>&1
# sanity: one request of each route, bodies and sizes
for p in 8081 8082 8083; do
  curl -s -o /dev/null -w "$p post %{http_code} %{size_download}B\n" -X POST -H 'Content-Type: application/json' --data "$(grep -o "'.*'" bench/post.lua | tr -d "'")" http://127.0.0.1:$p/v1/commands
  curl -s -o /dev/null -w "$p head %{http_code} %{size_download}B\n" http://127.0.0.1:$p/v1/head
  curl -s -o /dev/null -w "$p stats %{http_code} %{size_download}B\n" "http://127.0.0.1:$p/v1/stats?therapist=t1"
done > logs/sanity.txt
# warm-up 2 s each
for p in 8081 8082 8083; do wrk -t2 -c64 -d2s http://127.0.0.1:$p/v1/head > /dev/null; done
bench/run.sh ${ROUNDS:-3} "H:8081 G:8082 Gp:8083"
