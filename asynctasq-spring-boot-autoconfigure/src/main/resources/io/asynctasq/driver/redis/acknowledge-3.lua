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

local replies = {}
local completed = 0
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  local taskKey = taskKeyPrefix .. id
  local lease = settleLease(inFlightKey, taskKey, id, ARGV[i + 1])
  if lease == DONE then
    redis.call('DEL', taskKey)
    completed = completed + 1
  end
  replies[#replies + 1] = lease
end
if completed > 0 then
  redis.call('HINCRBY', statsKey, 'completed', completed)
end
return replies
