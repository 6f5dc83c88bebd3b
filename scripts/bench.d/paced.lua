-- wrk script for scripts/bench.d/clues.sh: the office's ledger asked LEDGER_RATE times a second in all (pace.lua),
-- an office at work rather than a client taking whatever CPU is left: its p99 is then what a person waits, alone
-- and under the public's load. LEDGER_RATE 0: as fast as the answers come.
dofile(os.getenv("PACE_DIR") .. "/pace.lua")
delay = pacer(tonumber(os.getenv("LEDGER_RATE") or "0"))
