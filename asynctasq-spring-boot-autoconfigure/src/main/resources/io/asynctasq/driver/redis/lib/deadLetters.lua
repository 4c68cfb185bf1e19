--[[
  Dead-letter bookkeeping: dead letters are ordered by a per-queue sequence (oldest first) and
  counted in the failed total.
]]
-- lists the task (its hash already holds why) as the newest dead letter of its queue
local function addDeadLetter(deadKey, statsKey, id)
  local sequence = redis.call('HINCRBY', statsKey, 'dead-sequence', 1)
  redis.call('ZADD', deadKey, sequence, id)
  redis.call('HINCRBY', statsKey, 'failed', 1)
end
