-- CreateVideoConference: every request creates a meeting with the host and two invitees.
dofile(os.getenv("CONFPLANE_BENCH_LUA") .. "/common.lua")
wrk.method = "POST"
wrk.path = "/v1.0/conference/videoConferences"
for k, v in pairs(JSON_HEADERS) do wrk.headers[k] = v end
wrk.body = P.body
