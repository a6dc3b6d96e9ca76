-- Shared by every load script: `done` prints one line, `WRK_RESULT {json}`, that benchmarks/server_load.py reads.
-- Latencies are in microseconds, as wrk records them. A script may define `extra_fields(threads)` returning more
-- `,"name":value` JSON text (e.g. completed flows), summed over its threads.

threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function done(summary, latency, requests)
   local e = summary.errors
   local extra = ""
   if extra_fields then
      extra = extra_fields(threads)
   end
   io.write(string.format(
      'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"p50":%d,"p99":%d,"p999":%d,"max":%d}%s}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
      latency.max, extra))
end
