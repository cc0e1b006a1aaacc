-- wrk script: POST /v1/commands, each request an openInquiry for a case and
-- client of its own (so no two requests race for a stream), spread over the
-- therapists Scripts/bench-service joined first.
-- Environment: CASELOAD_TOKEN (a backend token), CASELOAD_THERAPISTS (how
-- many joined, t0…), CASELOAD_RUN (a number that differs between runs).
local token = os.getenv("CASELOAD_TOKEN")
local therapists = tonumber(os.getenv("CASELOAD_THERAPISTS") or "64")
local run = tonumber(os.getenv("CASELOAD_RUN") or "1")
local threads = 0
local counter = 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  counter = 0
end

function request()
  counter = counter + 1
  local id = string.format("%08x-%04x-4000-8000-%012x", run, thread_id, counter)
  local case = string.format("b%d-%d-%d", run, thread_id, counter)
  local body = string.format(
    '{"commandId":"%s","type":"openInquiry","actor":"client:k%s","occurredAt":"2025-03-01T09:00:00Z",' ..
    '"data":{"caseId":"%s","clientId":"k%s","therapistId":"t%d"}}',
    id, case, case, case, counter % therapists)
  return wrk.format("POST", "/v1/commands",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
