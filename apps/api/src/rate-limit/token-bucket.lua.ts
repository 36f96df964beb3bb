/**
 * Token buckets in Redis, as one Lua script so that each request costs one round trip and every API
 * process sharing the Redis shares the buckets. A bucket is a hash {t: tokens, at: ms}, refilled lazily
 * from Redis's own clock (TIME: the API processes' clocks never matter) and expiring once it would be
 * full again, so idle keys and addresses leave nothing behind.
 *
 * KEYS[1]  the client address's auth-failure bucket (ARGV[1] tokens/s, ARGV[2] burst)
 * KEYS[2]  optional: the request bucket to take one token from (ARGV[3] tokens/s, ARGV[4] burst)
 * ARGV[5]  'take': refuse while the address has no failures left, else take a request token;
 *          'fail': record one failed authentication for the address.
 * Returns {1, 0, 0} when allowed, {0, ms, why} when refused: ms until a token is back, why 1 for the
 * address's failed authentications, 2 for the request bucket.
 */
export const TOKEN_BUCKET_LUA = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function level(key, rate, burst)
  local v = redis.call('HMGET', key, 't', 'at')
  local tokens, at = tonumber(v[1]), tonumber(v[2])
  if tokens == nil or at == nil then return burst end
  local elapsed = now - at
  if elapsed < 0 then elapsed = 0 end
  return math.min(burst, tokens + elapsed * rate / 1000)
end

local function store(key, tokens, rate, burst)
  redis.call('HSET', key, 't', tostring(tokens), 'at', tostring(now))
  redis.call('PEXPIRE', key, math.ceil((burst - tokens) * 1000 / rate) + 1000)
end

local failRate, failBurst = tonumber(ARGV[1]), tonumber(ARGV[2])
if ARGV[5] == 'fail' then
  local left = level(KEYS[1], failRate, failBurst) - 1
  if left < 0 then left = 0 end
  store(KEYS[1], left, failRate, failBurst)
  return {1, 0, 0}
end

local failures = level(KEYS[1], failRate, failBurst)
if failures < 1 then return {0, math.ceil((1 - failures) * 1000 / failRate), 1} end
if #KEYS < 2 then return {1, 0, 0} end

local rate, burst = tonumber(ARGV[3]), tonumber(ARGV[4])
local tokens = level(KEYS[2], rate, burst)
if tokens < 1 then return {0, math.ceil((1 - tokens) * 1000 / rate), 2} end
store(KEYS[2], tokens - 1, rate, burst)
return {1, 0, 0}
`;
