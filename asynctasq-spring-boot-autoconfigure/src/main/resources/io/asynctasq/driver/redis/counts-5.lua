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
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local nowUs = tonumber(time[1]) * 1000000 + tonumber(time[2])
local dueDelayed = redis.call('ZCOUNT', KEYS[2], '-inf', nowUs)
local expired = redis.call('ZCOUNT', KEYS[3], '-inf', nowMs)
local totals = redis.call('HMGET', KEYS[5], 'completed', 'failed', 'retried')
return {
  redis.call('LLEN', KEYS[1]) + dueDelayed + expired,
  redis.call('ZCARD', KEYS[2]) - dueDelayed,
  redis.call('ZCARD', KEYS[3]) - expired,
  redis.call('ZCARD', KEYS[4]),
  tonumber(totals[1] or 0),
  tonumber(totals[2] or 0),
  tonumber(totals[3] or 0)
}
