-- wrk script for scripts/bench.d/clues.sh: one client address (203.0.113.9, behind the trusted proxy)
-- floods the public clue form with submissions that carry no solved challenge, FLOOD_RATE requests a second
-- (pace.lua). Prints how many were refused (429).
local threads = {}
function setup(thread) table.insert(threads, thread) end

local b = "----flood"
wrk.method = "POST"
wrk.body = "--" .. b .. "\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n刷屏\r\n--" .. b .. "--\r\n"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. b
wrk.headers["X-Forwarded-For"] = "203.0.113.9"

dofile(os.getenv("PACE_DIR") .. "/pace.lua")
delay = pacer(tonumber(os.getenv("FLOOD_RATE") or "5000"))

function init(args) refused = 0; other = 0 end
function response(status, headers, body)
  if status == 429 then refused = refused + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local r, o = 0, 0
  for _, t in ipairs(threads) do r = r + t:get("refused"); o = o + t:get("other") end
  io.write(string.format("FLOOD %d %d\n", r, o))
end
