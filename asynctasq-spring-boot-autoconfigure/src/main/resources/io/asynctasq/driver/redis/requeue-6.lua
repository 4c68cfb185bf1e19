--[[
  Takes a reserved task out of the in-flight set and back into its queue, in one step: retry (the
  failed attempt stays counted, after a delay), postpone (the attempt is given back, after a delay)
  or release (the attempt is given back, at the front of ready).

  Guarantees: only the reservation holding the task (lib/lease.lua) can requeue it; the task is never
  in two states nor in none; a delay of 0 appends it to ready and a delay puts it among the delayed
  tasks; idle workers are woken when it is ready, or when it becomes the earliest delayed task
  (lib/marker.lua). An attempt is given back only from a counter a reserve incremented
  (lib/counters.lua).

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

  Returns DONE, LEASE_LOST or NO_SUCH_TASK (lib/lease.lua).
]]
--#include lib/lease.lua
--#include lib/time.lua
--#include lib/marker.lua
--#include lib/counters.lua
local inFlightKey = KEYS[1]
local readyKey = KEYS[2]
local delayedKey = KEYS[3]
local markerKey = KEYS[4]
local statsKey = KEYS[5]
local taskKeyPrefix = KEYS[6]

local id = ARGV[1]
local token = ARGV[2]
local delayMs = tonumber(ARGV[3])
local mode = ARGV[4]
local maxAttempt = tonumber(ARGV[5])

local taskKey = taskKeyPrefix .. id
local lease = settleLease(inFlightKey, taskKey, id, token)
if lease ~= DONE then
  return lease
end
redis.call('HSET', taskKey, 'tok', '')
if mode == 'retry' then
  redis.call('HINCRBY', statsKey, 'retried', 1)
else
  local made = storedAttempts(redis.call('HGET', taskKey, 'att'), maxAttempt)
  if made and made > 0 then
    redis.call('HSET', taskKey, 'att', made - 1)
  end
end
if mode == 'release' then
  redis.call('LPUSH', readyKey, id)
  wakeIdleWorkers(markerKey)
elseif delayMs <= 0 then
  redis.call('RPUSH', readyKey, id)
  wakeIdleWorkers(markerKey)
else
  local _, nowUs = serverTime()
  local dueUs = nowUs + delayMs * 1000
  if isEarliestDelayed(delayedKey, dueUs) then
    wakeIdleWorkers(markerKey)
  end
  redis.call('ZADD', delayedKey, dueUs, id)
end
return DONE
