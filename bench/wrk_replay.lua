-- wrk script for bench/checkin_http.py: replay prepared requests, each exactly once.
--
-- The file named by REPLAY_FILE holds one request per line: METHOD \t PATH \t COOKIE \t BODY
-- (COOKIE and BODY may be "-"). Thread k of n sends lines k, k+n, k+2n, ..., each once, for
-- as long as wrk runs (-d); a thread that runs out asks for /healthz instead, which the
-- caller sees as answers of the wrong status. done() prints one JSON line: status
-- counts, the run's duration, and the latency at every 0.1 percentile (wrk shows no raw
-- samples), so the caller can merge several runs into percentiles.

local threads = {}
local lines = nil

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(os.getenv("REPLAY_THREADS"))
  local all = {}
  for line in io.lines(os.getenv("REPLAY_FILE")) do
    table.insert(all, line)
  end
  reqs = {}
  for i = tid + 1, #all, nthreads do
    local method, path, cookie, body = all[i]:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$")
    local headers = {}
    if cookie ~= "-" then headers["Cookie"] = cookie end
    if body == "-" then
      body = nil
    else
      headers["Content-Type"] = "application/x-www-form-urlencoded"
    end
    table.insert(reqs, wrk.format(method, path, headers, body))
  end
  sent, statuses = 0, {}
end

function request()
  sent = sent + 1
  return reqs[sent] or wrk.format("GET", "/healthz")
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, n in pairs(s) do
      counts[tostring(code)] = (counts[tostring(code)] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%s": %d', code, n))
  end
  local quantiles = {}
  for i = 1, 1000 do
    table.insert(quantiles, string.format("%d", latency:percentile(i / 10)))
  end
  io.write(string.format('{"duration_us": %d, "statuses": {%s}, "quantiles_us": [%s]}\n',
    summary.duration, table.concat(parts, ", "), table.concat(quantiles, ", ")))
end
