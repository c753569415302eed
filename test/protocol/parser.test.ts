import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RespParser, splitInlineArgs } from '../../src/protocol/resp/parser.ts';
import { encodeCommand } from '../helpers/wire.ts';
import { LIMITS, parseChunks, parseText, splitAt } from './parse.ts';

const PIPELINE = Buffer.concat([
  encodeCommand(['SET', 'key', 'value']),
  Buffer.from('PING\r\n'),
  encodeCommand(['SET', 'bin', Buffer.from([0, 13, 10, 0xff])]),
  Buffer.from('ECHO "a b"\n'),
  encodeCommand(['GET', '']),
]);
const PIPELINE_COMMANDS = [['SET', 'key', 'value'], ['PING'], ['SET', 'bin', '\x00\r\n\xff'], ['ECHO', 'a b'], ['GET', '']];

test('a pipeline split at every byte boundary yields the same commands', () => {
  for (let cut = 1; cut < PIPELINE.length; cut++) {
    assert.deepEqual(parseChunks(splitAt(PIPELINE, [cut])), { commands: PIPELINE_COMMANDS, error: null }, `cut at ${cut}`);
  }
});

test('a pipeline fed one byte at a time yields the same commands', () => {
  const bytes = [...PIPELINE].map((b) => Buffer.from([b]));
  assert.deepEqual(parseChunks(bytes), { commands: PIPELINE_COMMANDS, error: null });
});

test('a bulk bigger than the big-argument threshold is reassembled across many chunks', () => {
  const value = Buffer.alloc(100_003);
  for (let i = 0; i < value.length; i++) value[i] = (i * 31) & 0xff;
  const data = Buffer.concat([encodeCommand(['SET', 'k', value]), encodeCommand(['GET', 'k'])]);
  for (const size of [1000, 4093, 65536]) {
    const cuts = Array.from({ length: Math.ceil(data.length / size) }, (_, i) => i * size);
    const parsed = parseChunks(splitAt(data, cuts));
    assert.equal(parsed.error, null);
    assert.equal(parsed.commands.length, 2);
    assert.deepEqual(Buffer.from(parsed.commands[0]![2]!, 'latin1'), value, `chunks of ${size}`);
    assert.deepEqual(parsed.commands[1], ['GET', 'k']);
  }
});

test('a big bulk whose CRLF arrives in the next chunk does not swallow the next command', () => {
  const value = Buffer.alloc(40_000, 0x61);
  const data = Buffer.concat([encodeCommand(['SET', 'k', value]), encodeCommand(['PING'])]);
  const bodyEnd = data.indexOf('*1\r\n', 40_000) - 2;
  const parsed = parseChunks(splitAt(data, [100, bodyEnd, bodyEnd + 1]));
  assert.deepEqual(parsed.commands[1], ['PING']);
  assert.equal(parsed.commands[0]![2]!.length, 40_000);
});

test('inline commands take double-quoted escapes and single-quoted text', () => {
  assert.deepEqual(parseText('SET "a b" \'it\\\'s\' "\\x41\\x4a\\n\\t\\"" plain\r\n').commands, [
    ['SET', 'a b', "it's", 'AJ\n\t"', 'plain'],
  ]);
});

test('an unquoted word ends at space, tab, CR or LF but not at vertical tab or form feed', () => {
  assert.deepEqual(parseText('ECHO a\x0bb\x0cc\tx\r\n').commands, [['ECHO', 'a\x0bb\x0cc', 'x']]);
});

test('a backslash-x without two hex digits is taken literally', () => {
  assert.deepEqual(parseText('ECHO "\\x4g"\r\n').commands, [['ECHO', 'x4g']]);
});

test('empty lines, *0 and *-1 run nothing and the parser moves on', () => {
  assert.deepEqual(parseText('\r\n\n   \r\n*0\r\n*-1\r\nPING\r\n').commands, [['PING']]);
});

test('an inline line may end with LF alone', () => {
  assert.deepEqual(parseText('PING\nECHO x\n').commands, [['PING'], ['ECHO', 'x']]);
});

test('commands before a bad frame are returned, then the error', () => {
  assert.deepEqual(parseText('PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$x\r\nPING\r\n'), {
    commands: [['PING'], ['PING']],
    error: 'ERR Protocol error: invalid bulk length',
  });
});

test('malformed frames get Redis 7.0 protocol error texts', () => {
  const cases: [string, string][] = [
    ['*x\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*+1\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*01\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*-0\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*2147483648\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*1\r\n$-1\r\n', 'ERR Protocol error: invalid bulk length'],
    ['*1\r\n$\r\n', 'ERR Protocol error: invalid bulk length'],
    ['*1\r\n$+4\r\nPING\r\n', 'ERR Protocol error: invalid bulk length'],
    ['*1\r\nfoo\r\n', "ERR Protocol error: expected '$', got 'f'"],
    ['*1\r\n:4\r\n', "ERR Protocol error: expected '$', got ':'"],
    ['SET "a\r\n', 'ERR Protocol error: unbalanced quotes in request'],
    ['SET "a"b\r\n', 'ERR Protocol error: unbalanced quotes in request'],
    ["SET 'a\r\n", 'ERR Protocol error: unbalanced quotes in request'],
  ];
  for (const [input, error] of cases) assert.equal(parseText(input).error, error, JSON.stringify(input));
});

test('a multibulk count up to INT_MAX is accepted and waits for its arguments', () => {
  assert.deepEqual(parseText('*2147483647\r\n'), { commands: [], error: null });
});

test('a bulk longer than proto-max-bulk-len is an invalid bulk length', () => {
  const limits = { ...LIMITS, maxBulkLength: 1024 * 1024 };
  assert.equal(parseText('*1\r\n$1048576\r\n', limits).error, null);
  assert.equal(parseText('*1\r\n$1048577\r\n', limits).error, 'ERR Protocol error: invalid bulk length');
});

test('lines longer than 64 KB without an end are refused as too big', () => {
  const long = 'x'.repeat(64 * 1024 + 1);
  assert.equal(parseText(long).error, 'ERR Protocol error: too big inline request');
  assert.equal(parseText(`*${long}`).error, 'ERR Protocol error: too big mbulk count string');
  assert.equal(parseText(`*1\r\n$${long}`).error, 'ERR Protocol error: too big bulk count string');
  assert.equal(parseText('x'.repeat(64 * 1024)).error, null);
});

test('a NUL before the line end leaves the request waiting, as strchr does in Redis', () => {
  assert.deepEqual(parseText('PI\x00NG\r\n'), { commands: [], error: null });
  assert.deepEqual(parseText('*1\x00\r\n$4\r\nPING\r\n'), { commands: [], error: null });
  assert.deepEqual(parseText('*1\r\n$4\x00\r\nPING\r\n'), { commands: [], error: null });
});

test('the two bytes after a bulk body are skipped unchecked, like Redis', () => {
  assert.deepEqual(parseText('*1\r\n$4\r\nPINGxx*1\r\n$4\rxPING\r\n').commands, [['PING'], ['PING']]);
});

test('before authentication, more than 10 arguments or a bulk over 16 KB is refused', () => {
  let authenticated = false;
  const limits = { ...LIMITS, authenticated: () => authenticated };
  assert.equal(parseText('*10\r\n', limits).error, null);
  assert.equal(parseText('*11\r\n', limits).error, 'ERR Protocol error: unauthenticated multibulk length');
  assert.equal(parseText('*1\r\n$16384\r\n', limits).error, null);
  assert.equal(parseText('*1\r\n$16385\r\n', limits).error, 'ERR Protocol error: unauthenticated bulk length');
  authenticated = true;
  assert.equal(parseText('*11\r\n', limits).error, null);
  assert.equal(parseText('*1\r\n$16385\r\n', limits).error, null);
});

test('unparsed bytes past the query buffer limit set overflow', () => {
  const parser = new RespParser({ ...LIMITS, maxQueryBuffer: 100 });
  parser.push(Buffer.from('*1\r\n$200\r\n'));
  assert.equal(parser.next(), null);
  assert.equal(parser.overflow, false);
  parser.push(Buffer.alloc(120, 0x61));
  assert.equal(parser.overflow, true);
});

test('a big bulk being filled counts toward the query buffer limit', () => {
  const parser = new RespParser({ ...LIMITS, maxQueryBuffer: 100_000 });
  parser.push(Buffer.from('*1\r\n$200000\r\n'));
  parser.push(Buffer.alloc(60_000, 0x61));
  assert.equal(parser.next(), null);
  assert.equal(parser.overflow, false);
  parser.push(Buffer.alloc(60_000, 0x61));
  assert.equal(parser.overflow, true);
});

test('splitInlineArgs parses a part of a buffer and reports unbalanced quotes as null', () => {
  const line = Buffer.from('xxSET k "v 1"yy');
  assert.deepEqual(splitInlineArgs(line, 2, 13)?.map(String), ['SET', 'k', 'v 1']);
  assert.equal(splitInlineArgs(Buffer.from('SET "k'), 0, 6), null);
});
