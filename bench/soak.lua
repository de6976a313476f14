-- wrk script for bench/soak: mixed traffic against one tenant, chosen per request:
--   70 %  POST /v1/leads                 qualified (score 90), territory-routed, as bench/intake
--   10 %  GET  /v1/leads?…               a list with filters (status, sla_state, owner_id,
--                                        funnel_id, created_after), rotating
--    8 %  GET  /v1/leads/{id}            a lead this thread created earlier
--   10 %  POST /v1/leads/{id}/responses  the first response to a lead this thread created
--                                        (each lead once: half the newest, half the oldest
--                                        still unanswered, so some answer after the breach)
--    2 %  PATCH /v1/owners/{id} (name) or PATCH /v1/sla-policies/{id} (name), alternating:
--                                        harmless changes that still drop the tenant's
--                                        configuration cache, as any configuration write does
-- Until a thread has a lead of its own, reads and responses are leads instead.
-- Reads HANDOFF_BENCH_KEY, HANDOFF_BENCH_FUNNEL, HANDOFF_BENCH_POLICY and
-- HANDOFF_BENCH_OWNERS (comma-separated ids, in the order of `countries` below).
-- Every answer must be 2xx: the others are counted by status, with an example
-- body, and reported in done() with the number of requests of each kind.

local key = assert(os.getenv("HANDOFF_BENCH_KEY"), "HANDOFF_BENCH_KEY is not set")
local funnel = assert(os.getenv("HANDOFF_BENCH_FUNNEL"), "HANDOFF_BENCH_FUNNEL is not set")
local policy = assert(os.getenv("HANDOFF_BENCH_POLICY"), "HANDOFF_BENCH_POLICY is not set")
local owners_env = assert(os.getenv("HANDOFF_BENCH_OWNERS"), "HANDOFF_BENCH_OWNERS is not set")
local countries = { "DE", "AT", "CH", "US", "GB", "FR", "NL", "BE", "ES", "IT", "SE", "NO", "DK", "PL", "CA", "AU" }
local owners = {}
for id in string.gmatch(owners_env, "[^,]+") do table.insert(owners, id) end
assert(#owners == #countries, "HANDOFF_BENCH_OWNERS must name " .. #countries .. " owners")

local RECENT = 1000          -- leads a thread remembers for GET /v1/leads/{id}
local UNANSWERED = 20000     -- leads a thread keeps for responses (older ones just breach)

local threads = {}

function setup(thread)
    thread:set("tid", #threads)
    table.insert(threads, thread)
end

function init(args)
    math.randomseed(os.time() * 1000 + tid * 7919)
    n = 0
    sent_create, sent_list, sent_get, sent_respond, sent_config = 0, 0, 0, 0, 0
    created = 0          -- 201s of POST /v1/leads whose id was taken
    non2xx = 0
    statuses = ""
    first_error = ""
    recent, recent_n = {}, 0                  -- ring of this thread's lead ids
    queue, q_head, q_tail = {}, 1, 0          -- this thread's unanswered lead ids, oldest first
    headers = {
        ["Authorization"] = "Bearer " .. key,
        ["Content-Type"] = "application/json",
    }
end

local function lead_request()
    sent_create = sent_create + 1
    local country = countries[(n + tid) % #countries + 1]
    local body = string.format(
        '{"funnel_id":"%s","email":"soak%d-%d@example.com","score":90,' ..
        '"answers":{"team_size":"50-200","timeline":"this quarter"},"attributes":{"country":"%s"}}',
        funnel, tid, n, country)
    return wrk.format("POST", "/v1/leads", headers, body)
end

local function list_request()
    sent_list = sent_list + 1
    local k = n % 5
    local path
    if k == 0 then
        path = "/v1/leads?status=assigned&limit=20"
    elseif k == 1 then
        path = "/v1/leads?sla_state=running&limit=20"
    elseif k == 2 then
        path = "/v1/leads?owner_id=" .. owners[math.random(#owners)] .. "&limit=20"
    elseif k == 3 then
        path = "/v1/leads?funnel_id=" .. funnel .. "&status=responded&limit=20"
    else
        path = "/v1/leads?created_after=" .. os.date("!%Y-%m-%dT%H:%M:%S.000Z", os.time() - 60) .. "&limit=50"
    end
    return wrk.format("GET", path, headers)
end

local function get_request()
    sent_get = sent_get + 1
    local id = recent[math.random(math.min(recent_n, RECENT))]
    return wrk.format("GET", "/v1/leads/" .. id, headers)
end

local function respond_request()
    sent_respond = sent_respond + 1
    local id
    if n % 2 == 0 then
        id = queue[q_tail]; queue[q_tail] = nil; q_tail = q_tail - 1
    else
        id = queue[q_head]; queue[q_head] = nil; q_head = q_head + 1
    end
    local channels = { "call", "email", "sms", "meeting", "other" }
    return wrk.format("POST", "/v1/leads/" .. id .. "/responses", headers,
        string.format('{"channel":"%s"}', channels[n % #channels + 1]))
end

local function config_request()
    sent_config = sent_config + 1
    if sent_config % 2 == 0 then
        local i = math.random(#owners)
        return wrk.format("PATCH", "/v1/owners/" .. owners[i], headers,
            string.format('{"name":"SDR %s r%d-%d"}', countries[i], tid, sent_config))
    end
    return wrk.format("PATCH", "/v1/sla-policies/" .. policy, headers,
        string.format('{"name":"2 min r%d-%d"}', tid, sent_config))
end

function request()
    n = n + 1
    local r = math.random(100)
    if r <= 70 then
        return lead_request()
    elseif r <= 80 then
        return list_request()
    elseif r <= 88 then
        if recent_n > 0 then return get_request() end
    elseif r <= 98 then
        if q_tail >= q_head then return respond_request() end
    else
        return config_request()
    end
    return lead_request()
end

function response(status, headers, body)
    if status < 200 or status > 299 then
        non2xx = non2xx + 1
        if not string.find(statuses, "[" .. status .. "]", 1, true) then
            statuses = statuses .. "[" .. status .. "]"
        end
        if first_error == "" then
            first_error = status .. " " .. string.sub(body or "", 1, 400)
        end
        return
    end
    -- wrk does not say which request an answer belongs to: a new lead is a 201
    -- whose lead is not yet responded (a response's 201 is "responded").
    if status == 201 and body and not string.find(body, '"status":"responded"', 1, true) then
        -- Keys come sorted: the lead's own "id" is the first one outside the
        -- answers and attributes, which here hold no "id".
        local id = string.match(body, '[{,]"id":"([0-9a-f%-]+)"')
        if id then
            created = created + 1
            recent_n = recent_n + 1
            recent[(recent_n - 1) % RECENT + 1] = id
            q_tail = q_tail + 1
            queue[q_tail] = id
            if q_tail - q_head + 1 > UNANSWERED then
                queue[q_head] = nil; q_head = q_head + 1
            end
        end
    end
end

function done(summary, latency, requests)
    local total, seen, example = 0, "", ""
    local c, l, g, r, p, ids = 0, 0, 0, 0, 0, 0
    for _, thread in ipairs(threads) do
        total = total + (thread:get("non2xx") or 0)
        seen = seen .. (thread:get("statuses") or "")
        if example == "" then example = thread:get("first_error") or "" end
        c = c + (thread:get("sent_create") or 0)
        l = l + (thread:get("sent_list") or 0)
        g = g + (thread:get("sent_get") or 0)
        r = r + (thread:get("sent_respond") or 0)
        p = p + (thread:get("sent_config") or 0)
        ids = ids + (thread:get("created") or 0)
    end
    local e = summary.errors
    io.write(string.format("sent create=%d list=%d get=%d respond=%d config=%d (leads created and remembered: %d)\n",
        c, l, g, r, p, ids))
    io.write(string.format("non_2xx=%d statuses=%s\n", total, seen == "" and "-" or seen))
    io.write(string.format("socket_errors connect=%d read=%d write=%d timeout=%d\n", e.connect, e.read, e.write, e.timeout))
    if example ~= "" then io.write("first_non_2xx: " .. example .. "\n") end
end
