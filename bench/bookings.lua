-- wrk script: every request is a new booking (its own person, its own
-- Idempotency-Key) for a slot taken in turn from the list the bench wrote
-- to $CRENEAU_SLOTS, one "centre;local time;vaccine" a line. Counts answers by status.
-- Optional pacing: WRK_DELAY_MS per request per connection.
local slots = {}
for line in io.lines(os.getenv("CRENEAU_SLOTS")) do
  local centre, time, vaccine = line:match("([^;]+);([^;]+);([^;]+)")
  table.insert(slots, { centre, time, vaccine })
end
local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "0")
-- Distinguishes runs against one store (warm-up, then measure): new people, new keys.
local run = os.getenv("CRENEAU_RUN") or "0"
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
  counter = 0
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
  return wrk.format("POST", "/api/v1/bookings", {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%s-%d", run, n),
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
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
  io.write(string.format('LATENCY_MS p50=%.2f p90=%.2f p99=%.2f max=%.2f\n',
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
