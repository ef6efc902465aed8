"""Every operation once, end to end through the official SDK."""

from conftest import Org


def test_meeting_lifecycle(org: Org) -> None:
    cid = org.create(invite=[org.users[1]])
    device = org.admin.join(cid, org.users[1])
    assert org.mute(cid, org.users[1]).success is True
    assert org.admin.device(device["participantId"])["micStatus"] == 1
    assert org.lock(cid).success is True
    info = org.batch([cid]).infos[0]
    assert info.status == 2
    assert [u.user_id for u in info.user_list] == [org.host, org.users[1]]
    page = org.members(cid)
    assert page.total_count == 2
    closed = org.close(cid)
    assert (closed.code, closed.cause) == (200, "success")
