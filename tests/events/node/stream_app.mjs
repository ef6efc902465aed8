// An app written against the official dingtalk-stream SDK for Node, unchanged: it prints
// every event it receives as one JSON line and acknowledges it with SUCCESS. The SDK
// reaches https://api.dingtalk.com; the test points that name at confplane.
import { DWClient, EventAck } from "dingtalk-stream";

const [clientId, clientSecret] = process.argv.slice(2);
const client = new DWClient({ clientId, clientSecret });
client.registerAllEventListener((message) => {
  const h = message.headers;
  console.log(
    JSON.stringify({
      eventId: h.eventId,
      eventType: h.eventType,
      eventCorpId: h.eventCorpId,
      appId: h.appId,
      data: JSON.parse(message.data),
    }),
  );
  return { status: EventAck.SUCCESS };
});
console.log(JSON.stringify({ ready: true }));
await client.connect();
