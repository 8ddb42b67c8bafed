-- wrk script of bench/web/run.py: counts the responses by HTTP status and, when
-- the run is over, prints one line "WRK_RESULT {json}" with the totals, the
-- socket errors and the whole latency histogram (microseconds), so that
-- run.py can merge several short runs into exact percentiles.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}  -- per thread; read back in done() through thread:get
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local by_status = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  local statuses_json = {}
  for status, count in pairs(by_status) do
    statuses_json[#statuses_json + 1] = string.format('"%d": %d', status, count)
  end
  -- latency(i) is the i-th distinct value and how often it was seen.
  local histogram = {}
  for i = 1, #latency do
    local value, count = latency(i)
    histogram[#histogram + 1] = string.format("[%d, %d]", value, count)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"statuses": {%s}, "histogram_us": [%s]}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(statuses_json, ", "), table.concat(histogram, ", ")))
end
