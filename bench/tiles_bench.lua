-- wrk script of bench/tiles_bench.py: cycle through many tile paths, count wrong answers.
-- Arguments after `--`: the file listing the paths (one per line), the expected status (200),
-- then "gzip" to send Accept-Encoding: gzip or "plain" not to. Every CLOSE_EVERY-th request asks
-- the server to close its connection and wrk reconnects, as in bench/features_bench.lua: with
-- keep-alive alone a server's workers may get the connections unevenly, by luck. An answer is
-- wrong unless it has the expected status and a body. done() prints one JSON line on stdout. With
-- BENCH_API_KEY in the environment every request carries it as X-API-Key (bench/bench_guard.py).

local CLOSE_EVERY = 10
local paths, expected, headers, index, sent = {}, 200, {}, 0, 0
bad = 0 -- global: read by done() through thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      table.insert(paths, line)
    end
  end
  expected = tonumber(args[2])
  if args[3] == "gzip" then
    headers["Accept-Encoding"] = "gzip"
  end
  local api_key = os.getenv("BENCH_API_KEY") or ""
  if #api_key > 0 then
    headers["X-API-Key"] = api_key
  end
  index = math.random(#paths) -- each connection's thread starts somewhere else
end

function request()
  index = index % #paths + 1
  sent = sent + 1
  local h = {}
  for k, v in pairs(headers) do
    h[k] = v
  end
  if sent % CLOSE_EVERY == 0 then
    h["Connection"] = "close"
  end
  return wrk.format("GET", paths[index], h)
end

function response(status, response_headers, body)
  if status ~= expected or body == nil or #body == 0 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local wrong = 0
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "wrong": %d, "connect": %d, '
      .. '"read": %d, "write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, '
      .. '"p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, wrong, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max
  ))
end
