--[[
  Acknowledges a completed task: it is deleted, and the completed total counted.

  Guarantees: only the reservation holding the current fencing token can acknowledge; a stale
  reservation (its lease expired and the task was reserved again, or it was already settled) changes
  nothing. A task holds a non-empty token exactly while it is in flight (every transition out of the
  in-flight set clears it or deletes the task), so the token check alone proves the task in flight.

  KEYS[1] in-flight sorted set
  KEYS[2] stats hash (completed, failed, retried totals)
  KEYS[3] task key prefix

  ARGV[1] task id
  ARGV[2] lease token

  Returns 1 when acknowledged, 0 when the lease was lost.
]]
local taskKey = KEYS[3] .. ARGV[1]
if ARGV[2] == '' or redis.call('HGET', taskKey, 'tok') ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', taskKey)
redis.call('HINCRBY', KEYS[2], 'completed', 1)
return 1
