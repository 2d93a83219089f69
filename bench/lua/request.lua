-- One fixed request, repeated by every connection; used by scenarios A, B and D
-- against both servers (bench/sign8bench/wrk.py builds the command line).
--
--   wrk -t2 -c16 -d10s --latency -s bench/lua/request.lua URL -- METHOD BODY_FILE [HEADER ...]
--
--   METHOD     GET or POST
--   BODY_FILE  path of the request body, or "-" for none
--   HEADER     "Name: value", any number (Authorization, Content-Type, ...)
--
-- done() prints one machine-readable line, "BENCH_JSON {...}", with the counts
-- and the latency percentiles in microseconds; wrk.py reads it (and falls back
-- to the --latency text if the line is missing).

local req

function init(args)
   local method = args[1] or "GET"
   local body_file = args[2] or "-"
   wrk.method = method
   if body_file ~= "-" then
      local f = assert(io.open(body_file, "rb"))
      wrk.body = f:read("*a")
      f:close()
   end
   for i = 3, #args do
      local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
      if name then wrk.headers[name] = value end
   end
   req = wrk.format()
end

function request()
   return req
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"err_connect": %d, "err_read": %d, "err_write": %d, "err_status": %d, "err_timeout": %d, ' ..
      '"p50_us": %.0f, "p90_us": %.0f, "p99_us": %.0f, "mean_us": %.1f, "max_us": %.0f}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.mean, latency.max))
end
