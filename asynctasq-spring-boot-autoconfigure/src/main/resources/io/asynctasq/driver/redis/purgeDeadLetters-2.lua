--[[
  Deletes every dead letter of one queue.

  Guarantees: the dead-letter set and the tasks it holds are deleted in one step; other states of the
  queue are untouched.

  KEYS[1] dead-letter sorted set
  KEYS[2] task key prefix

  Returns how many dead letters were deleted.
]]
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for i = 1, #ids, 500 do
  local keys = {}
  for j = i, math.min(i + 499, #ids) do
    table.insert(keys, KEYS[2] .. ids[j])
  end
  redis.call('DEL', unpack(keys))
end
redis.call('DEL', KEYS[1])
return #ids
