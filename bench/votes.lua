-- wrk script for bench/votes_ingest.py: POST Telegram poll_answer updates, each with its own
-- update_id and voter, so every request must become exactly one stored vote.
--   VOTES_PORTS=8001,8002 wrk -t2 -c32 -d10s -s bench/votes.lua http://127.0.0.1:8001 \
--       -- SECRET POLL_ID FIRST
-- Thread t sends to the t-th port of VOTES_PORTS (round robin; all to the URL's port when unset)
-- and numbers its updates FIRST + t * 100000000 + 1, 2, ... (voter 10000000 + number, as the
-- Python generator does); done() prints one JSON line with
-- the requests generated, the answers seen (200 or not) and the latency percentiles.

local threads = {}
local ports = {}
for port in string.gmatch(os.getenv("VOTES_PORTS") or "", "%d+") do
   table.insert(ports, port)
end
local secret, poll_id, first

function setup(thread)
   if #ports > 0 then
      thread.addr = wrk.lookup("127.0.0.1", ports[(#threads % #ports) + 1])[1]
   end
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

function init(args)
   secret, poll_id, first = args[1], args[2], tonumber(args[3])
   base = first + tid * 100000000
   generated, ok, bad = 0, 0, 0
end

function request()
   generated = generated + 1
   local n = base + generated
   local body = string.format(
      '{"update_id":%d,"poll_answer":{"poll_id":"%s","user":{"id":%d,"is_bot":false,' ..
      '"first_name":"Warga"},"option_ids":[%d]}}', n, poll_id, 10000000 + n, n % 2)
   local headers = {
      ["Content-Type"] = "application/json",
      ["X-Telegram-Bot-Api-Secret-Token"] = secret,
   }
   return wrk.format("POST", "/hooks/tg/telegram", headers, body)
end

function response(status, headers, body)
   if status == 200 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
   local generated_all, ok_all, bad_all = 0, 0, 0
   for _, thread in ipairs(threads) do
      generated_all = generated_all + thread:get("generated")
      ok_all = ok_all + thread:get("ok")
      bad_all = bad_all + thread:get("bad")
   end
   io.write(string.format(
      'WRK_RESULT {"generated":%d,"ok":%d,"bad":%d,"completed":%d,"seconds":%.3f,' ..
      '"errors":%d,"p50_ms":%.2f,"p99_ms":%.2f}\n',
      generated_all, ok_all, bad_all, summary.requests, summary.duration / 1e6,
      summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.status + summary.errors.timeout,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
