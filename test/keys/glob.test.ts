import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringMatch } from '../../src/util/glob.ts';

const B = (s: string) => Buffer.from(s, 'latin1');
const match = (pattern: string, subject: string, nocase = false) => stringMatch(B(pattern), B(subject), nocase);

test('star matches any run of bytes, including none', () => {
  assert.ok(match('*', 'anything'));
  assert.ok(match('h*llo', 'hllo'));
  assert.ok(match('h*llo', 'heeeello'));
  assert.ok(!match('h*llo', 'hellx'));
  assert.ok(match('a**b', 'ab'));
});

test('question mark matches exactly one byte', () => {
  assert.ok(match('h?llo', 'hallo'));
  assert.ok(!match('h?llo', 'hllo'));
  assert.ok(match('?', '\xff'));
});

test('classes match sets, ranges and their negations', () => {
  assert.ok(match('h[ae]llo', 'hello'));
  assert.ok(!match('h[ae]llo', 'hillo'));
  assert.ok(match('h[^e]llo', 'hallo'));
  assert.ok(!match('h[^e]llo', 'hello'));
  assert.ok(match('h[a-c]llo', 'hbllo'));
  assert.ok(!match('h[a-c]llo', 'hdllo'));
});

test('reversed ranges are swapped', () => {
  assert.ok(match('[c-a]', 'b'));
});

test('range bounds compare as signed chars, as in C', () => {
  // 'a' up to 0xff is the signed range -1..97: it holds 0xff and ASCII below 'a', not 0x80 or 'b'.
  assert.ok(match('[a-\xff]', '\xff'));
  assert.ok(match('[a-\xff]', 'Z'));
  assert.ok(!match('[a-\xff]', '\x80'));
  assert.ok(!match('[a-\xff]', 'b'));
});

test('backslash escapes special bytes inside and outside classes', () => {
  assert.ok(match('\\*', '*'));
  assert.ok(!match('\\*', 'a'));
  assert.ok(match('h\\[ello', 'h[ello'));
  assert.ok(match('[\\]]', ']'));
  assert.ok(match('a\\', 'a\\'));
});

test('an unterminated class ends at the end of the pattern', () => {
  assert.ok(match('[a', 'a'));
  assert.ok(!match('[a', 'b'));
  assert.ok(match('[a-', '-'));
});

test('nocase folds ASCII letters in literals and ranges', () => {
  assert.ok(match('HeLLo', 'hello', true));
  assert.ok(!match('HeLLo', 'hello'));
  assert.ok(match('[A-C]', 'b', true));
  assert.ok(match('[abc]', 'B', true));
});

test('nocase folds range bounds only after swapping them, as Redis does', () => {
  assert.ok(match('[Z-a]', '_'));
  assert.ok(!match('[Z-a]', '_', true));
  assert.ok(!match('[Z-a]', 'b', true));
});

test('binary bytes, including NUL, match literally', () => {
  assert.ok(stringMatch(Buffer.from([0, 0xfe, 0x2a]), Buffer.from([0, 0xfe, 1, 2])));
  assert.ok(!stringMatch(Buffer.from([0, 0xfe]), Buffer.from([0, 0xff])));
});

test('star nesting past 1000 levels never matches, as in Redis 7', () => {
  const subject = 'a'.repeat(1100);
  assert.ok(match('a*'.repeat(1001), subject));
  assert.ok(!match('a*'.repeat(1002), subject));
});

// Exponential backtracking over 30 stars would not end inside the test's timeout.
test('a pathological pattern fails without backtracking exponentially', { timeout: 10_000 }, () => {
  assert.ok(!match('a*'.repeat(30) + 'b', 'a'.repeat(60)));
});
