-- wrk script: POST one message per request. BENCH_DIALOGUES holds one or more dialogue ids
-- (comma-separated). With several, thread t takes every BENCH_THREADS-th id starting at t and
-- cycles through them, so concurrent requests mostly hit different dialogues (wrk's Lua cannot
-- tell connections apart; round-robin over as many dialogues as connections is the closest).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local content = string.rep("benchmark message body 0123456789 ", 3):sub(1, 100)
local body = '{"role":"user","content":"' .. content .. '"}'
local paths = {}
local cursor = 0

function init(args)
  local all = {}
  for id in string.gmatch(os.getenv("BENCH_DIALOGUES") or "", "[^,%s]+") do table.insert(all, id) end
  if #all == 0 then error("BENCH_DIALOGUES is empty") end
  for i, id in ipairs(all) do
    if #all < bench_threads or (i - 1) % bench_threads == tid then
      table.insert(paths, "/v1/namespaces/" .. bench_ns .. "/dialogues/" .. id .. "/messages")
    end
  end
  bench_headers["Content-Type"] = "application/json"
  -- Each thread starts at a different place so that single-dialogue runs stay identical and
  -- spread runs do not begin in lock-step.
  cursor = tid % #paths
end

function request()
  cursor = cursor % #paths + 1
  return wrk.format("POST", paths[cursor], bench_headers, body)
end
