--[[
  Deletes one chunk of a queue's oldest dead letters that were dead-lettered at least the retention
  ago, by the server's clock; the driver calls it until a chunk comes back short or its bound is
  reached, so expiring a large backlog never blocks Redis for long.

  Guarantees: each chunk (the dead letters and their task hashes) is deleted in one step; dead letters
  are walked oldest first (by dead-letter sequence) and the walk stops at the first one younger than
  the retention, so only the head of the set is read; a dead letter without a readable dead-letter
  time (listed as dead-lettered at 0) counts as old; other states of the queue are untouched.

  KEYS[1] dead-letter sorted set (score: dead-letter sequence)
  KEYS[2] task key prefix

  ARGV[1] retention in milliseconds (1 or more)
  ARGV[2] chunk size (1 or more)

  Returns how many dead letters were deleted.
]]
--#include lib/time.lua
local deadKey = KEYS[1]
local taskKeyPrefix = KEYS[2]

local retentionMs = tonumber(ARGV[1])
local chunk = tonumber(ARGV[2])

local nowMs = serverTime()
local cutoff = nowMs - retentionMs
local ids = redis.call('ZRANGE', deadKey, 0, chunk - 1)
local expired = {}
local taskKeys = {}
for _, id in ipairs(ids) do
  local taskKey = taskKeyPrefix .. id
  local at = redis.pcall('HGET', taskKey, 'dlat')
  local atMs = 0
  if type(at) == 'string' then
    atMs = tonumber(at) or 0
  end
  if atMs > cutoff then
    break
  end
  table.insert(expired, id)
  table.insert(taskKeys, taskKey)
end
if #expired > 0 then
  redis.call('DEL', unpack(taskKeys))
  redis.call('ZREM', deadKey, unpack(expired))
end
return #expired
