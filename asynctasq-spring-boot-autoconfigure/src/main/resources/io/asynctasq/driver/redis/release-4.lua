--[[
  Returns a reserved task to the front of its queue without counting the attempt (shutdown, a task
  that never started).

  Guarantees: only the reservation holding the current fencing token can release; the attempt
  counter is decremented in the same step that moves the task.

  KEYS[1] in-flight sorted set
  KEYS[2] ready list
  KEYS[3] marker sorted set
  KEYS[4] task key prefix

  ARGV[1] task id
  ARGV[2] lease token

  Returns 1 when released, 0 when the lease was lost.
]]
local id = ARGV[1]
local taskKey = KEYS[4] .. id
if redis.call('ZSCORE', KEYS[1], id) == false or redis.call('HGET', taskKey, 'tok') ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[1], id)
redis.call('HSET', taskKey, 'tok', '')
redis.call('HINCRBY', taskKey, 'att', -1)
redis.call('LPUSH', KEYS[2], id)
redis.call('ZADD', KEYS[3], 0, '0')
return 1
