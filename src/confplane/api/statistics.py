"""Meeting statistics' handlers: parse, call the domain, render."""

from __future__ import annotations

from confplane.api.endpoint import Call
from confplane.api.query_values import INT32_MAX, boolean, integer
from confplane.wire import statistics as w
from confplane.wire import statistics_render as r


async def get_conf_data_by_conference_id(call: Call) -> w.ConfData:
    # realData asks for figures of a meeting in progress: confplane's are always current.
    boolean("realData", call.query("realData"))
    data = await call.services.statistics.meeting(call.principal, call.path("conferenceId"))
    return r.conf_data(data)


async def get_conf_detail_data(call: Call) -> w.GetConfDetailDataResponse:
    page = await call.services.statistics.stays(
        call.principal,
        call.path("conferenceId"),
        nick=call.query("nick"),
        next_token=call.query("nextToken"),
        max_results=integer("maxResults", call.query("maxResults"), maximum=INT32_MAX),
    )
    return r.conf_details(page)


async def get_history_conf_data_list(call: Call) -> w.GetHistoryConfDataListResponse:
    page = await call.services.statistics.history(
        call.principal,
        start_time=integer("startTime", call.query("startTime")),
        end_time=integer("endTime", call.query("endTime")),
        title=call.query("title"),
        creator_nick=call.query("creatorNike"),
        free_type=call.query("freeType"),
        scene=call.query("scene"),
        real_data=bool(boolean("realData", call.query("realData"))),
        next_token=call.query("nextToken"),
        max_results=integer("maxResults", call.query("maxResults"), maximum=INT32_MAX),
    )
    return r.history(page)
