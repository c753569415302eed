// The ACL key-pattern matcher's shortcuts (literal, prefix*, *) agree with Redis's glob matcher.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatcher } from '../../src/security/acl.ts';
import { stringMatch } from '../../src/util/glob.ts';

const PATTERNS = ['key:*', 'abc', '*', '', 'a?c', 'a[bc]', 'x\\*', 'x*y', '**', 'k*', 'é*'];
const KEYS = ['', 'key:', 'key:1', 'key', 'kez:1', 'abc', 'abcd', 'ab', 'x*', 'xy', 'x1y', 'k', 'K1', 'é1', 'e1', '\0abc'];

test('the shortcut matchers answer as the glob matcher for literals, prefixes and the rest', () => {
  for (const pattern of PATTERNS) {
    const matches = globMatcher(pattern);
    for (const key of KEYS) {
      const bytes = Buffer.from(key, 'latin1');
      assert.equal(matches(bytes), stringMatch(Buffer.from(pattern, 'latin1'), bytes), `${JSON.stringify(pattern)} vs ${JSON.stringify(key)}`);
    }
  }
});
