--[[
  Reserves up to ARGV[1] tasks of one queue.

  First, in the same atomic step: tasks whose lease expired go back to the front of ready (their
  attempt stays counted) and due delayed tasks are appended to ready, oldest due first. A delayed
  task leaves the delayed set in the same step that appends it, so two workers can never both
  promote it. Then up to ARGV[1] tasks are popped from the front of ready: each gets its attempt
  counter incremented and a fresh fencing token (one HSET), and all of them one lease
  deadline (server clock) in the in-flight set (one ZADD). When ready tasks remain, the marker is set
  again so another idle worker wakes for them.

  KEYS[1] ready list
  KEYS[2] delayed sorted set (score: due time, server microseconds)
  KEYS[3] in-flight sorted set (score: lease deadline, server milliseconds)
  KEYS[4] marker sorted set
  KEYS[5] task key prefix

  ARGV[1] maximum number of tasks to reserve
  ARGV[2] lease in milliseconds
  ARGV[3] token base (random, unique per call); the token of the i-th task is "<base>.<i>"

  Returns { server now (ms), next due time (ms) of a delayed task or lease, or -1 (always -1 when a
  task was reserved), lease deadline (ms), then per task: id, attempt, token, body, enqueued-at (ms) }.
]]
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local nowUs = tonumber(time[1]) * 1000000 + tonumber(time[2])
local max = tonumber(ARGV[1])
local deadline = nowMs + tonumber(ARGV[2])

local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', nowMs, 'LIMIT', 0, 1000)
for i = #expired, 1, -1 do
  local id = expired[i]
  redis.call('ZREM', KEYS[3], id)
  redis.call('HSET', KEYS[5] .. id, 'tok', '')
  redis.call('LPUSH', KEYS[1], id)
end

local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', nowUs, 'LIMIT', 0, 1000)
if #due > 0 then
  redis.call('ZREM', KEYS[2], unpack(due))
  redis.call('RPUSH', KEYS[1], unpack(due))
end

local result = { nowMs, -1, deadline }
local reserved = 0
local leases = {}
while reserved < max do
  local id = redis.call('LPOP', KEYS[1])
  if not id then
    break
  end
  local taskKey = KEYS[5] .. id
  local fields = redis.call('HMGET', taskKey, 'body', 'enq', 'att')
  if fields[1] then
    reserved = reserved + 1
    local attempt = (tonumber(fields[3]) or 0) + 1
    local token = ARGV[3] .. '.' .. reserved
    redis.call('HSET', taskKey, 'att', attempt, 'tok', token)
    table.insert(leases, deadline)
    table.insert(leases, id)
    table.insert(result, id)
    table.insert(result, attempt)
    table.insert(result, token)
    table.insert(result, fields[1])
    table.insert(result, fields[2])
  end
end
for i = 1, #leases, 1000 do
  redis.call('ZADD', KEYS[3], unpack(leases, i, math.min(i + 999, #leases)))
end

if redis.call('LLEN', KEYS[1]) > 0 then
  redis.call('ZADD', KEYS[4], 0, '0')
end

-- how long to wait is only needed when nothing was reserved
if reserved == 0 then
  local nextDue = -1
  local firstDelayed = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if firstDelayed[2] then
    nextDue = math.floor(tonumber(firstDelayed[2]) / 1000)
  end
  local firstLease = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if firstLease[2] and (nextDue < 0 or tonumber(firstLease[2]) < nextDue) then
    nextDue = tonumber(firstLease[2])
  end
  result[2] = nextDue
end
return result
