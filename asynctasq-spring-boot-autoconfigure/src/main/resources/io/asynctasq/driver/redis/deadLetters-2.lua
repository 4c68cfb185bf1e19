--[[
  Reads one page of dead letters, oldest first. Read only.

  KEYS[1] dead-letter sorted set
  KEYS[2] task key prefix

  ARGV[1] offset (0 or more)
  ARGV[2] limit (1 or more)

  Returns, per dead letter: id, body, enqueued-at (ms), attempts, reason, error class, error message,
  stack trace, dead-lettered-at (ms), each '' when absent, then a bit mask of the error fields present
  (1 error class, 2 error message, 4 stack trace).
]]
local deadKey = KEYS[1]
local taskKeyPrefix = KEYS[2]

local offset = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])

local ids = redis.call('ZRANGE', deadKey, offset, offset + limit - 1)
local result = {}
for _, id in ipairs(ids) do
  local f = redis.pcall('HMGET', taskKeyPrefix .. id, 'body', 'enq', 'att', 'reason', 'ecl', 'emsg', 'stack', 'dlat')
  if f.err then
    -- not a hash (written by something else): listed with why, never failing the page
    f = { false, false, false, 'unreadable dead letter: ' .. f.err }
  end
  table.insert(result, id)
  for i = 1, 8 do
    if f[i] then
      table.insert(result, f[i])
    else
      table.insert(result, '')
    end
  end
  -- presence flags of the optional error fields (ecl, emsg, stack) as a bit mask
  local mask = 0
  if f[5] then mask = mask + 1 end
  if f[6] then mask = mask + 2 end
  if f[7] then mask = mask + 4 end
  table.insert(result, mask)
end
return result
