-- wrk script: each thread walks its share of a request list (BENCH_LIST, a Lua file
-- returning {method, path, headers, body, step} tables), so inputs vary per request
-- and cookies are carried by hand (Secure cookies over plain HTTP, see PITFALLS.md).
-- BENCH_UPLOAD names a file whose bytes replace the body "@upload". With BENCH_SUBMIT_LAG,
-- each upload is followed, that many requests later, by the submit of the same draft.
-- BENCH_OFFSET: where in its share each thread starts, so a later run of the same list (the
-- measured run after the warm-up, a second pass) goes on with inputs not yet sent.
-- done() prints one JSON line: requests, duration, errors, latency percentiles.

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local list = dofile(os.getenv("BENCH_LIST"))
  local upload = nil
  local upload_path = os.getenv("BENCH_UPLOAD")
  if upload_path and upload_path ~= "" then
    local file = io.open(upload_path, "rb")
    upload = file:read("*a")
    file:close()
  end
  lag = tonumber(os.getenv("BENCH_SUBMIT_LAG") or "0")
  local count = tonumber(os.getenv("BENCH_THREADS") or "1")
  prepared = {}
  submits = {}
  for index, request in ipairs(list) do
    if (index - 1) % count == id - 1 then
      local body = request.body
      if body == "@upload" then body = upload end
      table.insert(prepared, wrk.format(request.method, request.path, request.headers, body))
      if lag > 0 then
        local submit_path = string.gsub(request.path, "/materials/$", "/submit/")
        local headers = {}
        for name, value in pairs(request.headers) do
          if name ~= "Content-Type" then headers[name] = value end
        end
        table.insert(submits, wrk.format("POST", submit_path, headers, nil))
      end
    end
  end
  offset = tonumber(os.getenv("BENCH_OFFSET") or "0")
  position = offset % #prepared
  wrapped = math.floor(offset / #prepared)
  uploads_sent = 0
  submits_sent = 0
  statuses = {}
  -- wrk calls request() once on the first thread's state before the run, to check what it
  -- returns (main(): script_verify_request), and never sends that request. Taken from the list,
  -- it was a single-use input skipped: the first upload of each run, whose submit, 96
  -- requests later, then answered 400 "materials missing". That call is given a look ahead.
  verifying = (id == 1)
end

function request()
  if verifying then
    verifying = false
    return prepared[position % #prepared + 1]
  end
  if lag > 0 and uploads_sent - submits_sent > lag then
    submits_sent = submits_sent + 1
    return submits[(offset + submits_sent - 1) % #submits + 1]
  end
  position = position + 1
  if position > #prepared then
    position = 1
    wrapped = wrapped + 1
  end
  uploads_sent = uploads_sent + 1
  return prepared[position]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local codes = {}
  local wraps = 0
  -- How far the furthest thread moved through its share, counting requests sent and not yet
  -- answered when wrk stopped (up to a connection's worth per thread): the next run starts
  -- past them, so a single-use input (an upload, a submit) is never sent twice.
  local advanced = 0
  for _, thread in ipairs(threads) do
    advanced = math.max(advanced, thread:get("uploads_sent") or 0)
    wraps = wraps + (thread:get("wrapped") or 0)
    local thread_statuses = thread:get("statuses")
    for status, count in pairs(thread_statuses) do
      codes[#codes + 1] = string.format('[%d, %d]', status, count)
    end
  end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "wrapped": %d, "advanced": %d, "statuses": [%s]}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, wraps, advanced, table.concat(codes, ", ")))
end
