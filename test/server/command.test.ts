import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { ReplyError } from '../helpers/resp.ts';

function errorText(reply: unknown): string {
  assert.ok(reply instanceof ReplyError, `expected an error, got ${JSON.stringify(reply)}`);
  return reply.text;
}

test('COMMAND INFO has Redis 7 shape: name, arity, flags, keys, categories, tips, key specs, subcommands', () => {
  const h = new Harness();
  // Byte-for-byte what Redis 7.0.15 answers for WATCH.
  assert.equal(
    h.raw(['COMMAND', 'INFO', 'watch']).toString(),
    '*1\r\n*10\r\n$5\r\nwatch\r\n:-2\r\n*5\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n+allow_busy\r\n:1\r\n:-1\r\n:1\r\n' +
      '*2\r\n+@fast\r\n+@transaction\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*1\r\n+RO\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n' +
      '$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n' +
      '*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n',
  );
});

test('COMMAND INFO of an unknown command is null; subcommands are listed and reachable by full name', () => {
  const h = new Harness();
  const [config, missing, get] = h.run('COMMAND', 'INFO', 'config', 'nosuch', 'config|get') as unknown[][];
  assert.equal(missing, null);
  assert.equal(config![0], 'config');
  const subs = config![9] as unknown[][];
  assert.ok(subs.some((sub) => sub[0] === 'config|get'));
  assert.equal(get![0], 'config|get');
  assert.equal(get![1], -3);
});

test('COMMAND INFO uses sets in RESP3', () => {
  const h = new Harness();
  h.run('HELLO', '3');
  const [info] = h.run('COMMAND', 'INFO', 'multi') as unknown[][];
  assert.deepEqual(info![2], new Set(['noscript', 'loading', 'stale', 'fast', 'allow_busy']));
  assert.deepEqual(info![6], new Set(['@fast', '@transaction']));
});

test('COMMAND with no argument and COMMAND COUNT cover the whole table', () => {
  const h = new Harness();
  const all = h.run('COMMAND') as unknown[][];
  assert.equal(h.run('COMMAND', 'COUNT'), all.length);
  assert.equal(all.length, h.server.commands.all.length);
  assert.ok(all.some((info) => info[0] === 'get'));
});

test('COMMAND LIST includes subcommands and filters by pattern, ACL category and module', () => {
  const h = new Harness();
  const names = h.run('COMMAND', 'LIST') as string[];
  assert.ok(names.includes('get') && names.includes('config|get'));
  assert.deepEqual(h.run('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'conf*'), ['config', 'config|get', 'config|set', 'config|resetstat', 'config|rewrite', 'config|help']);
  assert.deepEqual((h.run('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'transaction') as string[]).sort(), ['discard', 'exec', 'multi', 'unwatch', 'watch']);
  assert.deepEqual(h.run('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuch'), []);
  assert.deepEqual(h.run('COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x'), []);
  assert.equal(errorText(h.run('COMMAND', 'LIST', 'FILTERBY', 'foo', 'x')), 'ERR syntax error');
  assert.equal(errorText(h.run('COMMAND', 'LIST', 'foo')), 'ERR syntax error');
});

test('COMMAND DOCS gives summary, since, group, complexity and subcommand docs', () => {
  const h = new Harness();
  assert.deepEqual(h.run('COMMAND', 'DOCS', 'time'), ['time', ['summary', 'Return the current server time', 'since', '2.6.0', 'group', 'server', 'complexity', 'O(1)']]);
  assert.deepEqual(h.run('COMMAND', 'DOCS', 'nosuch'), []);
  const [, docs] = h.run('COMMAND', 'DOCS', 'config') as [string, string[]];
  assert.equal(docs[docs.length - 2], 'subcommands');
});

test('COMMAND GETKEYS finds keys by position, with Redis errors', () => {
  const h = new Harness();
  assert.deepEqual(h.run('COMMAND', 'GETKEYS', 'set', 'a', 'b'), ['a']);
  assert.deepEqual(h.run('COMMAND', 'GETKEYS', 'watch', 'a', 'b'), ['a', 'b']);
  assert.deepEqual(h.run('COMMAND', 'GETKEYS', 'memory', 'usage', 'k'), ['k']);
  assert.equal(errorText(h.run('COMMAND', 'GETKEYS', 'nosuch', 'a')), 'ERR Invalid command specified');
  assert.equal(errorText(h.run('COMMAND', 'GETKEYS', 'get', 'a', 'b')), 'ERR Invalid number of arguments specified for command');
  assert.equal(errorText(h.run('COMMAND', 'GETKEYS', 'config', 'get', 'x')), 'ERR The command has no key arguments');
  assert.equal(errorText(h.run('COMMAND', 'GETKEYS', 'get')), "ERR wrong number of arguments for 'command|getkeys' command");
});

test('COMMAND GETKEYSANDFLAGS pairs each key with its access flags', () => {
  const h = new Harness();
  assert.deepEqual(h.run('COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b'), [['a', ['OW', 'update']]]);
  assert.deepEqual(h.run('COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b', 'GET'), [['a', ['RW', 'access', 'update']]]);
  assert.deepEqual(h.run('COMMAND', 'GETKEYSANDFLAGS', 'get', 'a'), [['a', ['RO', 'access']]]);
});

test('COMMAND HELP', () => {
  const h = new Harness();
  const help = h.run('COMMAND', 'HELP') as string[];
  assert.equal(help[0], 'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  assert.ok(help.includes('GETKEYS <full-command>'));
});
