--[[
  Reserves up to ARGV[1] tasks of one queue.

  First, in the same atomic step: tasks whose lease expired go back to the front of ready (their
  attempt stays counted) and due delayed tasks are appended to ready, oldest due first. A delayed
  task leaves the delayed set in the same step that appends it, so two workers can never both
  promote it. Then up to ARGV[1] tasks are popped from the front of ready: each gets its attempt
  counter incremented and a fresh fencing token (one HSET), and all of them one lease
  deadline (server clock) in the in-flight set (one ZADD). When ready tasks remain, idle workers
  are woken again for them (lib/marker.lua).

  Each popped id is read and settled on its own, so a malformed record never fails the others:
  - a task hash is handed out whatever it holds, its fields as stored and flags saying which it has
    (the driver makes a missing or odd field a corrupt reservation, which the worker dead-letters
    unrun); its counter is incremented only when sound (lib/counters.lua);
  - a task key that is not a hash is dead-lettered here, its value kept as the body (GET for a
    string, DUMP otherwise) and the reason naming its type;
  - an id without a task key, or popped twice by one call, is dropped (there is nothing to keep) and
    reported.
  At most 100 records are settled here per call; the marker wakes a worker for what remains.

  KEYS[1] ready list
  KEYS[2] delayed sorted set (score: due time, server microseconds)
  KEYS[3] in-flight sorted set (score: lease deadline, server milliseconds)
  KEYS[4] marker sorted set
  KEYS[5] task key prefix
  KEYS[6] dead-letter sorted set
  KEYS[7] stats hash

  ARGV[1] maximum number of tasks to reserve
  ARGV[2] lease in milliseconds
  ARGV[3] token base (random, unique per call); the token of the i-th task is "<base>.<i>"
  ARGV[4] highest attempt counter (Reservation.MAX_ATTEMPT)

  Returns { server now (ms), next due time (ms) of a delayed task or lease, or -1 (always -1 when a
  task was reserved), lease deadline (ms), number of tasks reserved, then per task: id, token,
  fields present (bit mask: 1 body, 2 enqueued-at, 4 attempts), body, enqueued-at (ms), attempts made
  before this reservation (the last three as stored, '' when absent), then per record settled here:
  id, what was done }.
]]
--#include lib/time.lua
--#include lib/marker.lua
--#include lib/counters.lua
--#include lib/deadLetters.lua
local readyKey = KEYS[1]
local delayedKey = KEYS[2]
local inFlightKey = KEYS[3]
local markerKey = KEYS[4]
local taskKeyPrefix = KEYS[5]
local deadKey = KEYS[6]
local statsKey = KEYS[7]

local max = tonumber(ARGV[1])
local leaseMs = tonumber(ARGV[2])
local tokenBase = ARGV[3]
local maxAttempt = tonumber(ARGV[4])

local nowMs, nowUs = serverTime()
local deadline = nowMs + leaseMs

local expired = redis.call('ZRANGEBYSCORE', inFlightKey, '-inf', nowMs, 'LIMIT', 0, 1000)
for i = #expired, 1, -1 do
  local id = expired[i]
  local taskKey = taskKeyPrefix .. id
  redis.call('ZREM', inFlightKey, id)
  if redis.call('TYPE', taskKey).ok == 'hash' then
    redis.call('HSET', taskKey, 'tok', '')
  end
  redis.call('LPUSH', readyKey, id)
end

local due = redis.call('ZRANGEBYSCORE', delayedKey, '-inf', nowUs, 'LIMIT', 0, 1000)
if #due > 0 then
  redis.call('ZREM', delayedKey, unpack(due))
  redis.call('RPUSH', readyKey, unpack(due))
end

local result = { nowMs, -1, deadline, 0 }
local settled = {}
local seen = {}
local reserved = 0
local leases = {}
-- records settled here do not count against max, but at most 100 of them per call keep the call short
while reserved < max and #settled < 200 do
  local id = redis.call('LPOP', readyKey)
  if not id then
    break
  end
  local taskKey = taskKeyPrefix .. id
  local fields = (not seen[id]) and redis.pcall('HMGET', taskKey, 'body', 'enq', 'att')
  if not fields then
    table.insert(settled, id)
    table.insert(settled, 'dropped: listed twice in the ready list')
  elseif fields.err then
    local kind = redis.call('TYPE', taskKey).ok
    local value = (kind == 'string') and redis.call('GET', taskKey) or redis.call('DUMP', taskKey)
    local reason = 'corrupt task record: a ' .. kind .. ' key, not a hash'
    redis.call('DEL', taskKey)
    redis.call('HSET', taskKey, 'body', value, 'enq', nowMs, 'att', 0, 'tok', '', 'reason', reason, 'dlat', nowMs)
    addDeadLetter(deadKey, statsKey, id)
    table.insert(settled, id)
    table.insert(settled, 'dead-lettered: ' .. reason)
  elseif not (fields[1] or fields[2] or fields[3]) and redis.call('EXISTS', taskKey) == 0 then
    table.insert(settled, id)
    table.insert(settled, 'dropped: no task record')
  else
    seen[id] = true
    reserved = reserved + 1
    local token = tokenBase .. '.' .. reserved
    local made = storedAttempts(fields[3], maxAttempt)
    if made and made < maxAttempt then
      redis.call('HSET', taskKey, 'att', made + 1, 'tok', token)
    else
      redis.call('HSET', taskKey, 'tok', token)
    end
    local present = 0
    for i = 1, 3 do
      if fields[i] then
        present = present + 2 ^ (i - 1)
      end
    end
    table.insert(leases, deadline)
    table.insert(leases, id)
    table.insert(result, id)
    table.insert(result, token)
    table.insert(result, present)
    table.insert(result, fields[1] or '')
    table.insert(result, fields[2] or '')
    table.insert(result, fields[3] or '')
  end
end
result[4] = reserved
for i = 1, #settled do
  table.insert(result, settled[i])
end
for i = 1, #leases, 1000 do
  redis.call('ZADD', inFlightKey, unpack(leases, i, math.min(i + 999, #leases)))
end

if redis.call('LLEN', readyKey) > 0 then
  wakeIdleWorkers(markerKey)
end

-- how long to wait is only needed when nothing was reserved
if reserved == 0 then
  local nextDue = -1
  local firstDelayed = redis.call('ZRANGE', delayedKey, 0, 0, 'WITHSCORES')
  if firstDelayed[2] then
    nextDue = math.floor(tonumber(firstDelayed[2]) / 1000)
  end
  local firstLease = redis.call('ZRANGE', inFlightKey, 0, 0, 'WITHSCORES')
  if firstLease[2] and (nextDue < 0 or tonumber(firstLease[2]) < nextDue) then
    nextDue = tonumber(firstLease[2])
  end
  result[2] = nextDue
end
return result
