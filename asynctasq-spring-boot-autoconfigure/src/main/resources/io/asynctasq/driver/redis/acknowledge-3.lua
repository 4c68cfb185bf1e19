--[[
  Acknowledges completed tasks of one queue, one or many: each is deleted, and the completed total
  counted once for all of them.

  Guarantees: only the reservation holding a task (lib/lease.lua) can acknowledge it; a stale
  reservation changes nothing, and the other tasks of the call are acknowledged all the same.

  KEYS[1] in-flight sorted set
  KEYS[2] stats hash (completed, failed, retried totals)
  KEYS[3] task key prefix

  ARGV[2i-1] task id of the i-th task
  ARGV[2i]   its lease token

  Returns, per task in order, DONE, LEASE_LOST or NO_SUCH_TASK (lib/lease.lua).
]]
--#include lib/lease.lua
local inFlightKey = KEYS[1]
local statsKey = KEYS[2]
local taskKeyPrefix = KEYS[3]

-- the held tasks leave the in-flight set and are deleted with one ZREM and one DEL for all of them
local replies = {}
local ids = {}
local taskKeys = {}
local done = {}
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  local taskKey = taskKeyPrefix .. id
  -- a task named twice is gone by its second turn, as if acknowledged one by one
  local lease = done[id] and NO_SUCH_TASK or checkLease(taskKey, ARGV[i + 1])
  if lease == DONE then
    done[id] = true
    ids[#ids + 1] = id
    taskKeys[#taskKeys + 1] = taskKey
  end
  replies[#replies + 1] = lease
end
if #ids > 0 then
  redis.call('ZREM', inFlightKey, unpack(ids))
  redis.call('DEL', unpack(taskKeys))
  redis.call('HINCRBY', statsKey, 'completed', #ids)
end
return replies
