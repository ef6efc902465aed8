"""CreateCustomShortLink's links: the statements behind ``ShortLinkWrites``."""

from __future__ import annotations

from confplane.domain.meeting_settings import LinkTarget, NewShortLink
from confplane.store.raw import Statement, Table

_ADD = Statement(
    "INSERT INTO short_links (code, conference_pk, creator_union_id, cool_app_code,"
    " extension_app_biz_data, use_extension_app, created_at)"
    " VALUES (:code, :pk, :creator, :app, :biz, :use_app, :now)"
)
_TARGET = Statement(
    "SELECT c.conference_id, c.room_code FROM short_links s"
    " JOIN conferences c ON c.id = s.conference_pk WHERE s.code = :code"
)


class ShortLinkTable(Table):
    """``ShortLinkReads`` and ``ShortLinkWrites`` over one connection of a transaction."""

    __slots__ = ()

    async def add(self, link: NewShortLink) -> None:
        await self._rows(
            _ADD,
            code=link.code,
            pk=link.conference_pk,
            creator=link.creator_union_id,
            app=link.cool_app_code,
            biz=link.extension_app_biz_data,
            use_app=link.use_extension_app,
            now=link.created_at,
        )

    async def target(self, code: str) -> LinkTarget | None:
        rows = await self._rows(_TARGET, code=code)
        if not rows:
            return None
        return LinkTarget(conference_id=str(rows[0][0]), room_code=str(rows[0][1]))
