--[[
  Lists the live workers: prunes the heartbeats that expired, then reads the others.

  KEYS[1] heartbeats hash (worker id -> heartbeat JSON)
  KEYS[2] expiry sorted set (worker id by expiry, server clock, ms)

  Returns worker id and heartbeat JSON, one pair after the other (false for a heartbeat missing from the hash).
]]
--#include lib/time.lua
--#include lib/workers.lua
local beatsKey = KEYS[1]
local expiryKey = KEYS[2]

pruneExpiredWorkers(beatsKey, expiryKey, serverTime())
local ids = redis.call('ZRANGE', expiryKey, 0, -1)
local result = {}
for i = 1, #ids, 500 do
  local chunk = {}
  for j = i, math.min(#ids, i + 499) do
    chunk[#chunk + 1] = ids[j]
  end
  local values = redis.call('HMGET', beatsKey, unpack(chunk))
  for j = 1, #chunk do
    result[#result + 1] = chunk[j]
    result[#result + 1] = values[j]
  end
end
return result
