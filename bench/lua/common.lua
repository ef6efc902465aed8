-- Shared by every scenario: the harness's parameters (a Lua table in a file named by
-- CONFPLANE_BENCH_PARAMS) and one JSON line of results at the end of the run.
P = dofile(os.getenv("CONFPLANE_BENCH_PARAMS"))

HEADERS = {
  ["x-acs-dingtalk-access-token"] = P.token,
  ["accept"] = "application/json",
  ["user-agent"] = "AlibabaCloud (confplane bench) wrk",
}
JSON_HEADERS = {
  ["x-acs-dingtalk-access-token"] = P.token,
  ["accept"] = "application/json",
  ["user-agent"] = "AlibabaCloud (confplane bench) wrk",
  ["content-type"] = "application/json; charset=utf-8",
}
CONF = "/v1.0/conference/videoConferences/"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'CONFPLANE_BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,'
      .. '"p99_us":%d,"max_us":%d,"mean_us":%.1f,"errors_connect":%d,"errors_read":%d,'
      .. '"errors_write":%d,"errors_status":%d,"errors_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
