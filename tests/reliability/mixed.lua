-- wrk script of test_load.py: requests go round the paths given after "--";
-- responses are counted and reported by bench/web/report.lua (one line
-- "WRK_RESULT {json}" with statuses, socket errors and the latency histogram).

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)")
dofile(here .. "../../bench/web/report.lua")

local report_init = init

function init(args)
  report_init(args)
  paths = args
  counter = 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
