-- GetAccessToken: every request issues (and stores) a new token for the bench app.
dofile(os.getenv("CONFPLANE_BENCH_LUA") .. "/common.lua")
wrk.method = "POST"
wrk.path = "/v1.0/oauth2/accessToken"
wrk.headers["content-type"] = "application/json; charset=utf-8"
wrk.body = string.format('{"appKey":"%s","appSecret":"%s"}', P.app_key, P.app_secret)
