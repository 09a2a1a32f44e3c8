-- wrk script: GET the last 50 messages of one dialogue (BENCH_DIALOGUE, with BENCH_AFTER_SEQ = N - 50).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local req

function init(args)
  local id = os.getenv("BENCH_DIALOGUE") or error("BENCH_DIALOGUE is not set")
  local after = os.getenv("BENCH_AFTER_SEQ") or "0"
  local path = "/v1/namespaces/" .. bench_ns .. "/dialogues/" .. id .. "/messages?after_seq=" .. after .. "&limit=50"
  req = wrk.format("GET", path, bench_headers)
end

function request()
  return req
end
