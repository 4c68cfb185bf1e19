--[[
  Whether reserve would find a task of one queue now, read only. A worker serving several queues sends
  one peek per queue in one pipeline (one round trip), then reserves from the queues that answered
  "now", in priority order, instead of one reserve round trip per queue: a hint, as reserve stays the
  only step that takes a task.

  KEYS[1] ready list
  KEYS[2] delayed sorted set (score: due time, server microseconds)
  KEYS[3] in-flight sorted set (score: lease deadline, server milliseconds)

  Returns -2 when a task is ready, a delayed task is due or a lease has expired; otherwise the
  milliseconds until the earliest delayed task is due or lease expires, or -1 when there is neither.
]]
--#include lib/time.lua
if redis.call('LLEN', KEYS[1]) > 0 then
  return -2
end
local nowMs, nowUs = serverTime()
local nextDue = -1
local firstDelayed = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if firstDelayed[2] then
  local dueUs = tonumber(firstDelayed[2])
  if dueUs <= nowUs then
    return -2
  end
  nextDue = math.floor((dueUs - nowUs) / 1000)
end
local firstLease = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
if firstLease[2] then
  local leaseMs = tonumber(firstLease[2])
  if leaseMs <= nowMs then
    return -2
  end
  if nextDue < 0 or leaseMs - nowMs < nextDue then
    nextDue = leaseMs - nowMs
  end
end
return nextDue
