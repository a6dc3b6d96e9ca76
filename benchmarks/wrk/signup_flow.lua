-- Complete email-OTP sign-up flows, each read end to end from the wire:
--   E1 (sign-up start) -> E2 (challenge) -> GET /_mock/outbox?to=ADDRESS (the code, from the control API) -> E3
--   (continue, grant_type=oob) -> E6 (token, grant_type=continuation_token).
-- `wrk -s signup_flow.lua URL -- RUN_NONCE E1 E2 E3 E6`: RUN_NONCE keeps addresses unique across runs against one mock
-- process; the four paths come from the OpenAPI document (`server_load.FLOW_PATHS`).
--
-- Every connection sends whatever step is ready next: a response queues its flow's next request, found again by the
-- `client-request-id` each flow sends (a GUID the mock echoes). So each connection carries one request at a time, and
-- with N connections at most N flows are in progress.

local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
dofile(here .. "report.lua")

local BASE = "/contoso.onmicrosoft.com"
local APP = "22223333-cccc-4444-dddd-5555eeee6666" -- the bundled tenant's email-OTP app
local FORM = { ["Content-Type"] = "application/x-www-form-urlencoded" }

local nonce, serial = "0", 0
local START, CHALLENGE, CONTINUE, TOKEN -- the endpoint paths, from the command line
local ready = {} -- requests whose turn has come
local flows = {} -- client-request-id -> { address, step }
completed, failed = 0, 0

local function headers(crid)
   return { ["Content-Type"] = FORM["Content-Type"], ["client-request-id"] = crid }
end

local function post(path, crid, body)
   return wrk.format("POST", BASE .. path, headers(crid), body)
end

function init(args)
   nonce = args[1] or "0"
   START, CHALLENGE, CONTINUE, TOKEN = args[2], args[3], args[4], args[5]
   assert(TOKEN, "usage: signup_flow.lua RUN_NONCE E1_PATH E2_PATH E3_PATH E6_PATH")
end

function request()
   local next_request = table.remove(ready)
   if next_request then
      return next_request
   end
   serial = serial + 1
   local crid = string.format("%08x-%04x-4000-8000-%012x", tonumber(nonce, 16) % 0xffffffff, id, serial)
   local address = string.format("flow-%s-%d-%d@example.com", nonce, id, serial)
   flows[crid] = { address = address, step = "start" }
   return post(START, crid, "client_id=" .. APP .. "&challenge_type=oob%20redirect&username="
      .. address:gsub("@", "%%40") .. "&attributes=%7B%22displayName%22%3A%22Bench%22%7D")
end

local function token_of(body)
   return body:match('"continuation_token"%s*:%s*"([^"]+)"')
end

local function fail(crid)
   failed = failed + 1
   flows[crid] = nil
end

function response(status, hdrs, body)
   local crid = hdrs["client-request-id"]
   local flow = crid and flows[crid]
   if not flow then
      return
   end
   if status ~= 200 then
      return fail(crid)
   end
   local step = flow.step
   if step == "start" then
      flow.step = "challenge"
      table.insert(ready, post(CHALLENGE, crid,
         "client_id=" .. APP .. "&challenge_type=oob%20redirect&continuation_token=" .. token_of(body)))
   elseif step == "challenge" then
      flow.step, flow.token = "outbox", token_of(body)
      table.insert(ready, wrk.format("GET", "/_mock/outbox?to=" .. flow.address:gsub("@", "%%40"),
         { ["client-request-id"] = crid }))
   elseif step == "outbox" then
      local code = body:match('"code"%s*:%s*"(%d+)"')
      if not code then
         return fail(crid)
      end
      flow.step = "continue"
      table.insert(ready, post(CONTINUE, crid,
         "client_id=" .. APP .. "&grant_type=oob&oob=" .. code .. "&continuation_token=" .. flow.token))
   elseif step == "continue" then
      flow.step = "token"
      table.insert(ready, post(TOKEN, crid, "client_id=" .. APP
         .. "&grant_type=continuation_token&scope=openid&continuation_token=" .. token_of(body)))
   else
      completed = completed + 1
      flows[crid] = nil
   end
end

function extra_fields(threads)
   local done_flows, broken = 0, 0
   for _, thread in ipairs(threads) do
      done_flows = done_flows + thread:get("completed")
      broken = broken + thread:get("failed")
   end
   return string.format(',"flows":%d,"failed_flows":%d', done_flows, broken)
end
