--[[
  Moves a reserved task to its queue's dead-letter set, with why, in one step.

  Guarantees: only the reservation holding the task (lib/lease.lua) can dead-letter it; the task keeps
  its body, attempts and enqueue time; dead letters are ordered by a per-queue sequence (oldest
  first); the failed total is counted.

  KEYS[1] in-flight sorted set
  KEYS[2] dead-letter sorted set (score: dead-letter sequence)
  KEYS[3] stats hash
  KEYS[4] task key prefix

  ARGV[1] task id
  ARGV[2] lease token
  ARGV[3] reason
  ARGV[4..] pairs of failure field and value, only for the fields present:
            "ecl" error class, "emsg" error message, "stack" stack trace

  Returns DONE, LEASE_LOST or NO_SUCH_TASK (lib/lease.lua).
]]
--#include lib/lease.lua
--#include lib/time.lua
--#include lib/deadLetters.lua
local inFlightKey = KEYS[1]
local deadKey = KEYS[2]
local statsKey = KEYS[3]
local taskKeyPrefix = KEYS[4]

local id = ARGV[1]
local token = ARGV[2]
local reason = ARGV[3]
local firstFailureField = 4

local taskKey = taskKeyPrefix .. id
local lease = settleLease(inFlightKey, taskKey, id, token)
if lease ~= DONE then
  return lease
end
local nowMs = serverTime()
redis.call('HDEL', taskKey, 'ecl', 'emsg', 'stack')
redis.call('HSET', taskKey, 'tok', '', 'reason', reason, 'dlat', nowMs)
for i = firstFailureField, #ARGV, 2 do
  redis.call('HSET', taskKey, ARGV[i], ARGV[i + 1])
end
addDeadLetter(deadKey, statsKey, id)
return DONE
