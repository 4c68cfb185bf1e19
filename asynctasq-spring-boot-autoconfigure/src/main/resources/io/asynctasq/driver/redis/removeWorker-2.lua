--[[
  Removes a worker's heartbeat at once (it stopped).

  KEYS[1] heartbeats hash (worker id -> heartbeat JSON)
  KEYS[2] expiry sorted set (worker id by expiry, server clock, ms)

  ARGV[1] worker id

  Returns 1 when there was a heartbeat, 0 when there was none.
]]
local beatsKey = KEYS[1]
local expiryKey = KEYS[2]

local workerId = ARGV[1]

redis.call('ZREM', expiryKey, workerId)
return redis.call('HDEL', beatsKey, workerId)
