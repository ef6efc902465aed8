"""``confplane meetings``: the conference API from a terminal (confplane or DingTalk)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from confplane.cli import render
from confplane.cli.errors import NotFound
from confplane.cli.options import DEFAULT_PAGE_SIZE, JsonFlag, Limit, PageSize, session
from confplane.cli.output import Columns, JsonArray, encode_json, progress, stdout_console
from confplane.client.dingtalk import DingTalkClient
from confplane.wire import models as w

app = typer.Typer(
    help="Create, list, inspect, mute, lock, kick and close meetings; name co-hosts.",
    no_args_is_help=True,
)

ConferenceId = Annotated[
    str, typer.Argument(metavar="CONFERENCE_ID", help="The meeting's conferenceId.")
]
UnionId = Annotated[str, typer.Argument(metavar="UNION_ID", help="The member's unionId.")]


@app.command()
def create(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(metavar="TITLE", help="The meeting's title.")],
    host: Annotated[str, typer.Option("--host", help="unionId of the creator (the host).")],
    invite: Annotated[
        list[str] | None, typer.Option("--invite", help="unionId to invite (repeatable).")
    ] = None,
    invite_caller: Annotated[
        bool, typer.Option("--invite-caller", help="Ring the invitees at once.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the id.")] = False,
    json: JsonFlag = False,
) -> None:
    """Create a meeting (CreateVideoConference)."""
    with session(ctx).client() as client:
        created = client.create_video_conference(
            host, title, invite_user_ids=invite, invite_caller=invite_caller or None
        )
    if json:
        typer.echo(encode_json(created, indent=2))
        return
    if quiet:
        typer.echo(created.conference_id)
        return
    out = stdout_console()
    out.print(f"Created meeting [bold]{created.conference_id}[/]")
    for label, value in (
        ("title", title),
        ("room code", created.room_code),
        ("password", created.conference_password),
        ("host password", created.host_password),
        ("join link", created.external_link_url),
    ):
        out.print(f"  {label + ':':<15}{escape(value)}")


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: Limit = None,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    json: JsonFlag = False,
) -> None:
    """List the org's meetings in progress, newest first (QueryOrgConferenceList)."""
    out = stdout_console()
    table = Columns(
        out,
        [("CONFERENCE ID", 24), ("STATUS", 11), ("STARTED", 19), ("HOST", 16), ("TITLE", None)],
    )
    array = JsonArray() if json else None
    seen = 0
    with session(ctx).client() as client, progress("Fetching meetings", out) as bar:
        for page in client.iter_org_conferences(page_size=page_size, limit=limit):
            seen += len(page.on_going_conf_list)
            bar.update(seen, page.total_count if limit is None else min(limit, page.total_count))
            if array is not None:
                array.add(page.on_going_conf_list)
                continue
            table.add(
                [
                    c.conference_id,
                    render.conference_status(c.status),
                    render.when(c.start_time),
                    c.creator_nick or c.creator_id,
                    c.title,
                ]
                for c in page.on_going_conf_list
            )
    if array is not None:
        array.close()
    elif seen == 0:
        out.print("No meetings in progress.")


def _info(client: DingTalkClient, conference_id: str) -> w.ConferenceInfo:
    infos = client.query_conference_info_batch([conference_id]).infos
    if not infos:
        raise NotFound(f"no meeting in progress has conferenceId {conference_id}")
    return infos[0]


@app.command()
def show(ctx: typer.Context, conference_id: ConferenceId, json: JsonFlag = False) -> None:
    """Show a meeting in progress and its members' state (QueryConferenceInfoBatch)."""
    with session(ctx).client() as client:
        info = _info(client, conference_id)
    if json:
        typer.echo(encode_json(info, indent=2))
        return
    out = stdout_console()
    out.print(f"Meeting [bold]{info.conference_id}[/]  {escape(info.title)}")
    out.print("  status:       ", render.conference_status(info.status), sep="")
    out.print(f"  started:      {render.when(info.start_time)}")
    out.print(f"  media:        {render.media_status(info.media_status)}")
    out.print(f"  members:      {len(info.user_list)}")
    if info.user_list:
        out.print()
        Columns(
            out, [("UNION ID", 28), ("STATUS", 11), ("MIC", 3), ("CAMERA", 6), ("NICK", None)]
        ).add(
            [
                u.user_id,
                render.attend_status(u.attend_status),
                render.media(u.mic_status),
                render.media(u.camera_status),
                u.nick,
            ]
            for u in info.user_list
        )


def _role(member: w.MemberModel) -> str:
    return "host" if member.host else "co-host" if member.co_host else ""


@app.command()
def members(
    ctx: typer.Context,
    conference_id: ConferenceId,
    limit: Limit = None,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    json: JsonFlag = False,
) -> None:
    """List a meeting's members, page after page (QueryConferenceMembers)."""
    out = stdout_console()
    table = Columns(
        out,
        [
            ("UNION ID", 28),
            ("ROLE", 7),
            ("STATUS", 11),
            ("JOINED", 19),
            ("TIME", 8),
            ("NICK", None),
        ],
    )
    array = JsonArray() if json else None
    seen = 0
    with session(ctx).client() as client, progress("Fetching members", out) as bar:
        for page in client.iter_conference_members(conference_id, page_size=page_size, limit=limit):
            seen += len(page.member_models)
            bar.update(seen, page.total_count if limit is None else min(limit, page.total_count))
            if array is not None:
                array.add(page.member_models)
                continue
            table.add(
                [
                    m.union_id,
                    _role(m),
                    render.attend_status(m.attend_status),
                    render.when(m.join_time),
                    render.duration(m.duration),
                    m.user_nick,
                ]
                for m in page.member_models
            )
    if array is not None:
        array.close()
    elif seen == 0:
        out.print("No members.")


Device = Annotated[
    str | None,
    typer.Option("--device", help="Only this device (participantId); default: all of theirs."),
]


def _mute(
    ctx: typer.Context, conference_id: str, union_id: str, device: str | None, *, on: bool
) -> None:
    with session(ctx).client() as client:
        client.mute_members(
            conference_id,
            union_id,
            action="mute" if on else "un_mute",
            participant_id=device,
        )
    what = "Muted" if on else "Unmuted"
    target = f"device {device} of {union_id}" if device else union_id
    stdout_console().print(f"{what} {escape(target)} in {conference_id}")


@app.command()
def mute(
    ctx: typer.Context, conference_id: ConferenceId, union_id: UnionId, device: Device = None
) -> None:
    """Mute a member: every device of theirs, or one (MuteMembers)."""
    _mute(ctx, conference_id, union_id, device, on=True)


@app.command()
def unmute(
    ctx: typer.Context, conference_id: ConferenceId, union_id: UnionId, device: Device = None
) -> None:
    """Unmute a member: every device of theirs, or one (MuteMembers)."""
    _mute(ctx, conference_id, union_id, device, on=False)


def _lock(ctx: typer.Context, conference_id: str, action: str) -> None:
    with session(ctx).client() as client:
        client.lock_conference(conference_id, action)
    stdout_console().print(f"{action.capitalize()}ed meeting {conference_id}")


@app.command()
def lock(ctx: typer.Context, conference_id: ConferenceId) -> None:
    """Lock a meeting: nobody else can join (LockConference)."""
    _lock(ctx, conference_id, "lock")


@app.command()
def unlock(ctx: typer.Context, conference_id: ConferenceId) -> None:
    """Unlock a meeting (LockConference)."""
    _lock(ctx, conference_id, "unlock")


def _host_of(client: DingTalkClient, conference_id: str) -> str:
    for page in client.iter_conference_members(conference_id):
        for member in page.member_models:
            if member.host:
                return member.union_id
    raise NotFound(f"meeting {conference_id} has no host among its members; pass --host")


@app.command()
def close(
    ctx: typer.Context,
    conference_id: ConferenceId,
    host: Annotated[
        str | None,
        typer.Option("--host", help="The host's unionId (default: looked up in the members)."),
    ] = None,
) -> None:
    """Close a meeting, as its host (CloseVideoConference)."""
    with session(ctx).client() as client:
        client.close_video_conference(conference_id, host or _host_of(client, conference_id))
    stdout_console().print(f"Closed meeting {conference_id}")


@app.command()
def kick(
    ctx: typer.Context,
    conference_id: ConferenceId,
    union_id: UnionId,
    device: Device = None,
    forbid_rejoin: Annotated[
        bool, typer.Option("--forbid-rejoin", help="They may not join this meeting again.")
    ] = False,
) -> None:
    """Remove a member: every device of theirs, or one (KickMembers)."""
    with session(ctx).client() as client:
        client.kick_members(
            conference_id, union_id, participant_id=device, forbidden_rejoin=forbid_rejoin or None
        )
    target = f"device {device} of {union_id}" if device else union_id
    how = " for good" if forbid_rejoin else ""
    stdout_console().print(f"Removed {escape(target)} from {conference_id}{how}")


cohosts = typer.Typer(
    help="Make members co-hosts, or not any more (Cohosts).", no_args_is_help=True
)
app.add_typer(cohosts, name="cohosts")
UnionIds = Annotated[
    list[str], typer.Argument(metavar="UNION_ID...", help="The members' unionIds.")
]


def _cohosts(ctx: typer.Context, conference_id: str, union_ids: list[str], action: str) -> None:
    with session(ctx).client() as client:
        client.cohosts(conference_id, union_ids, action=action)
    done = "now co-hosts" if action == "add" else "no longer co-hosts"
    stdout_console().print(f"{escape(', '.join(union_ids))}: {done} in {conference_id}")


@cohosts.command("add")
def cohosts_add(ctx: typer.Context, conference_id: ConferenceId, union_ids: UnionIds) -> None:
    """Make members co-hosts (Cohosts, action add)."""
    _cohosts(ctx, conference_id, union_ids, "add")


@cohosts.command("remove")
def cohosts_remove(ctx: typer.Context, conference_id: ConferenceId, union_ids: UnionIds) -> None:
    """Make co-hosts plain members again (Cohosts, action remove)."""
    _cohosts(ctx, conference_id, union_ids, "remove")


mute_all = typer.Typer(
    help="Mute every attendee at once, or lift it (MuteAll).", no_args_is_help=True
)
app.add_typer(mute_all, name="mute-all")


@mute_all.command("on")
def mute_all_on(
    ctx: typer.Context,
    conference_id: ConferenceId,
    force: Annotated[
        bool,
        typer.Option("--force", help="Hold them muted: attendees cannot unmute themselves."),
    ] = False,
) -> None:
    """Mute every attendee; hosts and co-hosts keep the floor (MuteAll, action mute)."""
    with session(ctx).client() as client:
        client.mute_all(conference_id, "mute", force_mute=force or None)
    held = ", held until lifted" if force else ""
    stdout_console().print(f"Muted all attendees of {conference_id}{held}")


@mute_all.command("off")
def mute_all_off(ctx: typer.Context, conference_id: ConferenceId) -> None:
    """Lift the mute of every attendee (MuteAll, action unmute)."""
    with session(ctx).client() as client:
        client.mute_all(conference_id, "unmute")
    stdout_console().print(f"Lifted the mute of all attendees of {conference_id}")


@app.command()
def info(
    ctx: typer.Context,
    conference_id: Annotated[
        str | None,
        typer.Argument(metavar="[CONFERENCE_ID]", help="The meeting's conferenceId."),
    ] = None,
    room_code: Annotated[
        str | None, typer.Option("--room-code", help="Find the meeting by its room code.")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Show one meeting, in progress or ended (QueryConferenceInfo, or
    QueryConferenceInfoByRoomCode with --room-code)."""
    if (conference_id is None) == (room_code is None):
        raise typer.BadParameter("give a CONFERENCE_ID or --room-code, not both")
    with session(ctx).client() as client:
        if room_code is not None:
            found = client.query_conference_info_by_room_code(room_code).conference_list
            if not found:
                raise NotFound(f"no meeting has room code {room_code}")
            conference_id = found[0].conference_id
        assert conference_id is not None
        conf = client.query_conference_info(conference_id).conf_info
    if json:
        typer.echo(encode_json(conf, indent=2))
        return
    out = stdout_console()
    out.print(f"Meeting [bold]{conf.conference_id}[/]  {escape(conf.title)}")
    out.print("  status:       ", render.conference_status(conf.status), sep="")
    out.print(f"  room code:    {conf.room_code}")
    out.print(f"  join link:    {conf.external_link_url}")
    out.print(f"  creator:      {escape(conf.creator_nick or '')} ({conf.creator_id})")
    out.print(f"  started:      {render.when(conf.start_time)}")
    if conf.end_time is not None:
        out.print(f"  ended:        {render.when(conf.end_time)}")
    out.print(
        f"  members:      {conf.active_num} in the meeting, {conf.attend_num} came,"
        f" {conf.invited_num} invited"
    )


@app.command()
def invite(
    ctx: typer.Context,
    conference_id: ConferenceId,
    union_ids: Annotated[
        list[str], typer.Argument(metavar="UNION_ID...", help="The users to call in.")
    ],
) -> None:
    """Call users into a meeting in progress (InviteUsers)."""
    with session(ctx).client() as client:
        client.invite_users(conference_id, union_ids)
    stdout_console().print(f"Invited {len(union_ids)} to {conference_id}")
