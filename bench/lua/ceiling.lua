-- The ceiling: GET /confplane/v1/health, a constant JSON body, no token, no database.
dofile(os.getenv("CONFPLANE_BENCH_LUA") .. "/common.lua")
wrk.method = "GET"
wrk.path = "/confplane/v1/health"
