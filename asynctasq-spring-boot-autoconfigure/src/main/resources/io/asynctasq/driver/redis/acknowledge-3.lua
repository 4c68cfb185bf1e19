--[[
  Acknowledges a completed task: it is deleted, and the completed total counted.

  Guarantees: only the reservation holding the task (lib/lease.lua) can acknowledge it; a stale
  reservation changes nothing.

  KEYS[1] in-flight sorted set
  KEYS[2] stats hash (completed, failed, retried totals)
  KEYS[3] task key prefix

  ARGV[1] task id
  ARGV[2] lease token

  Returns DONE, LEASE_LOST or NO_SUCH_TASK (lib/lease.lua).
]]
--#include lib/lease.lua
local inFlightKey = KEYS[1]
local statsKey = KEYS[2]
local taskKeyPrefix = KEYS[3]

local id = ARGV[1]
local token = ARGV[2]

local taskKey = taskKeyPrefix .. id
local lease = settleLease(inFlightKey, taskKey, id, token)
if lease ~= DONE then
  return lease
end
redis.call('DEL', taskKey)
redis.call('HINCRBY', statsKey, 'completed', 1)
return DONE
