"""An app on the official dingtalk-stream SDK (unchanged) that prints, for each event it
receives, its eventId and the time it reached the handler: bench/events.py reads it."""

import asyncio
import json
import sys
import time

import dingtalk_stream


class Stamp(dingtalk_stream.EventHandler):
    async def process(self, event: dingtalk_stream.EventMessage):  # type: ignore[no-untyped-def]
        print(json.dumps({"id": event.headers.event_id, "t": time.time()}), flush=True)
        return dingtalk_stream.AckMessage.STATUS_OK, "OK"


client = dingtalk_stream.DingTalkStreamClient(dingtalk_stream.Credential(sys.argv[1], sys.argv[2]))
client.register_all_event_handler(Stamp())
asyncio.run(client.start())
