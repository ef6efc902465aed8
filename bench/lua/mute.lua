-- MuteMembers: one member (one device) per request, rotating over P.targets, members of
-- the meetings in P.conferences (same order); the action alternates each time round, so
-- every request changes a device's state.
dofile(os.getenv("CONFPLANE_BENCH_LUA") .. "/common.lua")
local n = #P.targets
local i = 0

function request()
  local k = (i % n) + 1
  local action = (math.floor(i / n) % 2 == 0) and "mute" or "un_mute"
  i = i + 1
  local body = string.format('{"action":"%s","userList":[{"unionId":"%s"}]}', action, P.targets[k])
  return wrk.format("POST", CONF .. P.conferences[k] .. "/members/mute", JSON_HEADERS, body)
end
