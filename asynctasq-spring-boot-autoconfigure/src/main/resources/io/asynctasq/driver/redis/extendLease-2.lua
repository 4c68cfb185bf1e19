--[[
  Extends the lease of a reserved task to server now + ARGV[3] milliseconds.

  Guarantees: only the reservation holding the current fencing token can extend; a task whose lease
  already expired but that was not reclaimed yet is still held by its reservation and is extended.

  KEYS[1] in-flight sorted set
  KEYS[2] task key prefix

  ARGV[1] task id
  ARGV[2] lease token
  ARGV[3] lease in milliseconds

  Returns the new lease deadline (server milliseconds), or 0 when the lease was lost.
]]
local id = ARGV[1]
if redis.call('ZSCORE', KEYS[1], id) == false or redis.call('HGET', KEYS[2] .. id, 'tok') ~= ARGV[2] then
  return 0
end
local time = redis.call('TIME')
local deadline = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], 'XX', deadline, id)
return deadline
