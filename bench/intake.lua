-- wrk script for bench/intake: POST /v1/leads, every lead qualified (score 90
-- against qualify_min_score 80) and routed by territory to one of 16 owners.
-- Reads HANDOFF_BENCH_KEY (the tenant's admin key) and HANDOFF_BENCH_FUNNEL.
-- Counts every answer that is not 201 and reports them in done().

local key = assert(os.getenv("HANDOFF_BENCH_KEY"), "HANDOFF_BENCH_KEY is not set")
local funnel = assert(os.getenv("HANDOFF_BENCH_FUNNEL"), "HANDOFF_BENCH_FUNNEL is not set")
local countries = { "DE", "AT", "CH", "US", "GB", "FR", "NL", "BE", "ES", "IT", "SE", "NO", "DK", "PL", "CA", "AU" }

local threads = {}

function setup(thread)
    thread:set("tid", #threads)
    table.insert(threads, thread)
end

function init(args)
    n = 0
    non201 = 0
    statuses = ""
    first_error = ""
    wrk.method = "POST"
    wrk.headers["Authorization"] = "Bearer " .. key
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    n = n + 1
    local country = countries[(n + tid) % #countries + 1]
    local body = string.format(
        '{"funnel_id":"%s","email":"lead%d-%d@example.com","score":90,' ..
        '"answers":{"team_size":"50-200","timeline":"this quarter"},"attributes":{"country":"%s"}}',
        funnel, tid, n, country)
    return wrk.format(nil, "/v1/leads", nil, body)
end

function response(status, headers, body)
    if status ~= 201 then
        non201 = non201 + 1
        if not string.find(statuses, "[" .. status .. "]", 1, true) then
            statuses = statuses .. "[" .. status .. "]"
        end
        if first_error == "" then
            first_error = status .. " " .. string.sub(body or "", 1, 400)
        end
    end
end

function done(summary, latency, requests)
    local total, seen, example = 0, "", ""
    for _, thread in ipairs(threads) do
        total = total + (thread:get("non201") or 0)
        seen = seen .. (thread:get("statuses") or "")
        if example == "" then example = thread:get("first_error") or "" end
    end
    local e = summary.errors
    io.write(string.format("non_201=%d statuses=%s\n", total, seen == "" and "-" or seen))
    io.write(string.format("socket_errors connect=%d read=%d write=%d timeout=%d\n", e.connect, e.read, e.write, e.timeout))
    if example ~= "" then io.write("first_non_201: " .. example .. "\n") end
    -- The latency histogram ("microseconds count" per line), so that
    -- bench/intake can take the 99th percentile over all its slices' requests.
    local path = os.getenv("HANDOFF_BENCH_LATENCY_FILE")
    if path then
        local file = assert(io.open(path, "w"))
        for i = 1, #latency do
            local value, count = latency(i)
            file:write(string.format("%d %d\n", value, count))
        end
        file:close()
    end
end
