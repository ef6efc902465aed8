"""CreateAutoLoginUrl and CreateCustomShortLink, and the links they hand out."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from confplane.api import responses
from confplane.api.endpoint import Call
from confplane.wire import conference_controls as w


async def create_auto_login_url(call: Call) -> w.CreateAutoLoginUrlResponse:
    req = await call.body(w.CreateAutoLoginUrlRequest)
    url = await call.services.links.auto_login_url(call.principal, req.meeting_url, req.union_id)
    return w.CreateAutoLoginUrlResponse(login_info=w.LoginInfo(login_url=url), success=True)


async def create_custom_short_link(call: Call) -> w.CreateCustomShortLinkResponse:
    req = await call.body(w.CreateCustomShortLinkRequest)
    url = await call.services.links.custom_short_link(
        call.principal,
        creator_union_id=req.creator_union_id,
        conference_id=req.schedule_conference_id,
        cool_app_code=req.cool_app_code,
        biz_data=req.extension_app_biz_data,
        use_extension_app=bool(req.use_extension_app),
    )
    return w.CreateCustomShortLinkResponse(result=w.ShortLinkResult(custom_short_link=url))


def _redirect(location: str, rid: str) -> Response:
    return RedirectResponse(location, status_code=302, headers=responses.headers(rid))


async def follow_short_link(call: Call) -> Response:
    target = await call.services.links.follow_short_link(call.path("code"))
    return _redirect(target.location, call.request_id)


async def follow_login_url(call: Call) -> Response:
    target = await call.services.links.follow_login(call.path("conferenceId"), call.path("ticket"))
    return _redirect(target.location, call.request_id)
