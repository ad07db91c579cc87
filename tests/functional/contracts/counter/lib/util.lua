-- Required by main.lua as "lib.util": a package may hold more than one file.
local util = {}

function util.clamp_step(n)
  if n < 1 then return 1 end
  if n > 100 then return 100 end
  return n
end

return util
