-- The pacing of scripts/bench.d's wrk scripts (clue_flood.lua, paced.lua; loaded with dofile from PACE_DIR):
-- pacer(rate) is a delay() that sends the thread's requests (its connections together) on a schedule of rate a
-- second whatever their latency, an open loop as wrk2's -R (a fixed gap after each answer, which a slow answer
-- stretches, sends fewer). A schedule fallen behind is caught up as fast as the connections go. LuaJIT's ffi reads
-- the monotonic clock.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } pace_timespec;
int clock_gettime(int clock, pace_timespec *ts);
]]
local ts = ffi.new("pace_timespec")

local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

function pacer(rate)
  local start, n = nil, 0
  return function()
    if rate <= 0 then return 0 end
    local t = now_ms()
    start = start or t
    n = n + 1
    local at = start + n * 1000 / rate
    return at > t and math.floor(at - t) or 0
  end
end
