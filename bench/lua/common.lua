-- Shared wrk hooks for the Colloquy benchmark: per-thread ids, exact non-2xx counting, and a done()
-- that prints one machine-readable line ("BENCH_RESULT {json}") for bench/run.sh to pick up.
-- Settings come from the environment: BENCH_KEY (API key), BENCH_NS (namespace), BENCH_THREADS.

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

bench_key = os.getenv("BENCH_KEY") or error("BENCH_KEY is not set")
bench_ns = os.getenv("BENCH_NS") or "bench"
bench_threads = tonumber(os.getenv("BENCH_THREADS") or "2")
bench_headers = {
  ["Authorization"] = "Bearer " .. bench_key,
  ["Accept"] = "application/json",
}

non2xx = 0
statuses = {}

-- Defining response() makes wrk hand every response to Lua, so non-2xx are counted exactly
-- (wrk's own summary.errors.status only counts status > 399).
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
    if non2xx <= 3 then
      io.stderr:write(string.format("[wrk] non-2xx response %d: %s\n", status, string.sub(body or "", 1, 300)))
    end
  end
end

function done(summary, latency, requests)
  local total_non2xx = 0
  local codes = {}
  for _, t in ipairs(threads) do
    total_non2xx = total_non2xx + (t:get("non2xx") or 0)
    local s = t:get("statuses")
    if s then
      for code, n in pairs(s) do codes[code] = (codes[code] or 0) + n end
    end
  end
  local parts = {}
  for code, n in pairs(codes) do table.insert(parts, string.format('"%d":%d', code, n)) end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"mean_ms":%.3f,"non_2xx":%d,"non_2xx_by_status":{%s},' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d}}\n',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000, total_non2xx, table.concat(parts, ","),
    e.connect, e.read, e.write, e.timeout))
end
