--[[
  Finds one task of a queue by id, wherever it is: ready, delayed, in flight or dead-lettered. Read only.

  The task hash says whether the queue holds the task; the sets say where: a dead letter is in the
  dead-letter set, a reserved task in the in-flight set (an expired lease that no reserve reclaimed yet
  is ready, as reserve takes it), a delayed task in the delayed set (one already due is ready); any other
  task is in the ready list (not searched: LPOS would walk it).

  KEYS[1] delayed sorted set (score: due time, server microseconds)
  KEYS[2] in-flight sorted set (score: lease deadline, server milliseconds)
  KEYS[3] dead-letter sorted set
  KEYS[4] task key prefix

  ARGV[1] task id

  Returns {} when the queue holds no such task (or its key is not a hash), else { state ('ready',
  'delayed', 'inflight' or 'dead'), due time or lease deadline (ms, '' when none), body, enqueued-at (ms),
  attempts, reason, error class, error message, stack trace, dead-lettered-at (ms), each '' when absent,
  then a bit mask of the error fields present (1 error class, 2 error message, 4 stack trace) }.
]]
--#include lib/time.lua
local delayedKey = KEYS[1]
local inFlightKey = KEYS[2]
local deadKey = KEYS[3]
local taskKeyPrefix = KEYS[4]

local id = ARGV[1]

local f = redis.pcall('HMGET', taskKeyPrefix .. id, 'body', 'enq', 'att', 'reason', 'ecl', 'emsg', 'stack', 'dlat')
if f.err or not (f[1] or f[2] or f[3]) then
  return {}
end
local nowMs, nowUs = serverTime()
local state = 'ready'
local due = ''
if redis.call('ZSCORE', deadKey, id) then
  state = 'dead'
else
  local lease = redis.call('ZSCORE', inFlightKey, id)
  if lease and tonumber(lease) > nowMs then
    state = 'inflight'
    due = lease
  elseif not lease then
    local delayed = redis.call('ZSCORE', delayedKey, id)
    if delayed and tonumber(delayed) > nowUs then
      state = 'delayed'
      due = tostring(math.floor(tonumber(delayed) / 1000))
    end
  end
end
local result = { state, due }
for i = 1, 8 do
  table.insert(result, f[i] or '')
end
local mask = 0
if f[5] then mask = mask + 1 end
if f[6] then mask = mask + 2 end
if f[7] then mask = mask + 4 end
table.insert(result, mask)
return result
