-- MuteMembers: one member (one device) per request, rotating over P.targets; the action
-- alternates each time round, so every request changes a device's state.
dofile(os.getenv("CONFPLANE_BENCH_LUA") .. "/common.lua")
local n = #P.targets
local i = 0
local path = CONF .. P.conference .. "/members/mute"

function request()
  local target = P.targets[(i % n) + 1]
  local action = (math.floor(i / n) % 2 == 0) and "mute" or "un_mute"
  i = i + 1
  local body = string.format('{"action":"%s","userList":[{"unionId":"%s"}]}', action, target)
  return wrk.format("POST", path, JSON_HEADERS, body)
end
