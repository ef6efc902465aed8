"""An app written against the official dingtalk-stream SDK, unchanged: it prints every
event it receives as one JSON line. The endpoint comes from DINGTALK_OPENAPI_ENDPOINT,
as the SDK reads it. Argument 3, if given, names event types the handler fails (it
answers 500 once for each such event, so the server must deliver it again)."""

import asyncio
import json
import sys

import dingtalk_stream

client_id, client_secret = sys.argv[1], sys.argv[2]
fail_once = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else set()
failed: set[str] = set()


class Printer(dingtalk_stream.EventHandler):
    async def process(self, event: dingtalk_stream.EventMessage):  # type: ignore[no-untyped-def]
        headers = event.headers
        if headers.event_type in fail_once and headers.event_id not in failed:
            failed.add(headers.event_id)
            return dingtalk_stream.AckMessage.STATUS_SYSTEM_EXCEPTION, "try again"
        line = {
            "eventId": headers.event_id,
            "eventType": headers.event_type,
            "eventCorpId": headers.event_corp_id,
            "eventBornTime": headers.event_born_time,
            "appId": headers.app_id,
            "data": event.data,
        }
        print(json.dumps(line), flush=True)
        return dingtalk_stream.AckMessage.STATUS_OK, "OK"


client = dingtalk_stream.DingTalkStreamClient(dingtalk_stream.Credential(client_id, client_secret))
client.register_all_event_handler(Printer())
print(json.dumps({"ready": True}), flush=True)
asyncio.run(client.start())
