-- CloseVideoConference: each request closes the next meeting of a seeded pool; once the
-- pool is used up, requests fail (counted as errors, and the harness says so).
dofile(os.getenv("CONFPLANE_BENCH_LUA") .. "/common.lua")
local n = #P.conferences
local i = 0

function request()
  local conference = P.conferences[(i % n) + 1]
  i = i + 1
  return wrk.format("DELETE", CONF .. conference .. "?unionId=" .. P.host, HEADERS)
end
