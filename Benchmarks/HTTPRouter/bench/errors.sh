#!/bin/bash
# usage: errors.sh PORT  — prints status, content-type and body for malformed / wrong-type / missing-param requests
p=$1
show() { echo "### $1"; shift; curl -s -i --max-time 5 "$@" | tr -d '\r' | grep -iv '^date:\|^server:' ; echo; }
show "malformed JSON" -X POST -H 'Content-Type: application/json' --data '{"commandId": "x",' http://127.0.0.1:$p/v1/commands
show "missing field payload.therapistId" -X POST -H 'Content-Type: application/json' --data '{"commandId":"c","type":"BookSession","caseId":"k","actor":"client:c","occurredAt":"2026-12-07T16:30:00Z","payload":{"sessionId":"s","startsAt":"2026-12-10T09:30:00Z","durationMinutes":50}}' http://127.0.0.1:$p/v1/commands
show "wrong type durationMinutes" -X POST -H 'Content-Type: application/json' --data '{"commandId":"c","type":"BookSession","caseId":"k","actor":"client:c","occurredAt":"2026-12-07T16:30:00Z","payload":{"therapistId":"t1","sessionId":"s","startsAt":"2026-12-10T09:30:00Z","durationMinutes":"fifty"}}' http://127.0.0.1:$p/v1/commands
show "wrong content type (text/plain)" -X POST -H 'Content-Type: text/plain' --data 'hello' http://127.0.0.1:$p/v1/commands
show "missing query parameter" http://127.0.0.1:$p/v1/stats
show "unknown route" http://127.0.0.1:$p/v1/nope
show "ok head" http://127.0.0.1:$p/v1/head
