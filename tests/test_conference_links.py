"""CreateAutoLoginUrl and CreateCustomShortLink, and where their links lead."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from confplane.client.device import Device
from confplane.domain.model import READ_SCOPE
from conftest import Org, api_error, make_org
from controls_kit import (
    api_error_async,
    auto_login,
    auto_login_async,
    info,
    short_link,
    short_link_async,
)


def follow(url: str) -> httpx.Response:
    return httpx.get(url, follow_redirects=False)


def test_short_link_leads_to_the_join_page(org: Org) -> None:
    cid = org.create()
    room = info(org, cid).room_code
    url = short_link(org, cid, biz_data='{"seat": 4}').result.custom_short_link
    assert url.startswith(f"{org.server.base_url}/s/")
    answer = follow(url)
    assert answer.status_code == 302
    assert answer.headers["location"] == f"/j/{room}"
    # Each call makes a new link to the same place.
    other = short_link(org, cid).result.custom_short_link
    assert other != url and follow(other).headers["location"] == f"/j/{room}"


async def test_short_link_async(org: Org) -> None:
    cid = org.create()
    body = await short_link_async(org, cid)
    assert follow(body.result.custom_short_link).status_code == 302


def test_unknown_short_link_is_a_json_404(org: Org) -> None:
    answer = follow(f"{org.server.base_url}/s/no-such-link")
    assert answer.status_code == 404
    assert answer.json()["code"] == "notFound"
    assert answer.headers["content-type"].startswith("application/json")


def test_short_link_errors_make_no_link(org: Org, other_org: Org) -> None:
    cid = org.create()
    err = api_error(short_link, org, cid, creator=org.users[1])
    assert (err.status, err.code) == (404, "permissionError")
    err = api_error(short_link, org, cid, creator="nobody-has-this-id")
    assert (err.status, err.code) == (400, "unknownUserError")
    for conference_id, code in ((None, "COOLAPP"), (cid, None), (cid, "x" * 129)):
        err = api_error(short_link, org, conference_id, cool_app_code=code)
        assert (err.status, err.code) == (400, "paramsError")
    err = api_error(short_link, org, cid, creator="")
    assert (err.status, err.code) == (400, "paramsError")
    err = api_error(short_link, org, cid, biz_data="x" * 5000)
    assert (err.status, err.code) == (400, "paramsError")
    err = api_error(short_link, org, "000000000000000000000000")
    assert (err.status, err.code) == (400, "paramsError")
    err = api_error(short_link, org, other_org.create())
    assert (err.status, err.code) == (400, "orgAccessForbidden")
    org.close(cid)
    err = api_error(short_link, org, cid)
    assert (err.status, err.code) == (400, "resourceClose")


def test_auto_login_url_carries_a_ticket_to_the_join_page(org: Org) -> None:
    cid = org.create()
    conf = info(org, cid)
    body = auto_login(org, conf.external_link_url, org.users[1])
    assert body.success is True
    answer = follow(body.login_info.login_url)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert location.path == f"/j/{conf.room_code}"
    [ticket] = parse_qs(location.query)["ticket"]
    assert ticket in body.login_info.login_url


async def test_auto_login_ticket_joins_the_meeting_as_the_user(org: Org) -> None:
    cid = org.create()
    conf = info(org, cid)
    body = await auto_login_async(org, conf.external_link_url, org.users[2])
    location = follow(body.login_info.login_url).headers["location"]
    [ticket] = parse_qs(urlsplit(location).query)["ticket"]
    device = Device(org.server.base_url, conference_id=cid, ticket=ticket)
    try:
        joined = await device.join()
        assert joined.union_id == org.users[2]
    finally:
        await device.drop()


def test_auto_login_from_a_short_link(org: Org) -> None:
    cid = org.create()
    link = short_link(org, cid).result.custom_short_link
    login = auto_login(org, link, org.host).login_info.login_url
    assert follow(login).headers["location"].startswith(f"/j/{info(org, cid).room_code}?")


def test_auto_login_errors(org: Org, other_org: Org) -> None:
    cid = org.create()
    url = info(org, cid).external_link_url
    for meeting_url in (None, "", "https://example.com/", f"{org.server.base_url}/j/1"):
        err = api_error(auto_login, org, meeting_url, org.host)
        assert (err.status, err.code) == (400, "paramsError"), meeting_url
    err = api_error(auto_login, org, url, None)
    assert (err.status, err.code) == (400, "paramsError")
    err = api_error(auto_login, org, url, "nobody-has-this-id")
    assert (err.status, err.code) == (400, "unknownUserError")
    foreign = info(other_org, other_org.create()).external_link_url
    err = api_error(auto_login, org, foreign, org.host)
    assert (err.status, err.code) == (400, "orgAccessForbidden")
    org.close(cid)
    err = api_error(auto_login, org, url, org.host)
    assert (err.status, err.code) == (400, "resourceClose")


async def test_auto_login_errors_async(org: Org) -> None:
    err = await api_error_async(auto_login_async(org, "https://example.com/x", org.host))
    assert (err.status, err.code) == (400, "paramsError")


def test_forged_or_misplaced_login_urls_are_refused(org: Org) -> None:
    cid = org.create()
    other = org.create()
    login = auto_login(org, info(org, cid).external_link_url, org.host).login_info.login_url
    ticket = login.rsplit("/", 1)[1]
    base = org.server.base_url
    for url in (
        f"{base}/l/{other}/{ticket}",
        f"{base}/l/{cid}/{ticket[:-2]}xx",
        f"{base}/l/{cid}/garbage",
    ):
        answer = follow(url)
        assert answer.status_code == 403, url
        assert answer.json()["code"] == "invalidTicket"


def test_link_operations_need_the_write_permission(org: Org) -> None:
    reader = make_org(org.server, org.admin, permissions=[READ_SCOPE])
    err = api_error(short_link, reader, "x")
    assert (err.status, err.code) == (403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    err = api_error(auto_login, reader, "x", reader.host)
    assert (err.status, err.code) == (403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
