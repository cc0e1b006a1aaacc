-- wrk script: GET one therapist's statistics (the analyst's read) as the
-- backend token, while commands.lua loads the server.
local token = os.getenv("CASELOAD_TOKEN")
wrk.headers["Authorization"] = "Bearer " .. token
wrk.path = "/v1/stats?therapist=t1"
