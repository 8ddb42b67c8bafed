-- wrk script: each thread sends exactly NAKANO_QUOTA beacon events, then only
-- requests that record nothing (GET → 405) until its last event is answered.
local quota = tonumber(os.getenv("NAKANO_QUOTA"))
local body = '{"type":"preview","resource":"' .. os.getenv("NAKANO_RESOURCE") .. '"}'
local threads = {}
sent, ok, failed = 0, 0, 0

function setup(thread)
  table.insert(threads, thread)
end

function request()
  if sent < quota then
    sent = sent + 1
    return wrk.format("POST", "/_nakano/event", {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", "/_nakano/event")
end

function response(status, headers, body)
  if status == 204 then ok = ok + 1 elseif status ~= 405 then failed = failed + 1 end
  if ok + failed >= quota then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local total_ok, total_failed, total_sent = 0, 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_failed = total_failed + t:get("failed")
    total_sent = total_sent + t:get("sent")
  end
  io.write(string.format("NAKANO sent=%d ok=%d failed=%d seconds=%.3f p50_us=%d p99_us=%d\n",
    total_sent, total_ok, total_failed, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99)))
end
