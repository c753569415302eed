// redis-cli's operator modes against Mnemo: --bigkeys and --memkeys (SCAN, TYPE, the size
// commands and MEMORY USAGE), --hotkeys (OBJECT FREQ under an LFU policy), --scan with a
// pattern, --stat (INFO) and --latency (PINGs): each prints what the keyspace holds.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { skipWithout } from '../helpers/reference.ts';

const run = promisify(execFile);
const skip = skipWithout('redis-cli');
let running: RunningServer;

const cli = async (...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(running.port), ...args], { timeout: 60_000 })).stdout;

before(async () => {
  running = await startServer({ port: 0, host: '127.0.0.1', config: { 'maxmemory-policy': 'allkeys-lfu' } });
  if (skip !== false) return;
  for (let i = 1; i <= 20; i++) await cli('SET', `user:${i}`, 'x'.repeat(i));
  await cli('SET', 'big', 'y'.repeat(1000));
  await cli('RPUSH', 'queue', 'a', 'b', 'c', 'd', 'e');
  await cli('HSET', 'profile', 'name', 'n', 'age', '1');
  await cli('SADD', 'tags', 't1', 't2', 't3');
  await cli('ZADD', 'ranks', '1', 'a', '2', 'b');
  // LFU counters start at 5 and rise with a falling probability: after 300 reads user:7's is
  // far above the 7 that the two scans of --bigkeys and --memkeys can give the other keys.
  await cli('-r', '300', 'GET', 'user:7');
});

after(() => running.close());

test('--bigkeys names the biggest key of each type and counts keys by type', { skip }, async () => {
  const out = await cli('--bigkeys');
  assert.match(out, /Sampled 25 keys in the keyspace!/);
  assert.match(out, /Biggest string found '"big"' has 1000 bytes/);
  assert.match(out, /Biggest {3}list found '"queue"' has 5 items/);
  assert.match(out, /Biggest {3}hash found '"profile"' has 2 fields/);
  assert.match(out, /Biggest {4}set found '"tags"' has 3 members/);
  assert.match(out, /Biggest {3}zset found '"ranks"' has 2 members/);
  assert.match(out, /21 strings with 1210 bytes/);
});

test('--memkeys names the key of each type that takes the most memory', { skip }, async () => {
  const out = await cli('--memkeys');
  assert.match(out, /Sampled 25 keys in the keyspace!/);
  assert.match(out, /Biggest string found '"big"' has \d+ bytes/);
  assert.match(out, /Biggest {3}list found '"queue"' has \d+ bytes/);
  assert.match(out, /21 strings with \d+ bytes/);
});

test('--hotkeys with an LFU policy names the key read most first, with the highest counter', { skip }, async () => {
  const hot = (await cli('--hotkeys')).split('\n').filter((line) => line.startsWith('hot key found'));
  assert.ok(hot.length > 1);
  const counter = (line: string) => Number(/counter: (\d+)/.exec(line)![1]);
  assert.match(hot[0]!, /keyname: "user:7"/);
  assert.ok(hot.slice(1).every((line) => counter(line) < counter(hot[0]!)), hot.join('\n'));
});

test('--scan --pattern lists exactly the matching keys', { skip }, async () => {
  const keys = (await cli('--scan', '--pattern', 'user:1*')).trim().split('\n').sort();
  assert.deepEqual(keys, ['user:1', 'user:10', 'user:11', 'user:12', 'user:13', 'user:14', 'user:15', 'user:16', 'user:17', 'user:18', 'user:19']);
});

test('--latency --raw prints one line of min, max, average and samples, then exits', { skip }, async () => {
  const out = await cli('--latency', '--raw');
  assert.match(out, /^\d+ \d+ \d+\.\d{2} [1-9]\d*\n$/);
});

test('--stat prints the key count, clients and requests of INFO every interval', { skip }, async () => {
  // stdbuf: redis-cli's stdout into a pipe would otherwise hold the lines until it exits, and --stat runs until killed.
  const child = spawn('stdbuf', ['-oL', 'redis-cli', '-h', '127.0.0.1', '-p', String(running.port), '--stat', '-i', '0.1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.split('\n').filter((line) => /^\d/.test(line)).length >= 2) resolve();
      });
      child.once('exit', () => reject(new Error(`redis-cli --stat exited: ${out}`)));
    });
  } finally {
    child.kill();
  }
  assert.match(out, /keys {7}mem {6}clients blocked requests {12}connections/);
  // The key count, then memory, one client (redis-cli itself), none blocked.
  assert.match(out, /^25 +[\d.]+[KMG]? +1 +0 +\d+ \(\+\d+\) +\d+/m);
});
