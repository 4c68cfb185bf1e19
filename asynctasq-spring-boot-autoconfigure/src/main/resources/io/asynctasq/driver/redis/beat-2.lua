--[[
  Records (or replaces) a worker's heartbeat, live until the server clock passes now + ttl.

  Guarantees: the heartbeat and its expiry change in one step; heartbeats that expired are pruned; both
  keys expire themselves when the last heartbeat does, so a namespace no worker beats in any more leaves
  nothing behind.

  KEYS[1] heartbeats hash (worker id -> heartbeat JSON)
  KEYS[2] expiry sorted set (worker id by expiry, server clock, ms)

  ARGV[1] worker id
  ARGV[2] heartbeat JSON
  ARGV[3] ttl in milliseconds

  Returns the expiry (server clock, ms).
]]
--#include lib/time.lua
--#include lib/workers.lua
local beatsKey = KEYS[1]
local expiryKey = KEYS[2]

local workerId = ARGV[1]
local json = ARGV[2]
local ttl = tonumber(ARGV[3])

local now = serverTime()
pruneExpiredWorkers(beatsKey, expiryKey, now)
local expiresAt = now + ttl
redis.call('HSET', beatsKey, workerId, json)
redis.call('ZADD', expiryKey, expiresAt, workerId)
local last = redis.call('ZREVRANGE', expiryKey, 0, 0, 'WITHSCORES')
local keepUntil = math.max(expiresAt, tonumber(last[2]))
redis.call('PEXPIREAT', beatsKey, keepUntil)
redis.call('PEXPIREAT', expiryKey, keepUntil)
return expiresAt
