-- wrk script for `python -m bench`: one scenario per run, chosen by the first script argument.
--   wrk ... -s scenario.lua http://127.0.0.1:PORT -- <scenario> <data dir> [<variant>]
-- The data directory holds one value per line: products.txt (active product ids),
-- categories.txt (category ids), root.txt (the root category's id), hot.txt (product ids with stock
-- to buy), tokens.txt (customers' JWTs), words.txt (one-word searches).
-- Scenarios: bare (the bare-Django yardstick), baseline (the stack baseline), products (the list;
-- variant "-" for the default ordering, an ordering such as "-price", or one of the filters
-- "category", "price-range", "in-stock", "search"), product, price-stats (variant "root" for the
-- root category, else a random one), orders.
-- `done` prints one line "BENCH_JSON {...}" that bench/load.py parses.

local scenario, variant, product_ids, category_ids, root_ids, hot_ids, tokens, words

local function read_lines(path)
  local values = {}
  local file = io.open(path, "r")
  if file == nil then return values end
  for line in file:lines() do
    if #line > 0 then values[#values + 1] = line end
  end
  file:close()
  return values
end

local function pick(values)
  return values[math.random(#values)]
end

local thread_number = 0
function setup(thread)
  thread_number = thread_number + 1
  thread:set("seed", thread_number)
end

function init(args)
  scenario = args[1]
  local dir = args[2]
  variant = args[3] or "-"
  math.randomseed(20261123 + (seed or 0))
  product_ids = read_lines(dir .. "/products.txt")
  category_ids = read_lines(dir .. "/categories.txt")
  hot_ids = read_lines(dir .. "/hot.txt")
  tokens = read_lines(dir .. "/tokens.txt")
  root_ids = read_lines(dir .. "/root.txt")
  words = read_lines(dir .. "/words.txt")
end

-- The list's query string: random pages (1-50) of an ordering, or the first page of a filter with
-- random values, as a storefront asks for them.
local function products_query()
  if variant == "-" then
    return "page=" .. math.random(50)
  elseif variant == "category" then
    return "category=" .. pick(category_ids)
  elseif variant == "price-range" then
    local low = math.random(1, 49000)
    return "min_price=" .. low .. "&max_price=" .. (low + math.random(100, 2000))
  elseif variant == "in-stock" then
    return "in_stock=true&page=" .. math.random(50)
  elseif variant == "search" then
    return "search=" .. pick(words)
  end
  return "ordering=" .. variant .. "&page=" .. math.random(50)
end

local json_headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
local accept_json = { ["Accept"] = "application/json" }

local function order_body()
  -- 1 to 3 distinct products with stock no run can exhaust, one unit each.
  local lines, seen = {}, {}
  for _ = 1, math.random(3) do
    local id = pick(hot_ids)
    if not seen[id] then
      seen[id] = true
      lines[#lines + 1] = '{"product":' .. id .. ',"quantity":1}'
    end
  end
  return '{"items":[' .. table.concat(lines, ",") .. ']}'
end

function request()
  if scenario == "bare" then
    return wrk.format("GET", "/select-one", accept_json)
  elseif scenario == "baseline" then
    return wrk.format("GET", "/api/v1/bench/baseline", accept_json)
  elseif scenario == "products" then
    return wrk.format("GET", "/api/v1/products?" .. products_query(), accept_json)
  elseif scenario == "product" then
    return wrk.format("GET", "/api/v1/products/" .. pick(product_ids), accept_json)
  elseif scenario == "price-stats" then
    local category = variant == "root" and root_ids[1] or pick(category_ids)
    return wrk.format("GET", "/api/v1/categories/" .. category .. "/price-stats", accept_json)
  elseif scenario == "orders" then
    json_headers["Authorization"] = "Bearer " .. pick(tokens)
    return wrk.format("POST", "/api/v1/orders", json_headers, order_body())
  end
  error("unknown scenario " .. tostring(scenario))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
