import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';
import { SetValue } from '../../src/store/types/set.ts';
import { ValueType } from '../../src/store/types.ts';

function errorText(reply: unknown): string {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.text;
}

const debugHarness = () => new Harness({ 'enable-debug-command': 'yes' });

test('DEBUG is refused unless enable-debug-command allows it', () => {
  const h = new Harness();
  assert.equal(
    errorText(h.run('DEBUG', 'HELP')),
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
  );
  const local = new Harness({ 'enable-debug-command': 'local' });
  assert.equal(local.run('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), 'OK');
});

test('DEBUG DIGEST-VALUE and DIGEST match Redis 7.0 for strings', () => {
  const h = debugHarness();
  assert.equal(h.run('DEBUG', 'DIGEST'), '0000000000000000000000000000000000000000');
  h.run('SET', 'a', 'hello');
  h.run('SET', 'n', '123');
  // Values computed by redis-server 7.0.15 for the same data.
  assert.deepEqual(h.run('DEBUG', 'DIGEST-VALUE', 'a', 'n', 'nosuch'), [
    '36b23a1456b2dce2c3ed252c456761301dba8060',
    '89f7f51b707418f666d5b45e053bd5bbbf82ac2b',
    '0000000000000000000000000000000000000000',
  ]);
  assert.equal(h.run('DEBUG', 'DIGEST'), '85deb469818e1836975f8ba1b11f59313125a8ec');
});

test('DEBUG DIGEST-VALUE matches Redis 7.0 for lists, sets (intset and hashtable) and hashes', () => {
  const h = debugHarness();
  h.run('RPUSH', 'l', 'a', '1', 'bb', '300', '-5', 'xyz');
  h.run('HSET', 'h', 'f1', 'v1', 'f2', '2', 'n', '12345');
  const db = h.server.keyspace.dbs[0]!;
  for (const [key, members] of [['s', ['x', '1', '2', 'hello']], ['si', ['1', '2', '3', '100000']]] as const) {
    const set = SetValue.for(Buffer.from(members[0]), 512);
    for (const member of members) set.add(Buffer.from(member), 512);
    db.setObject(Buffer.from(key), ValueType.Set, set.encoding, set);
  }
  // Values computed by redis-server 7.0.15 for the same data.
  assert.deepEqual(h.run('DEBUG', 'DIGEST-VALUE', 'l', 's', 'si', 'h'), [
    'e4424bc53a5d55091ea21a9a1744d8a2f7b385a4',
    'e69a2976a4963915b92f1646ec5321ec7d53b2c2',
    '6ad8bf2697c3cdfb17c906a4f712d231fc9b6a8a',
    '59a751a290852b7866c139295d2b3c1a9fce2856',
  ]);
  assert.equal(h.run('DEBUG', 'DIGEST'), 'c864267c0275e586c81598755cca9e714be149ea');
});

test('DEBUG DIGEST-VALUE matches Redis 7.0 for sorted sets', { skip: !new Harness().server.commands.lookupName('zadd') }, () => {
  const h = debugHarness();
  h.run('ZADD', 'z', '1.5', 'a', '2', 'b', '0.1', 'c', '-3', 'd');
  // Computed by redis-server 7.0.15 for the same data.
  assert.deepEqual(h.run('DEBUG', 'DIGEST-VALUE', 'z'), ['542fa2c123f5971ab4ee83c182ba8312b4503bc4']);
});

test('DEBUG DIGEST changes when a TTL is added', () => {
  const h = debugHarness();
  h.run('SET', 'a', 'hello');
  const before = h.run('DEBUG', 'DIGEST');
  h.run('SET', 'a', 'hello', 'EX', '100');
  assert.notEqual(h.run('DEBUG', 'DIGEST'), before);
});

test('DEBUG PROTOCOL replies with each RESP type, downgraded for RESP2', () => {
  const h = debugHarness();
  const raw = (type: string) => h.raw(['DEBUG', 'PROTOCOL', type]).toString();
  assert.equal(raw('string'), '$11\r\nHello World\r\n');
  assert.equal(raw('integer'), ':12345\r\n');
  assert.equal(raw('double'), '$5\r\n3.141\r\n');
  assert.equal(raw('bignum'), '$37\r\n1234567999999999999999999999999999999\r\n');
  assert.equal(raw('null'), '$-1\r\n');
  assert.equal(raw('map'), '*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n');
  assert.equal(raw('attrib'), '$39\r\nSome real reply following the attribute\r\n');
  assert.equal(raw('push'), '-ERR RESP2 is not supported by this command\r\n');
  assert.equal(raw('true'), ':1\r\n');
  assert.match(raw('foo'), /^-ERR Wrong protocol type name\. Please use one of the following: string\|integer/);
  h.run('HELLO', '3');
  assert.equal(raw('double'), ',3.141\r\n');
  assert.equal(raw('bignum'), '(1234567999999999999999999999999999999\r\n');
  assert.equal(raw('set'), '~3\r\n:0\r\n:1\r\n:2\r\n');
  assert.equal(raw('map'), '%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n');
  assert.equal(raw('attrib'), '|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n');
  assert.equal(raw('push'), '>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n');
  assert.equal(raw('verbatim'), '=29\r\ntxt:This is a verbatim\nstring\r\n');
  assert.equal(raw('false'), '#f\r\n');
});

test('DEBUG OBJECT shows the encoding and idle time without touching the key', () => {
  const h = debugHarness();
  h.run('SET', 'a', 'hello');
  h.run('SET', 'n', '123');
  h.clock.advance(5000);
  assert.match(h.run('DEBUG', 'OBJECT', 'a') as string, /^Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:5 lru:\d+ lru_seconds_idle:5$/);
  assert.match(h.run('DEBUG', 'OBJECT', 'a') as string, /lru_seconds_idle:5$/);
  assert.match(h.run('DEBUG', 'OBJECT', 'n') as string, /encoding:int /);
  assert.equal(errorText(h.run('DEBUG', 'OBJECT', 'nosuch')), 'ERR no such key');
});

test('DEBUG SET-ACTIVE-EXPIRE 0 stops the cron from expiring keys nobody reads', () => {
  const h = debugHarness();
  h.run('SET', 'a', '1', 'PX', '10');
  h.run('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  h.clock.advance(100);
  h.server.cron();
  assert.equal(h.server.keyspace.dbs[0]!.size, 1);
  h.run('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  h.server.cron();
  assert.equal(h.server.keyspace.dbs[0]!.size, 0);
});

test('DEBUG SLEEP blocks the server for the given seconds', () => {
  const h = debugHarness();
  const started = performance.now();
  assert.equal(h.run('DEBUG', 'SLEEP', '0.05'), 'OK');
  assert.ok(performance.now() - started >= 45);
  assert.equal(h.run('DEBUG', 'SLEEP', '0'), 'OK');
});

test('DEBUG CHANGE-REPL-ID gives INFO a new replication id', () => {
  const h = debugHarness();
  const replid = () => /master_replid:(\w+)/.exec(h.run('INFO', 'replication') as string)![1];
  const before = replid();
  assert.equal(h.run('DEBUG', 'CHANGE-REPL-ID'), 'OK');
  assert.notEqual(replid(), before);
});

test('DEBUG QUICKLIST-PACKED-THRESHOLD, LISTPACK, STRINGMATCH-LEN and unknown subcommands', () => {
  const h = debugHarness();
  assert.equal(h.run('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'), 'OK');
  assert.equal(errorText(h.run('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 'abc')), 'ERR argument must be a memory value bigger than 1 and smaller than 4gb');
  h.run('SET', 'a', 'hello');
  assert.equal(errorText(h.run('DEBUG', 'LISTPACK', 'a')), 'ERR Not a listpack encoded object.');
  assert.equal(h.run('DEBUG', 'STRINGMATCH-LEN'), 'Apparently Redis did not crash: test passed');
  assert.equal(errorText(h.run('DEBUG', 'NOSUCH')), "ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.");
  assert.equal(errorText(h.run('DEBUG', 'OBJECT')), "ERR unknown subcommand or wrong number of arguments for 'OBJECT'. Try DEBUG HELP.");
  assert.equal((h.run('DEBUG', 'HELP') as string[])[0], 'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
});

test('DEBUG MEMORY-RECOUNT finds the running memory totals equal to a count from scratch', () => {
  const h = debugHarness();
  h.run('SET', 's', 'x'.repeat(20_000));
  h.run('APPEND', 's', 'more');
  h.run('RPUSH', 'l', ...Array.from({ length: 300 }, (_, i) => `e${i}`));
  h.run('HSET', 'h', ...Array.from({ length: 600 }, (_, i) => `f${i}`));
  h.run('HEXPIRE', 'h', '100', 'FIELDS', '2', 'f0', 'f2');
  h.run('SADD', 's2', '1', '2', 'three');
  h.run('ZADD', 'z', ...Array.from({ length: 300 }, (_, i) => [String(i), `m${i}`]).flat());
  const reply = h.run('DEBUG', 'MEMORY-RECOUNT') as string;
  const figures = Object.fromEntries(reply.split(' ').map((pair) => pair.split(':') as [string, string]));
  assert.equal(figures['mismatched-keys'], '0');
  assert.equal(figures['dataset'], figures['recounted-dataset']);
  assert.equal(figures['overhead'], figures['recounted-overhead']);
  assert.ok(Number(figures['dataset']) > 20_000 + 300 * 4 + 600 * 4 + 300 * 4, reply);
});
