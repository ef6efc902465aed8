"""Concurrent writers on one meeting: no lost update, no duplicate member, no 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from confplane.client.admin import AdminClient, AdminError
from conftest import Org


def test_simultaneous_joins_of_one_user_make_one_member(org: Org) -> None:
    cid = org.create()

    def join(_: int) -> str:
        with AdminClient(org.server.base_url, org.server.admin_token) as own:
            return str(own.join(cid, org.users[1])["participantId"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        devices = list(pool.map(join, range(16)))
    assert len(set(devices)) == 16
    body = org.members(cid)
    assert body.total_count == 2
    assert [m.union_id for m in body.member_models] == [org.host, org.users[1]]
    # One mute reaches all sixteen devices.
    org.mute(cid, org.users[1])
    assert {org.admin.device(d)["micStatus"] for d in devices} == {1}


def test_close_racing_joins_leaves_nobody_inside(org: Org) -> None:
    cid = org.create()

    def join(union_id: str) -> str:
        with AdminClient(org.server.base_url, org.server.admin_token) as own:
            try:
                return str(own.join(cid, union_id)["participantId"])
            except AdminError as exc:
                assert exc.code == "resourceClose", exc  # too late: the meeting ended
                return ""

    with ThreadPoolExecutor(max_workers=4) as pool:
        pending = [pool.submit(join, u) for u in org.users[1:]]
        org.close(cid)
        devices = [f.result() for f in pending]
    assert all(org.admin.device(d)["active"] is False for d in devices if d)
    statuses = {m.union_id: m.attend_status for m in org.members(cid).member_models}
    assert 3 not in statuses.values()
