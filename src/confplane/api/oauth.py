"""oauth2_1_0: access tokens for internal apps and for orgs that authorised a suite."""

from __future__ import annotations

from confplane.api.endpoint import Call
from confplane.wire import models as w


async def get_access_token(call: Call) -> w.AccessTokenResponse:
    req = await call.body(w.GetAccessTokenRequest)
    call.app_key = req.app_key  # who asked, for the access log
    issued = await call.services.auth.token_for_app(req.app_key, req.app_secret)
    return w.AccessTokenResponse(access_token=issued.access_token, expire_in=issued.expire_in)


async def get_corp_access_token(call: Call) -> w.AccessTokenResponse:
    req = await call.body(w.GetCorpAccessTokenRequest)
    call.app_key = req.suite_key
    issued = await call.services.auth.token_for_suite(
        req.suite_key, req.suite_secret, req.auth_corp_id, req.suite_ticket
    )
    return w.AccessTokenResponse(access_token=issued.access_token, expire_in=issued.expire_in)
