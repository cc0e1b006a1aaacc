wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"commandId":"5f0c2a4e-8d1b-4c3a-9e2f-7b6d5a4c3b2a","type":"BookSession","caseId":"case-000123","actor":"client:c-000456","occurredAt":"2026-12-07T16:30:00Z","payload":{"therapistId":"t1","sessionId":"s-20261207-0001","startsAt":"2026-12-10T09:30:00Z","durationMinutes":50}}'
