--[[
  The server's clock, which every delay and lease is measured on (worker clocks never matter).
]]
-- server now as epoch milliseconds (lease deadlines) and epoch microseconds (delayed scores)
local function serverTime()
  local time = redis.call('TIME')
  local seconds = tonumber(time[1])
  local micros = tonumber(time[2])
  return seconds * 1000 + math.floor(micros / 1000), seconds * 1000000 + micros
end
