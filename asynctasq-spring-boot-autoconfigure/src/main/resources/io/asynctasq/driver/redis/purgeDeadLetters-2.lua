--[[
  Deletes one chunk of a queue's dead letters, oldest first; the driver calls it until a chunk comes
  back short, so purging a very large dead-letter set never blocks Redis for long nor builds a large
  reply.

  Guarantees: each chunk (the dead letters and their task hashes) is deleted in one step; only dead
  letters up to the bound are deleted, so tasks dead-lettered while a purge runs are kept; other
  states of the queue are untouched.

  KEYS[1] dead-letter sorted set (score: dead-letter sequence)
  KEYS[2] task key prefix

  ARGV[1] highest sequence to delete, or '' on the first call (the newest dead letter's)
  ARGV[2] chunk size

  Returns { how many dead letters were deleted, the bound (for the next calls) }.
]]
local deadKey = KEYS[1]
local taskKeyPrefix = KEYS[2]

local bound = ARGV[1]
local chunk = tonumber(ARGV[2])

if bound == '' then
  local newest = redis.call('ZRANGE', deadKey, -1, -1, 'WITHSCORES')
  if newest[2] == nil then
    return { 0, '' }
  end
  bound = newest[2]
end
local ids = redis.call('ZRANGEBYSCORE', deadKey, '-inf', bound, 'LIMIT', 0, chunk)
if #ids > 0 then
  local taskKeys = {}
  for i = 1, #ids do
    taskKeys[i] = taskKeyPrefix .. ids[i]
  end
  redis.call('DEL', unpack(taskKeys))
  redis.call('ZREM', deadKey, unpack(ids))
end
return { #ids, bound }
