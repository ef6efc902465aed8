-- QueryConferenceMembers: pages of P.max_results, rotating over P.tokens (nextToken
-- values; "" is the first page), so the pages read are spread over the meeting.
dofile(os.getenv("CONFPLANE_BENCH_LUA") .. "/common.lua")
local n = #P.tokens
local i = 0
local base = CONF .. P.conference .. "/members?maxResults=" .. P.max_results

function request()
  local token = P.tokens[(i % n) + 1]
  i = i + 1
  local path = base
  if token ~= "" then path = base .. "&nextToken=" .. token end
  return wrk.format("GET", path, HEADERS)
end
