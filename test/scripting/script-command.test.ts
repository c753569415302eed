import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';

test('SCRIPT DEBUG NO is accepted; the Lua debugger itself (YES, SYNC) is refused with a reason', () => {
  const h = new Harness();
  assert.equal(h.run('SCRIPT', 'DEBUG', 'NO'), 'OK');
  for (const mode of ['YES', 'SYNC']) {
    const reply = h.run('SCRIPT', 'DEBUG', mode);
    assert.ok(reply instanceof ReplyError);
    assert.match(reply.text, /^ERR SCRIPT DEBUG \(the Lua debugger\) is not supported/);
  }
});

test('EVAL caches the script: EVALSHA and SCRIPT EXISTS find it, SCRIPT FLUSH forgets it', () => {
  const h = new Harness();
  assert.equal(h.run('EVAL', "return 'cached'", '0'), 'cached');
  const sha = '0ba1b7e2b4e5ea0b4ad8a1a1f3a8e5f50c4e2f42';
  assert.deepEqual(h.run('SCRIPT', 'EXISTS', sha), [0]);
  const real = h.run('SCRIPT', 'LOAD', "return 'cached'") as string;
  assert.deepEqual(h.run('SCRIPT', 'EXISTS', real), [1]);
  assert.equal(h.run('EVALSHA', real, '0'), 'cached');
  assert.equal(h.run('SCRIPT', 'FLUSH'), 'OK');
  assert.deepEqual(h.run('SCRIPT', 'EXISTS', real), [0]);
});

test('INFO memory counts the cached scripts and their bytes', () => {
  const h = new Harness();
  const field = (name: string) => new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(String(h.run('INFO', 'memory')))?.[1];
  assert.equal(field('number_of_cached_scripts'), '0');
  h.run('SCRIPT', 'LOAD', 'return 1');
  h.run('EVAL', 'return 22', '0');
  assert.equal(field('number_of_cached_scripts'), '2');
  assert.equal(field('used_memory_scripts_eval'), String('return 1'.length + 'return 22'.length));
  h.run('SCRIPT', 'FLUSH');
  assert.equal(field('number_of_cached_scripts'), '0');
});
