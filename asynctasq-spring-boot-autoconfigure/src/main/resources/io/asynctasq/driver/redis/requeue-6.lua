--[[
  Takes a reserved task out of the in-flight set and back into its queue, in one step: retry (the
  failed attempt stays counted, after a delay), postpone (the attempt is given back, after a delay)
  or release (the attempt is given back, at the front of ready).

  Guarantees: only the reservation holding the current fencing token can requeue; the task is never in
  two states nor in none; a delay of 0 appends it to ready and a delay puts it among the delayed
  tasks; idle workers are woken when it is ready, or when it becomes the earliest delayed task (so they
  recompute how long to wait). An attempt is given back only from a counter a reserve incremented
  (see lib/counters.lua).

  KEYS[1] in-flight sorted set
  KEYS[2] ready list
  KEYS[3] delayed sorted set (score: due time, server microseconds)
  KEYS[4] marker sorted set
  KEYS[5] stats hash
  KEYS[6] task key prefix

  ARGV[1] task id
  ARGV[2] lease token
  ARGV[3] delay in milliseconds (ignored by release)
  ARGV[4] 'retry', 'postpone' or 'release'
  ARGV[5] highest attempt counter (Reservation.MAX_ATTEMPT)

  Returns 1 when requeued, 0 when the lease was lost.
]]
--#include lib/counters.lua
local id = ARGV[1]
local taskKey = KEYS[6] .. id
if redis.call('ZSCORE', KEYS[1], id) == false or redis.call('HGET', taskKey, 'tok') ~= ARGV[2] then
  return 0
end
local mode = ARGV[4]
redis.call('ZREM', KEYS[1], id)
redis.call('HSET', taskKey, 'tok', '')
if mode == 'retry' then
  redis.call('HINCRBY', KEYS[5], 'retried', 1)
else
  local made = storedAttempts(redis.call('HGET', taskKey, 'att'), tonumber(ARGV[5]))
  if made and made > 0 then
    redis.call('HSET', taskKey, 'att', made - 1)
  end
end
local delayMs = tonumber(ARGV[3])
if mode == 'release' then
  redis.call('LPUSH', KEYS[2], id)
  redis.call('ZADD', KEYS[4], 0, '0')
elseif delayMs <= 0 then
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
