--[[
  Moves a reserved task to its queue's dead-letter set, with why, in one step.

  Guarantees: only the reservation holding the current fencing token can dead-letter; the task keeps
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

  Returns 1 when dead-lettered, 0 when the lease was lost.
]]
--#include lib/deadLetters.lua
local id = ARGV[1]
local taskKey = KEYS[4] .. id
if redis.call('ZSCORE', KEYS[1], id) == false or redis.call('HGET', taskKey, 'tok') ~= ARGV[2] then
  return 0
end
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREM', KEYS[1], id)
redis.call('HDEL', taskKey, 'ecl', 'emsg', 'stack')
redis.call('HSET', taskKey, 'tok', '', 'reason', ARGV[3], 'dlat', nowMs)
for i = 4, #ARGV, 2 do
  redis.call('HSET', taskKey, ARGV[i], ARGV[i + 1])
end
addDeadLetter(KEYS[2], KEYS[3], id)
return 1
