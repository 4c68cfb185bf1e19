--[[
  Counts one queue's tasks per state, in O(log n), without changing anything. Due delayed tasks and
  tasks whose lease expired count as ready, as the next reservation makes them.

  KEYS[1] ready list
  KEYS[2] delayed sorted set (score: due time, server microseconds)
  KEYS[3] in-flight sorted set (score: lease deadline, server milliseconds)
  KEYS[4] dead-letter sorted set
  KEYS[5] stats hash

  Returns { ready, delayed, in flight, dead-lettered, completed total, failed total, retried total }.
]]
--#include lib/time.lua
local readyKey = KEYS[1]
local delayedKey = KEYS[2]
local inFlightKey = KEYS[3]
local deadKey = KEYS[4]
local statsKey = KEYS[5]

local nowMs, nowUs = serverTime()
local dueDelayed = redis.call('ZCOUNT', delayedKey, '-inf', nowUs)
local expired = redis.call('ZCOUNT', inFlightKey, '-inf', nowMs)
local totals = redis.call('HMGET', statsKey, 'completed', 'failed', 'retried')
return {
  redis.call('LLEN', readyKey) + dueDelayed + expired,
  redis.call('ZCARD', delayedKey) - dueDelayed,
  redis.call('ZCARD', inFlightKey) - expired,
  redis.call('ZCARD', deadKey),
  tonumber(totals[1] or 0),
  tonumber(totals[2] or 0),
  tonumber(totals[3] or 0)
}
