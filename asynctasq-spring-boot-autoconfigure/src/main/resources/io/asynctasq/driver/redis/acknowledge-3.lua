--[[
  Acknowledges a completed task: it is deleted, and the completed total counted.

  Guarantees: only the reservation holding the current fencing token can acknowledge; a stale
  reservation (its lease expired and the task was reserved again, or it was already settled) changes
  nothing.

  KEYS[1] in-flight sorted set
  KEYS[2] stats hash (completed, failed, retried totals)
  KEYS[3] task key prefix

  ARGV[1] task id
  ARGV[2] lease token

  Returns 1 when acknowledged, 0 when the lease was lost.
]]
local taskKey = KEYS[3] .. ARGV[1]
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false or redis.call('HGET', taskKey, 'tok') ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', taskKey)
redis.call('HINCRBY', KEYS[2], 'completed', 1)
return 1
