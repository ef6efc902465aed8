-- QueryConferenceInfoBatch: the same P.conferences (10 meetings, 50 members each).
dofile(os.getenv("CONFPLANE_BENCH_LUA") .. "/common.lua")
wrk.method = "POST"
wrk.path = "/v1.0/conference/videoConferences/query"
for k, v in pairs(JSON_HEADERS) do wrk.headers[k] = v end
wrk.body = P.body
