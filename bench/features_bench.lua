-- wrk script of bench/features_bench.py: cycle through request paths, count wrong answers.
-- Every CLOSE_EVERY-th request asks the server to close its connection, and wrk reconnects: with
-- keep-alive alone, gunicorn may accept all connections in one worker and leave the other idle
-- for the whole run, which halves a server's throughput by luck. Reconnecting spreads the load.
-- Arguments after `--`: the numberReturned every answer must have, then the paths. An answer is
-- wrong unless it is HTTP 200 and its body says "numberReturned": <expected>. done() prints one
-- JSON line on stdout, after wrk's own report. With BENCH_API_KEY in the environment every request
-- carries it as X-API-Key, as an app's requests do (bench/bench_guard.py).

local CLOSE_EVERY = 10
local paths, expected, index, sent = {}, nil, 0, 0
bad = 0 -- global: read by done() through thread:get
local threads = {}
local api_key = os.getenv("BENCH_API_KEY") or ""

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = '"numberReturned":%s*' .. args[1] .. "[,}%s]"
  for i = 2, #args do
    table.insert(paths, args[i])
  end
end

function request()
  index = index % #paths + 1
  sent = sent + 1
  local h = {}
  if #api_key > 0 then
    h["X-API-Key"] = api_key
  end
  if sent % CLOSE_EVERY == 0 then
    h["Connection"] = "close"
  end
  return wrk.format("GET", paths[index], h)
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, expected) then
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
    'BENCH_JSON {"requests": %d, "duration_us": %d, "wrong": %d, "connect": %d, "read": %d, '
      .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d}\n',
    summary.requests, summary.duration, wrong, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max
  ))
end
