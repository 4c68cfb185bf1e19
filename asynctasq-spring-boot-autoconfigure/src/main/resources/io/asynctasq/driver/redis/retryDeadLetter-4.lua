--[[
  Moves a dead letter back to the end of its queue, ready now, with its attempts reset.

  Guarantees: the task leaves the dead-letter set and enters ready in one step; its failure fields
  are cleared.

  KEYS[1] dead-letter sorted set
  KEYS[2] ready list
  KEYS[3] marker sorted set
  KEYS[4] task key prefix

  ARGV[1] task id

  Returns 1 when moved, 0 when no such dead letter exists.
]]
local id = ARGV[1]
if redis.call('ZREM', KEYS[1], id) == 0 then
  return 0
end
local taskKey = KEYS[4] .. id
redis.call('HDEL', taskKey, 'reason', 'ecl', 'emsg', 'stack', 'dlat')
redis.call('HSET', taskKey, 'att', 0, 'tok', '')
redis.call('RPUSH', KEYS[2], id)
redis.call('ZADD', KEYS[3], 0, '0')
return 1
