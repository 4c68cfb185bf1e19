--[[
  Worker heartbeats: pruning those that expired.
]]
-- deletes the heartbeats whose expiry is not after now (ms, server clock), 500 at a time
local function pruneExpiredWorkers(beatsKey, expiryKey, now)
  while true do
    local expired = redis.call('ZRANGEBYSCORE', expiryKey, '-inf', now, 'LIMIT', 0, 500)
    if #expired == 0 then
      return
    end
    redis.call('HDEL', beatsKey, unpack(expired))
    redis.call('ZREM', expiryKey, unpack(expired))
  end
end
