import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startServer } from '../../src/server/run.ts';
import { Wire } from '../memcached/helpers.ts';
import { TieredHarness } from './support.ts';

const big = 'm'.repeat(900);

test('the Memcached front reads a cold item with its flags and CAS, and appends to it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-tier-mc-'));
  const wire = new Wire({ 'tiering-enabled': 'yes', 'tiering-dir': dir, 'tiering-min-value-size': '0' });
  t.after(() => {
    wire.redis('CONFIG', 'SET', 'tiering-enabled', 'no');
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(wire.send(`set item 42 0 ${big.length}\r\n${big}\r\n`), 'STORED\r\n');
  const cas = /VALUE item 42 \d+ (\d+)/.exec(wire.send('gets item\r\n'))![1];
  assert.equal(wire.redis('TIERING.DEMOTE', 'item'), ':1\r\n');
  assert.equal(wire.redis('TIERING.WHERE', 'item'), '$4\r\ncold\r\n');
  assert.equal(wire.send('gets item\r\n'), `VALUE item 42 ${big.length} ${cas}\r\n${big}\r\nEND\r\n`);
  assert.equal(wire.redis('TIERING.DEMOTE', 'item'), ':1\r\n');
  assert.equal(wire.send('append item 0 0 3\r\nend\r\n'), 'STORED\r\n');
  assert.equal(wire.send('get item\r\n'), `VALUE item 42 ${big.length + 3}\r\n${big}end\r\nEND\r\n`);
});

test('Lua scripts, SORT BY/GET and MGET read cold values', (t) => {
  const h = new TieredHarness();
  t.after(() => h.close());
  h.run('SET', 'a', big);
  h.run('RPUSH', 'list', '1', '2', '3');
  for (const i of [1, 2, 3]) {
    h.run('SET', `w_${i}`, String(10 - i));
    h.run('SET', `o_${i}`, `object-${i}`);
  }
  for (const key of ['a', 'list', 'w_1', 'w_2', 'w_3', 'o_1', 'o_2', 'o_3']) assert.equal(h.run('TIERING.DEMOTE', key), 1);
  assert.equal(h.run('EVAL', "return redis.call('GET', KEYS[1])", 1, 'a'), big);
  h.run('TIERING.DEMOTE', 'a');
  assert.equal(h.run('EVAL', "return #redis.call('GET', KEYS[1])", 1, 'a'), big.length);
  assert.deepEqual(h.run('SORT', 'list', 'BY', 'w_*', 'GET', 'o_*'), ['object-3', 'object-2', 'object-1']);
  for (const key of ['o_1', 'o_2', 'o_3']) h.run('TIERING.DEMOTE', key);
  assert.deepEqual(h.run('MGET', 'o_1', 'missing', 'o_3'), ['object-1', null, 'object-3']);
});

test('a real client over TCP reads cold values of every type, in RESP2 and RESP3', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-tier-tcp-'));
  const running = await startServer({ port: 0, host: '127.0.0.1', config: { dir, 'tiering-enabled': 'yes', 'tiering-dir': join(dir, 'tier'), 'tiering-min-value-size': '0' } });
  const client = new Redis(running.port, '127.0.0.1');
  t.after(async () => {
    client.disconnect();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await client.set('s', big);
  await client.hset('h', 'f', big, 'g', '2');
  await client.zadd('z', '1', 'one', '2', 'two');
  for (const key of ['s', 'h', 'z']) assert.equal(await client.call('TIERING.DEMOTE', key), 1);
  assert.equal(await client.get('s'), big);
  assert.deepEqual(await client.hgetall('h'), { f: big, g: '2' });
  assert.deepEqual(await client.zrange('z', '0', '-1', 'WITHSCORES'), ['one', '1', 'two', '2']);
  await client.call('TIERING.DEMOTE', 'h');
  await client.call('HELLO', '3');
  assert.equal(await client.hget('h', 'f'), big);
  const info = await client.info('tiering');
  assert.match(info, /tiering_promotions:4\r\n/);
});
