import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';

/** A server whose keyspace events and propagation stream are recorded. */
function observed(): { h: Harness; events: string[]; stream: string[] } {
  const h = new Harness({ 'notify-keyspace-events': 'KEA' });
  const events: string[] = [];
  const stream: string[] = [];
  h.server.effects.onEvent((_type, event, _db, key) => events.push(`${event} ${key.toString()}`));
  h.server.effects.onPropagate((_db, argv) => stream.push(argv.map(String).join(' ')));
  return { h, events, stream };
}

test('ZADD raises zadd (zincr with INCR) only when a score changed, and propagates nothing otherwise', () => {
  const { h, events, stream } = observed();
  h.run('ZADD', 'z', 1, 'a');
  h.run('ZADD', 'z', 1, 'a');
  h.run('ZADD', 'z', 'NX', 5, 'a');
  h.run('ZADD', 'z', 'GT', 0, 'a');
  h.run('ZADD', 'z', 'INCR', 0, 'a');
  h.run('ZINCRBY', 'z', 2, 'a');
  assert.deepEqual(events, ['zadd z', 'zincr z']);
  assert.deepEqual(stream, ['ZADD z 1 a', 'ZINCRBY z 2 a']);
});

test('a pop that empties the zset raises zpopmin/zpopmax, then del', () => {
  const { h, events } = observed();
  h.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
  events.length = 0;
  h.run('ZPOPMIN', 'z');
  h.run('ZPOPMAX', 'z', 5);
  assert.deepEqual(events, ['zpopmin z', 'zpopmax z', 'del z']);
});

test('ZMPOP propagates as ZPOPMIN/ZPOPMAX of the key it popped, with the count it took', () => {
  const { h, stream } = observed();
  h.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
  stream.length = 0;
  h.run('ZMPOP', 2, 'nokey', 'z', 'MAX');
  h.run('ZMPOP', 1, 'z', 'MIN', 'COUNT', 10);
  h.run('ZMPOP', 1, 'z', 'MIN');
  assert.deepEqual(stream, ['ZPOPMAX z 1', 'ZPOPMIN z 2']);
});

test('a STORE with an empty result deletes an existing destination with del, and is a no-op otherwise', () => {
  const { h, events, stream } = observed();
  h.run('ZADD', 'a', 1, 'x');
  h.run('ZUNIONSTORE', 'd', 1, 'a');
  events.length = 0;
  stream.length = 0;
  h.run('ZINTERSTORE', 'd', 2, 'a', 'nokey');
  h.run('ZINTERSTORE', 'd', 2, 'a', 'nokey');
  h.run('ZRANGESTORE', 'd', 'a', 5, 10);
  assert.deepEqual(events, ['del d']);
  assert.deepEqual(stream, ['ZINTERSTORE d 2 a nokey']);
});
