-- One static form POST, repeated: `wrk -s form_post.lua URL -- BODY [MAX]`.
-- BODY is the urlencoded form; with MAX, each wrk thread stops after MAX responses (to reach a request count).

local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
dofile(here .. "report.lua")

local limit, seen = nil, 0

function init(args)
   wrk.method = "POST"
   wrk.body = args[1]
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   limit = tonumber(args[2])
   if limit then
      response = function(status, headers, body)
         seen = seen + 1
         if seen >= limit then
            wrk.thread:stop()
         end
      end
   end
end
