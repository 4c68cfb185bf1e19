--[[
  Attempt counters ('att' of a task hash). Only a whole number from 0 to the bound the driver passes
  (Reservation.MAX_ATTEMPT) is ever changed: anything else (negative, fractional, huge, text) is left
  as it is and reported by the driver as a corrupt counter, so a change never overflows, never loses
  precision (Lua numbers are doubles) and never fails the script.
]]
-- the stored counter as a number when it is a whole number from 0 to max, else nil
local function storedAttempts(value, max)
  if type(value) == 'string' and #value <= 15 and string.match(value, '^%d+$') then
    local count = tonumber(value)
    if count <= max then
      return count
    end
  end
  return nil
end
