-- wrk script of the delivery scenario (bench/delivery.py): POST /orders of 1-3 hot products as random customers.
--   wrk ... -s delivery.lua http://127.0.0.1:PORT -- <data dir with hot.txt and tokens.txt>

local hot_ids, tokens

local function read_lines(path)
  local values = {}
  for line in io.lines(path) do
    if #line > 0 then values[#values + 1] = line end
  end
  return values
end

function init(args)
  math.randomseed(os.time())
  hot_ids = read_lines(args[1] .. "/hot.txt")
  tokens = read_lines(args[1] .. "/tokens.txt")
end

function request()
  local items, seen = {}, {}
  for _ = 1, math.random(3) do
    local id = hot_ids[math.random(#hot_ids)]
    if not seen[id] then
      seen[id] = true
      items[#items + 1] = '{"product":' .. id .. ',"quantity":1}'
    end
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
  }
  return wrk.format("POST", "/api/v1/orders", headers, '{"items":[' .. table.concat(items, ",") .. '],"note":"delivery bench"}')
end
