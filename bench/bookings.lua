-- wrk script: every request is a new booking (its own person, its own
-- Idempotency-Key) for a slot taken in turn from the list the bench wrote
-- to $CRENEAU_SLOTS, one "centre;local time;vaccine" a line. Counts answers by status.
-- Optional pacing: WRK_DELAY_MS per request per connection.
-- Through the edge (the surge): CRENEAU_FORWARDED_FOR=1 gives each request
-- its own person's address in X-Forwarded-For (the surge's edge believes
-- it from loopback), and 503s are told apart by who shed them: the edge
-- marks its own with X-Shed-By.
-- Latency by status: each request carries X-Request-Id, which the server
-- copies onto its answer, so an answer (a 503 included) is matched to the
-- moment its request was written (wrk calls request() just before writing).
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } creneau_timespec;
int clock_gettime(int clock, creneau_timespec *ts);
]]
local ts = ffi.new("creneau_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end
-- Histogram buckets of 50 µs.
local BUCKET_US = 50
local slots = {}
for line in io.lines(os.getenv("CRENEAU_SLOTS")) do
  local centre, time, vaccine = line:match("([^;]+);([^;]+);([^;]+)")
  table.insert(slots, { centre, time, vaccine })
end
local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "0")
-- Distinguishes runs against one store (warm-up, then measure): new people, new keys.
local run = os.getenv("CRENEAU_RUN") or "0"
local forwarded = os.getenv("CRENEAU_FORWARDED_FOR") == "1"
local threads = {}
-- Globals, not locals: wrk sets `id` in each thread's own Lua state.
counter = 0
id = 0

function setup(thread)
  id = id + 1
  thread:set("id", id)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  shed_by_edge = 0
  counter = 0
  sent = {}
  -- status * 1e6 + bucket -> count: flat, because wrk's thread:get()
  -- crashes on nested tables.
  hist = {}
end

function delay()
  return delay_ms
end

function request()
  counter = counter + 1
  local n = id * 10000000 + counter
  local s = slots[(n * 7919) % #slots + 1]
  local body = string.format(
    '{"centre":"%s","slot":"%s","vaccine":"%s","booked_by":"self","person":{"first_name":"P%s-%d","last_name":"Bench","birth_date":"1935-05-05"}}',
    s[1], s[2], s[3], run, n)
  local request_id = tostring(n)
  sent[request_id] = now_us()
  local headers = {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%s-%d", run, n),
    ["X-Request-Id"] = request_id,
  }
  if forwarded then
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", 128 + id % 64, math.floor(counter / 256) % 256, counter % 256)
  end
  return wrk.format("POST", "/api/v1/bookings", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and (headers["x-shed-by"] or headers["X-Shed-By"]) == "edge" then
    shed_by_edge = shed_by_edge + 1
  end
  local request_id = headers["x-request-id"] or headers["X-Request-Id"]
  local at = request_id and sent[request_id]
  if at then
    sent[request_id] = nil
    local bucket = math.min(math.floor((now_us() - at) / BUCKET_US), 999999)
    local key = status * 1000000 + bucket
    hist[key] = (hist[key] or 0) + 1
  end
end

-- Percentiles (ms) of a merged histogram { bucket -> count }.
local function percentiles(h)
  local buckets, total = {}, 0
  for b, n in pairs(h) do
    table.insert(buckets, b)
    total = total + n
  end
  table.sort(buckets)
  local function at(p)
    local want, seen = total * p / 100, 0
    for _, b in ipairs(buckets) do
      seen = seen + h[b]
      if seen >= want then
        return (b + 1) * BUCKET_US / 1000
      end
    end
    return 0
  end
  return string.format('{"n":%d,"p50":%.2f,"p90":%.2f,"p99":%.2f,"max":%.2f}',
    total, at(50), at(90), at(99), (buckets[#buckets] + 1) * BUCKET_US / 1000)
end

function done(summary, latency, requests)
  local totals = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, n in pairs(s) do
      totals[code] = (totals[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(totals) do
    table.insert(parts, string.format('"%d":%d', code, n))
  end
  io.write(string.format('STATUSES {%s}\n', table.concat(parts, ",")))
  local edge = 0
  for _, t in ipairs(threads) do
    edge = edge + (t:get("shed_by_edge") or 0)
  end
  io.write(string.format('SHED_BY_EDGE %d\n', edge))
  local merged = {}
  for _, t in ipairs(threads) do
    for key, n in pairs(t:get("hist")) do
      local code, b = math.floor(key / 1000000), key % 1000000
      merged[code] = merged[code] or {}
      merged[code][b] = (merged[code][b] or 0) + n
    end
  end
  -- Admitted: every answer but a refusal for load (503) or rate (429).
  local admitted = {}
  local by_status = {}
  for code, h in pairs(merged) do
    table.insert(by_status, string.format('"%d":%s', code, percentiles(h)))
    if code ~= 503 and code ~= 429 then
      for b, n in pairs(h) do
        admitted[b] = (admitted[b] or 0) + n
      end
    end
  end
  if next(admitted) then
    table.insert(by_status, string.format('"admitted":%s', percentiles(admitted)))
  end
  io.write(string.format('LATENCY_BY_STATUS {%s}\n', table.concat(by_status, ",")))
  io.write(string.format('LATENCY_MS p50=%.2f p90=%.2f p99=%.2f max=%.2f\n',
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
