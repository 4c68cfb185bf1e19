--[[
  Schedules the next attempt of a reserved task after a delay, in one step: it leaves the in-flight
  set and enters ready (no delay) or delayed. The failed attempt stays counted.

  Guarantees: only the reservation holding the current fencing token can retry; the task is never in
  two states nor in none.

  KEYS[1] in-flight sorted set
  KEYS[2] ready list
  KEYS[3] delayed sorted set (score: due time, server microseconds)
  KEYS[4] marker sorted set
  KEYS[5] stats hash
  KEYS[6] task key prefix

  ARGV[1] task id
  ARGV[2] lease token
  ARGV[3] delay in milliseconds

  Returns 1 when scheduled, 0 when the lease was lost.
]]
local id = ARGV[1]
local taskKey = KEYS[6] .. id
if redis.call('ZSCORE', KEYS[1], id) == false or redis.call('HGET', taskKey, 'tok') ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[1], id)
redis.call('HSET', taskKey, 'tok', '')
redis.call('HINCRBY', KEYS[5], 'retried', 1)
local delayMs = tonumber(ARGV[3])
if delayMs <= 0 then
  redis.call('RPUSH', KEYS[2], id)
  redis.call('ZADD', KEYS[4], 0, '0')
else
  local time = redis.call('TIME')
  local due = tonumber(time[1]) * 1000000 + tonumber(time[2]) + delayMs * 1000
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if first[2] == nil or tonumber(first[2]) > due then
    redis.call('ZADD', KEYS[4], 0, '0')
  end
  redis.call('ZADD', KEYS[3], due, id)
end
return 1
