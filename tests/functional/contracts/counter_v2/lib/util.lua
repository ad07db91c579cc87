-- Required by main.lua as "lib.util": a package may hold more than one file.
local util = {}

function util.plus(a, b)
  return a + b
end

return util
