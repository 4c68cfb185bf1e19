--[[
  Moves a dead letter back to the end of its queue, ready now, with its attempts reset.

  Guarantees: the task leaves the dead-letter set and enters ready in one step; its failure fields
  are cleared; idle workers are woken (lib/marker.lua).

  KEYS[1] dead-letter sorted set
  KEYS[2] ready list
  KEYS[3] marker sorted set
  KEYS[4] task key prefix

  ARGV[1] task id

  Returns 1 when moved, 0 when no such dead letter exists.
]]
--#include lib/marker.lua
local deadKey = KEYS[1]
local readyKey = KEYS[2]
local markerKey = KEYS[3]
local taskKeyPrefix = KEYS[4]

local id = ARGV[1]

if redis.call('ZREM', deadKey, id) == 0 then
  return 0
end
local taskKey = taskKeyPrefix .. id
redis.call('HDEL', taskKey, 'reason', 'ecl', 'emsg', 'stack', 'dlat')
redis.call('HSET', taskKey, 'att', 0, 'tok', '')
redis.call('RPUSH', readyKey, id)
wakeIdleWorkers(markerKey)
return 1
