--[[
  Extends the lease of a reserved task to server now + ARGV[3] milliseconds.

  Guarantees: only the reservation holding the task (lib/lease.lua) can extend its lease, also when the
  lease already expired but no reserve reclaimed the task yet.

  KEYS[1] in-flight sorted set (score: lease deadline, server milliseconds)
  KEYS[2] task key prefix

  ARGV[1] task id
  ARGV[2] lease token
  ARGV[3] lease in milliseconds

  Returns the new lease deadline (server milliseconds, positive), or LEASE_LOST or NO_SUCH_TASK
  (lib/lease.lua).
]]
--#include lib/lease.lua
--#include lib/time.lua
local inFlightKey = KEYS[1]
local taskKeyPrefix = KEYS[2]

local id = ARGV[1]
local token = ARGV[2]
local leaseMs = tonumber(ARGV[3])

local lease = checkLease(taskKeyPrefix .. id, token)
if lease ~= DONE then
  return lease
end
local nowMs = serverTime()
local deadline = nowMs + leaseMs
redis.call('ZADD', inFlightKey, 'XX', deadline, id)
return deadline
