"""The admin API under /confplane/v1/admin: orgs, apps, suites, users, simulated devices."""

from __future__ import annotations

from confplane.api.endpoint import Call
from confplane.domain.directory import AppCredentials
from confplane.domain.model import ALL_SCOPES, App, Device, Org, User
from confplane.wire import admin as a
from confplane.wire.models import SuccessResponse


def _org(org: Org) -> a.OrgBody:
    return a.OrgBody(corp_id=org.corp_id, name=org.name)


def _app(app: App, corp_id: str | None = None, secret: str | None = None) -> a.AppBody:
    return a.AppBody(
        app_key=app.app_key,
        kind=app.kind,
        name=app.name,
        permissions=list(app.permissions),
        corp_id=corp_id,
        app_secret=secret,
    )


def _created(creds: AppCredentials, corp_id: str | None) -> a.AppBody:
    return _app(creds.app, corp_id, creds.app_secret)


def _user(user: User, corp_id: str) -> a.UserBody:
    return a.UserBody(
        union_id=user.union_id,
        user_id=user.user_id,
        nick=user.nick,
        corp_id=corp_id,
        job_number=user.job_number,
    )


def _device(device: Device, conference_id: str) -> a.DeviceBody:
    return a.DeviceBody(
        participant_id=device.participant_id,
        conference_id=conference_id,
        union_id=device.union_id,
        mic_status=device.mic_status,
        camera_status=device.camera_status,
        host_muted=device.host_muted,
        active=device.active,
    )


async def create_org(call: Call) -> a.OrgBody:
    req = await call.body(a.CreateOrgRequest)
    return _org(await call.services.directory.create_org(req.name, req.corp_id))


async def list_orgs(call: Call) -> a.OrgList:
    return a.OrgList(items=[_org(o) for o in await call.services.directory.list_orgs()])


async def get_org(call: Call) -> a.OrgBody:
    return _org(await call.services.directory.get_org(call.path("corpId")))


async def create_app(call: Call) -> a.AppBody:
    req = await call.body(a.CreateAppRequest)
    corp_id = call.path("corpId")
    creds = await call.services.directory.create_internal_app(
        corp_id, req.name, req.permissions if req.permissions is not None else ALL_SCOPES
    )
    return _created(creds, corp_id)


async def _corp_ids(call: Call) -> dict[int, str]:
    return {o.id: o.corp_id for o in await call.services.directory.list_orgs()}


async def list_apps(call: Call) -> a.AppList:
    corp_ids = await _corp_ids(call)
    apps = await call.services.directory.list_apps()
    return a.AppList(items=[_app(x, corp_ids.get(x.org_id or 0)) for x in apps])


async def get_app(call: Call) -> a.AppBody:
    app = await call.services.directory.get_app(call.path("appKey"))
    return _app(app, (await _corp_ids(call)).get(app.org_id or 0))


async def set_permissions(call: Call) -> a.AppBody:
    req = await call.body(a.PermissionsRequest)
    app = await call.services.directory.set_permissions(call.path("appKey"), req.permissions)
    return _app(app, (await _corp_ids(call)).get(app.org_id or 0))


async def rotate_secret(call: Call) -> a.AppBody:
    creds = await call.services.directory.rotate_secret(call.path("appKey"))
    return _created(creds, (await _corp_ids(call)).get(creds.app.org_id or 0))


async def create_suite(call: Call) -> a.AppBody:
    req = await call.body(a.CreateAppRequest)
    creds = await call.services.directory.create_suite(
        req.name, req.permissions if req.permissions is not None else ALL_SCOPES
    )
    return _created(creds, None)


async def new_suite_ticket(call: Call) -> a.SuiteTicketBody:
    ticket = await call.services.directory.new_suite_ticket(call.path("suiteKey"))
    return a.SuiteTicketBody(suite_ticket=ticket)


async def authorize_suite(call: Call) -> SuccessResponse:
    req = await call.body(a.AuthorizeSuiteRequest)
    await call.services.directory.authorize_suite(call.path("suiteKey"), req.corp_id)
    return SuccessResponse(success=True)


async def create_user(call: Call) -> a.UserBody:
    req = await call.body(a.CreateUserRequest)
    corp_id = call.path("corpId")
    user = await call.services.directory.create_user(
        corp_id,
        nick=req.nick,
        user_id=req.user_id,
        union_id=req.union_id,
        job_number=req.job_number,
    )
    return _user(user, corp_id)


async def list_users(call: Call) -> a.UserList:
    corp_id = call.path("corpId")
    users = await call.services.directory.list_users(corp_id)
    return a.UserList(items=[_user(u, corp_id) for u in users])


async def join(call: Call) -> a.DeviceBody:
    req = await call.body(a.JoinRequest)
    joined = await call.services.presence.join(
        call.path("conferenceId"),
        req.union_id,
        mic=req.mic_status,
        camera=req.camera_status,
        pstn=req.pstn,
    )
    return _device(joined.device, joined.conference.conference_id)


async def decline(call: Call) -> SuccessResponse:
    req = await call.body(a.DeclineRequest)
    await call.services.presence.decline(call.path("conferenceId"), req.union_id, req.description)
    return SuccessResponse(success=True)


async def get_device(call: Call) -> a.DeviceBody:
    device, conference_id = await call.services.presence.device(call.path("participantId"))
    return _device(device, conference_id)


async def leave(call: Call) -> SuccessResponse:
    await call.services.presence.leave(call.path("participantId"))
    return SuccessResponse(success=True)


async def report_media(call: Call) -> a.DeviceBody:
    req = await call.body(a.MediaRequest)
    participant_id = call.path("participantId")
    await call.services.presence.report_media(
        participant_id, mic=req.mic_status, camera=req.camera_status
    )
    device, conference_id = await call.services.presence.device(participant_id)
    return _device(device, conference_id)


async def get_user(call: Call) -> a.UserBody:
    user = await call.services.directory.get_user(call.path("unionId"))
    return _user(user, (await _corp_ids(call))[user.org_id])
