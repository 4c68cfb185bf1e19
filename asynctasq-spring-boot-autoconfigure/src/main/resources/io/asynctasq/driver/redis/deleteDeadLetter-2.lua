--[[
  Deletes one dead letter for good.

  Guarantees: the task leaves the dead-letter set and its hash is deleted in one step, and only when it
  is a dead letter: a task retried meanwhile (back in its queue) is left alone.

  KEYS[1] dead-letter sorted set
  KEYS[2] task key prefix

  ARGV[1] task id

  Returns 1 when deleted, 0 when no such dead letter exists.
]]
local deadKey = KEYS[1]
local taskKeyPrefix = KEYS[2]

local id = ARGV[1]

if redis.call('ZREM', deadKey, id) == 0 then
  return 0
end
redis.call('DEL', taskKeyPrefix .. id)
return 1
