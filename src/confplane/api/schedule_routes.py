"""The route rows of scheduled meetings and meeting statistics (api.routes holds them)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.routing import Route

from confplane.api import schedules, statistics
from confplane.api.endpoint import Endpoint, Handler
from confplane.domain.model import READ_SCOPE, WRITE_SCOPE
from confplane.wire.errors import Op

SCHEDULES = "/v1.0/conference/scheduleConferences"
CONF = "/v1.0/conference/videoConferences"
SEGMENT = "{scheduleConferenceId:segment}"


def schedule_routes(op: Callable[[str, str | None, Handler], Endpoint]) -> list[Route]:
    def route(path: str, method: str, endpoint: Endpoint) -> Route:
        return Route(path, endpoint, methods=[method], include_in_schema=False)

    s, st = schedules, statistics
    return [
        route(SCHEDULES, "POST", op(Op.CREATE_SCHEDULE, WRITE_SCOPE, s.create_schedule_conference)),
        route(SCHEDULES, "PUT", op(Op.UPDATE_SCHEDULE, WRITE_SCOPE, s.update_schedule_conference)),
        route(
            f"{SCHEDULES}/cancel",
            "POST",
            op(Op.CANCEL_SCHEDULE, WRITE_SCOPE, s.cancel_schedule_conference),
        ),
        route(
            f"{SCHEDULES}/settings",
            "GET",
            op(Op.QUERY_SCHEDULE_SETTINGS, READ_SCOPE, s.query_schedule_conf_settings),
        ),
        route(
            f"{SCHEDULES}/settings",
            "PUT",
            op(Op.UPDATE_SCHEDULE_SETTINGS, WRITE_SCOPE, s.update_schedule_conf_settings),
        ),
        route(
            f"{SCHEDULES}/{SEGMENT}/infos",
            "GET",
            op(Op.QUERY_SCHEDULE, READ_SCOPE, s.query_schedule_conference),
        ),
        route(
            f"{CONF}/scheduleConferences/{SEGMENT}",
            "GET",
            op(Op.QUERY_SCHEDULE_INFO, READ_SCOPE, s.query_schedule_conference_info),
        ),
        route(
            f"{CONF}/histories/dataLists",
            "GET",
            op(Op.HISTORY_CONF_DATA, READ_SCOPE, st.get_history_conf_data_list),
        ),
        route(
            f"{CONF}/{{conferenceId:segment}}/infos",
            "GET",
            op(Op.CONF_DATA, READ_SCOPE, st.get_conf_data_by_conference_id),
        ),
        route(
            f"{CONF}/{{conferenceId:segment}}/details",
            "GET",
            op(Op.CONF_DETAIL_DATA, READ_SCOPE, st.get_conf_detail_data),
        ),
    ]
