--[[
  The fencing check of every transition on a reserved task, and what such a transition answers.

  A reservation holds its task while the task's hash holds the reservation's token ('tok'). A reserve
  gives every reservation a fresh token and puts the task in the in-flight set, and every transition
  out of in flight (settling here, or a reserve reclaiming an expired lease) clears the token or
  deletes the task in the same step, so the token alone says whether a reservation holds its task
  (the in-flight set is not read): a stale reservation (its lease expired and the task was reclaimed or
  reserved again, or the task was already settled) never passes. A task whose lease expired but that no
  reserve has reclaimed yet is still held.

  The answers (RedisDriver reads them):
    DONE          the transition happened (extendLease answers the new deadline instead)
    LEASE_LOST    the task exists but this reservation no longer holds it
    NO_SUCH_TASK  there is no task record (acknowledged, purged, or never stored)
]]
local DONE = 1
local LEASE_LOST = -1
local NO_SUCH_TASK = -2

-- DONE when the reservation holding token holds the task, else LEASE_LOST or NO_SUCH_TASK
local function checkLease(taskKey, token)
  if token ~= '' and redis.call('HGET', taskKey, 'tok') == token then
    return DONE
  end
  if redis.call('EXISTS', taskKey) == 0 then
    return NO_SUCH_TASK
  end
  return LEASE_LOST
end

-- checkLease, then, when DONE, the task leaves the in-flight set (the transition settles the lease)
local function settleLease(inFlightKey, taskKey, id, token)
  local lease = checkLease(taskKey, token)
  if lease == DONE then
    redis.call('ZREM', inFlightKey, id)
  end
  return lease
end
