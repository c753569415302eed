#!lua name=grid

-- The pipeline's two steps, run where their partition's keys live. Each step is idempotent by
-- order id (a set per partition remembers what the step has done) and acknowledges its stream
-- entry in the same atomic call, so a redelivered entry (a claimed one, or one whose effects a
-- failover lost together with its acknowledgement) changes nothing twice.

-- KEYS: {p}:orders (stream), {p}:enriched-ids (set), {p}:enriched (stream)
-- ARGV: entry id, group, order id, amount in cents
local function enrich(keys, args)
  if redis.call('SADD', keys[2], args[3]) == 1 then
    local fee = math.floor(tonumber(args[4]) * 3 / 100)
    redis.call('XADD', keys[3], '*', 'order', args[3], 'amount', args[4], 'fee', fee)
  end
  return redis.call('XACK', keys[1], args[2], args[1])
end

-- KEYS: {p}:enriched (stream), {p}:settled-ids (set), {p}:totals (hash)
-- ARGV: entry id, group, order id, amount in cents, fee in cents
local function settle(keys, args)
  if redis.call('SADD', keys[2], args[3]) == 1 then
    redis.call('HINCRBY', keys[3], 'orders', 1)
    redis.call('HINCRBY', keys[3], 'amount', args[4])
    redis.call('HINCRBY', keys[3], 'fees', args[5])
  end
  return redis.call('XACK', keys[1], args[2], args[1])
end

redis.register_function('enrich', enrich)
redis.register_function('settle', settle)
