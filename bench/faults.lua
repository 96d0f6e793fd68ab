-- wrk script of bench/faults.py: rotates through the addresses given after `--`, and
-- counts the responses by status, per second of wall-clock time, in every thread.
-- At the end it prints one line per (second, status): "TALLY <epoch second> <status> <n>".

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    paths = {}
    for i, path in ipairs(args) do
        paths[i] = path
    end
    sent = 0
    tally = {}
end

function request()
    sent = sent + 1
    return wrk.format("GET", paths[(sent % #paths) + 1])
end

function response(status, headers, body)
    local key = os.time() .. " " .. status
    tally[key] = (tally[key] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
        for key, n in pairs(thread:get("tally")) do
            total[key] = (total[key] or 0) + n
        end
    end
    for key, n in pairs(total) do
        io.write(string.format("TALLY %s %d\n", key, n))
    end
end
