--[[
  Enqueues tasks, ready now or delayed.

  Guarantees: each task is stored (its hash) and placed in exactly one of ready or delayed in one
  atomic step (one RPUSH or ZADD for all the tasks of the call); a task id that already exists is
  left alone (a repeated enqueue is a no-op), unless it is a dead letter: the new task replaces it.
  Delayed tasks are scored in server microseconds plus their index, so tasks enqueued together keep
  their order. Idle workers are woken when a task is ready, or when a delayed task becomes the
  earliest one (lib/marker.lua).

  KEYS[1] ready list
  KEYS[2] delayed sorted set (score: due time, server microseconds)
  KEYS[3] marker sorted set (idle workers block on it)
  KEYS[4] task key prefix ("<prefix>:{<queue>}:task:")
  KEYS[5] dead-letter sorted set

  ARGV[1] delay in milliseconds (0: ready now)
  ARGV[2..] triples: task id, body, enqueued-at epoch milliseconds

  Returns the number of tasks stored.
]]
--#include lib/time.lua
--#include lib/marker.lua
local readyKey = KEYS[1]
local delayedKey = KEYS[2]
local markerKey = KEYS[3]
local taskKeyPrefix = KEYS[4]
local deadKey = KEYS[5]

local delayMs = tonumber(ARGV[1])
local firstTask = 2

local _, nowUs = serverTime()
local stored = 0
local ready = {}
local delayed = {}
for i = firstTask, #ARGV, 3 do
  local id = ARGV[i]
  local taskKey = taskKeyPrefix .. id
  local exists = redis.call('EXISTS', taskKey) == 1
  if exists and redis.call('ZREM', deadKey, id) == 1 then
    redis.call('DEL', taskKey)
    exists = false
  end
  if not exists then
    redis.call('HSET', taskKey, 'body', ARGV[i + 1], 'enq', ARGV[i + 2], 'att', 0, 'tok', '')
    if delayMs <= 0 then
      table.insert(ready, id)
    else
      table.insert(delayed, nowUs + delayMs * 1000 + stored)
      table.insert(delayed, id)
    end
    stored = stored + 1
  end
end
local wake = #ready > 0
for i = 1, #ready, 1000 do
  redis.call('RPUSH', readyKey, unpack(ready, i, math.min(i + 999, #ready)))
end
if #delayed > 0 then
  -- the first task of the call is its earliest
  if isEarliestDelayed(delayedKey, delayed[1]) then
    wake = true
  end
  for i = 1, #delayed, 1000 do
    redis.call('ZADD', delayedKey, unpack(delayed, i, math.min(i + 999, #delayed)))
  end
end
if wake then
  wakeIdleWorkers(markerKey)
end
return stored
