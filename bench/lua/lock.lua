-- LockConference: rotating over P.conferences (more than the connections), lock on one
-- round and unlock on the next, so every request changes a meeting's state.
dofile(os.getenv("CONFPLANE_BENCH_LUA") .. "/common.lua")
local n = #P.conferences
local i = 0

function request()
  local conference = P.conferences[(i % n) + 1]
  local action = (math.floor(i / n) % 2 == 0) and "lock" or "unlock"
  i = i + 1
  local body = string.format('{"action":"%s"}', action)
  return wrk.format("POST", CONF .. conference .. "/lock", JSON_HEADERS, body)
end
