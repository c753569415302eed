import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';

function errorText(reply: unknown): string {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.text;
}

test('CONFIG GET of an exact name echoes the name as typed', () => {
  const h = new Harness();
  assert.deepEqual(h.run('CONFIG', 'GET', 'MAXMEMORY'), ['MAXMEMORY', '0']);
  assert.deepEqual(h.run('CONFIG', 'GET', 'slaveof'), ['slaveof', '']);
  assert.deepEqual(h.run('CONFIG', 'GET', 'nosuch'), []);
});

test('CONFIG GET takes several patterns, matching names and aliases case-insensitively, without duplicates', () => {
  const h = new Harness();
  const reply = h.run('CONFIG', 'GET', 'MAXMEMORY*', 'maxmemory', 'hash-max-*-entries') as string[];
  const pairs = new Map<string, string>();
  for (let i = 0; i < reply.length; i += 2) pairs.set(reply[i]!, reply[i + 1]!);
  assert.equal(pairs.size * 2, reply.length);
  assert.equal(pairs.get('maxmemory'), '0');
  assert.equal(pairs.get('maxmemory-policy'), 'noeviction');
  assert.equal(pairs.get('hash-max-listpack-entries'), '512');
  assert.equal(pairs.get('hash-max-ziplist-entries'), '512');
});

test('CONFIG GET is a map in RESP3', () => {
  const h = new Harness();
  h.run('HELLO', '3');
  assert.deepEqual(h.run('CONFIG', 'GET', 'hz'), new Map([['hz', '10']]));
});

test('CONFIG SET changes several settings at once, in canonical form', () => {
  const h = new Harness();
  assert.equal(h.run('CONFIG', 'SET', 'maxmemory', '1mb', 'maxmemory-policy', 'ALLKEYS-LRU'), 'OK');
  assert.deepEqual(h.run('CONFIG', 'GET', 'maxmemory'), ['maxmemory', '1048576']);
  assert.deepEqual(h.run('CONFIG', 'GET', 'maxmemory-policy'), ['maxmemory-policy', 'allkeys-lru']);
});

test('CONFIG SET is all-or-nothing: one bad value leaves every setting unchanged', () => {
  const h = new Harness();
  assert.equal(
    errorText(h.run('CONFIG', 'SET', 'maxmemory', '10', 'hz', 'x')),
    "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer",
  );
  assert.deepEqual(h.run('CONFIG', 'GET', 'maxmemory'), ['maxmemory', '0']);
});

test('CONFIG SET rejects unknown, immutable, duplicate and malformed settings with Redis texts', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('CONFIG', 'SET', 'foo', 'bar')), "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  assert.equal(errorText(h.run('CONFIG', 'SET', 'maxmemory', '10', 'foo', 'bar')), "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  assert.equal(
    errorText(h.run('CONFIG', 'SET', 'daemonize', 'yes')),
    "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
  );
  assert.equal(
    errorText(h.run('CONFIG', 'SET', 'maxmemory', '1', 'maxmemory', '2')),
    "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter",
  );
  assert.equal(
    errorText(h.run('CONFIG', 'SET', 'maxmemory', 'abc')),
    "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value",
  );
  assert.equal(
    errorText(h.run('CONFIG', 'SET', 'protected-mode', 'maybe')),
    "ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument must be 'yes' or 'no'",
  );
  assert.equal(errorText(h.run('CONFIG', 'SET', 'maxmemory')), "ERR wrong number of arguments for 'config|set' command");
  assert.equal(errorText(h.run('CONFIG', 'SET', 'maxmemory', '1', 'hz')), 'ERR syntax error');
});

test('CONFIG RESETSTAT zeroes command, error and keyspace statistics', () => {
  const h = new Harness();
  h.run('SET', 'a', '1');
  h.run('GET', 'a');
  h.run('NOSUCH');
  assert.equal(h.run('CONFIG', 'RESETSTAT'), 'OK');
  const text = h.run('INFO', 'everything') as string;
  assert.match(text, /keyspace_hits:0\r\n/);
  assert.match(text, /total_error_replies:0\r\n/);
  assert.doesNotMatch(text, /cmdstat_get/);
  assert.doesNotMatch(text, /errorstat_ERR/);
  assert.match(text, /cmdstat_config\|resetstat:calls=1,/);
});

test('CONFIG REWRITE without a config file fails with Redis text', () => {
  const h = new Harness();
  assert.equal(errorText(h.run('CONFIG', 'REWRITE')), 'ERR The server is running without a config file');
});

test('CONFIG REWRITE updates known lines, keeps comments, drops duplicates and appends changed settings', () => {
  // Redis's default save points (the harness turns them off), so that only the changes show.
  const h = new Harness({ save: '3600 1 300 100 60 10000' });
  const file = join(mkdtempSync(join(tmpdir(), 'mnemo-config-')), 'redis.conf');
  writeFileSync(file, '# my server\nport 6379\nhz 10\nsomething-unknown 1\nhz 12\n');
  h.server.configFile = file;
  h.run('CONFIG', 'SET', 'hz', '20', 'maxmemory-policy', 'allkeys-lru');
  assert.equal(h.run('CONFIG', 'REWRITE'), 'OK');
  assert.equal(
    readFileSync(file, 'utf8'),
    // As Redis, the ACL users are written too (without an aclfile), the default user included.
    '# my server\nport 6379\nhz 20\nsomething-unknown 1\n# Generated by CONFIG REWRITE\nmaxmemory-policy allkeys-lru\nuser default on nopass ~* &* +@all\n',
  );
});

test('CONFIG REWRITE replaces the user lines with the current users, or drops them when an aclfile keeps users', () => {
  // Redis's default save points, so that the rewrite has no save line to add.
  const h = new Harness({ save: '3600 1 300 100 60 10000' });
  const file = join(mkdtempSync(join(tmpdir(), 'mnemo-config-')), 'redis.conf');
  writeFileSync(file, 'port 6379\nuser old on nopass\nhz 10\nuser other off\n');
  h.server.configFile = file;
  h.run('ACL', 'SETUSER', 'bob', 'on', '>x', '~a', '+get');
  assert.equal(h.run('CONFIG', 'REWRITE'), 'OK');
  assert.equal(
    readFileSync(file, 'utf8'),
    'port 6379\nuser bob on #2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 ~a resetchannels -@all +get\nuser default on nopass ~* &* +@all\nhz 10\n',
  );
  const withAclfile = new Harness({ aclfile: join(tmpdir(), 'unused.acl'), save: '3600 1 300 100 60 10000' });
  withAclfile.server.configFile = file;
  assert.equal(withAclfile.run('CONFIG', 'REWRITE'), 'OK');
  assert.equal(readFileSync(file, 'utf8'), `port 6379\nhz 10\n# Generated by CONFIG REWRITE\naclfile ${join(tmpdir(), 'unused.acl')}\n`);
});

test('CONFIG HELP lists the subcommands', () => {
  const h = new Harness();
  const help = h.run('CONFIG', 'HELP') as string[];
  assert.equal(help[0], 'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  assert.ok(help.includes('GET <pattern>'));
  assert.equal(help[help.length - 1], '    Prints this help.');
  assert.equal(errorText(h.run('CONFIG', 'NOSUCH')), "ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP.");
});

test('CONFIG SET hz clamps to 1..500 as Redis does, and rejects negatives', () => {
  const h = new Harness();
  assert.equal(h.run('CONFIG', 'SET', 'hz', '1000'), 'OK');
  assert.deepEqual(h.run('CONFIG', 'GET', 'hz'), ['hz', '500']);
  assert.equal(h.run('CONFIG', 'SET', 'hz', '0'), 'OK');
  assert.deepEqual(h.run('CONFIG', 'GET', 'hz'), ['hz', '1']);
  assert.equal(
    errorText(h.run('CONFIG', 'SET', 'hz', '-1')),
    "ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be between 0 and 2147483647 inclusive",
  );
});
