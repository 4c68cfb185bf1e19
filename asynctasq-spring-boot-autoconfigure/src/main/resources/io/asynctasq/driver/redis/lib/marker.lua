--[[
  Idle workers block on a queue's marker sorted set (BZPOPMIN). A transition that makes a task ready
  sets the marker, and so does one that makes a delayed task the earliest (the workers then recompute
  how long to wait).
]]
-- wakes the queue's idle workers (LettuceMarkerWaiter puts a wake-up back the same way)
local function wakeIdleWorkers(markerKey)
  redis.call('ZADD', markerKey, 0, '0')
end

-- whether a delayed task due at dueUs (server microseconds) comes before every delayed task stored
local function isEarliestDelayed(delayedKey, dueUs)
  local first = redis.call('ZRANGE', delayedKey, 0, 0, 'WITHSCORES')
  return first[2] == nil or tonumber(first[2]) > dueUs
end
