// The same text and meta sequences sent to Mnemo and to a real memcached 1.6 (-t 1), each
// scenario on a fresh Mnemo and an emptied memcached; replies must match byte for byte, except that CAS values are
// renumbered by first appearance (Mnemo draws them lazily, memcached on every store, so only
// which replies share a CAS is comparable).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceMissing, startMnemo, startReference, textExchange, type Reference } from './helpers.ts';

const big = (n: number) => 'a'.repeat(n);

/** name -> the bytes a client sends (a trailing "mn" marks the end of the replies). */
const SCENARIOS: Record<string, string> = {
  'storage commands and their replies':
    'set a 0 0 1\r\nx\r\nadd a 0 0 1\r\ny\r\nadd b 3 0 1\r\ny\r\nreplace c 0 0 1\r\nz\r\nreplace a 7 0 2\r\nzz\r\n' +
    'append a 0 0 2\r\n++\r\nprepend a 0 0 2\r\n--\r\nappend nokey 0 0 1\r\nq\r\nget a b c\r\ngets a b\r\n',
  // (A matching CAS is shown by the client tests: here the counters differ.)
  'cas fails with a stale value, zero, or a missing key':
    'set k 0 0 1\r\nv\r\ngets k\r\ncas k 0 0 2 999999\r\nv2\r\ncas missing 0 0 1 1\r\nx\r\ncas k 0 0 1 0\r\nx\r\ncas k 0 0 1 999998 noreply\r\nx\r\ngets k\r\n',
  'noreply suppresses replies but not the data':
    'set a 0 0 1 noreply\r\nx\r\nadd a 0 0 1 noreply\r\ny\r\nincr a 1 noreply\r\ndelete zz noreply\r\ntouch a 10 noreply\r\nflush_all 0 noreply\r\nget a\r\n',
  'malformed storage lines':
    'set b abc 0 1\r\nx\r\nset c 0 0 -1\r\nx\r\nset d 0 0 2\r\nxyz\r\nset e 0 0\r\nset f 0 0 1 2 3 4\r\nset x 4294967296 0 1\r\nx\r\nset z -1 0 1\r\nx\r\ngets x\r\n',
  'key length and control characters':
    `get ${big(251)}\r\nset ${big(251)} 0 0 1\r\nx\r\nset ${big(250)} 0 0 1\r\nx\r\nget ${big(250)}\r\nset a\x01b 0 0 1\r\nx\r\nget a\x01b\r\n`,
  'a too-large item is refused and its data swallowed':
    `set ok 0 0 1\r\nx\r\nset ok 0 0 2000000\r\n${big(2000000)}\r\nget ok\r\nset big 0 0 1048514 noreply\r\n${big(1048514)}\r\nset abc 0 0 1048514\r\n${big(1048514)}\r\nset abc 0 0 1048515\r\n${big(1048515)}\r\nset abcd 1 0 1048510\r\n${big(1048510)}\r\nset abcd 1 0 1048509\r\n${big(1048509)}\r\n`,
  'incr and decr: wrapping, flooring, padding and errors':
    'set n 0 0 2\r\n10\r\ndecr n 1\r\nget n\r\nincr n 1\r\nget n\r\nincr n 18446744073709551615\r\ndecr n 100\r\nincr n 100\r\nget n\r\n' +
    'incr nx 1\r\nincr n -1\r\nincr n 1x\r\nincr n\r\nincr\r\nset s 0 0 1\r\nx\r\nincr s 1\r\nset e 0 0 0\r\n\r\nincr e 1\r\n' +
    'set m 0 0 2\r\n-0\r\nincr m 1\r\nset m 0 0 2\r\n-1\r\nincr m 1\r\nset m 0 0 2\r\n1 \r\nincr m 1\r\nset m 0 0 2\r\n+1\r\nincr m 1\r\n' +
    'set m 0 0 20\r\n18446744073709551615\r\nincr m 1\r\nset m 0 0 20\r\n18446744073709551616\r\nincr m 1\r\n',
  'delete, touch, gat and gats':
    'set a 0 0 1\r\nx\r\ndelete a 0\r\ndelete a 5\r\ndelete a\r\ndelete a 0 noreply\r\ndelete\r\nset b 0 0 1\r\ny\r\ntouch b 100\r\ntouch zz 1\r\ntouch b\r\ntouch b x\r\n' +
    'gat 100 b zz\r\ngats 0 b\r\ngat x b\r\ngat\r\ngat 10\r\ntouch b -1\r\nget b\r\n',
  'flush_all, version, verbosity and unknown commands':
    'set a 0 0 1\r\nx\r\nflush_all\r\nget a\r\nflush_all 0\r\nflush_all abc\r\nflush_all -1\r\nflush_all 1 2\r\nversion\r\nverbosity 1\r\nverbosity\r\nverbosity a\r\n' +
    'verbosity 1 noreply\r\nverbosity 1 2 3\r\nbogus\r\nGET a\r\n\r\n   get a\r\nget\r\nstats bogus\r\nstats detail\r\nstats a b c\r\nshutdown\r\nstats reset\r\n',
  'expired items: negative exptime and absolute times in the past':
    'set a 0 -1 1\r\nx\r\nget a\r\nset b 0 1000000000 1\r\nx\r\nget b\r\nset c 0 100 1\r\nx\r\nmg c t v\r\n',
  'meta get flags':
    'ms mk 2 T0 F5\r\nhi\r\nmg mk v f t s k c O123\r\nmg mk\r\nmg mk v\r\nmg nokey v\r\nmg nokey v q\r\nmg nokey v q O9 k\r\nmg nokey O9 k\r\nmg mk q\r\nmg mk v q k\r\n' +
    'mg\r\nmg mk zz\r\nmg mk v v\r\nmg mk O12345678901234567890123456789012345\r\nmg mk b\r\nmg bWs= b v\r\nmg mk T30 t\r\nmg mk s t T-1\r\nmg mk v\r\n',
  'meta set modes and flags':
    'ms mk 2\r\nhi\r\nms mk 2 c\r\nzz\r\nms mk 2 C99\r\nzz\r\nms mk 2 ME\r\nzz\r\nms mk 2 MR q\r\nzz\r\nms newk 2 MR\r\nzz\r\nms mk 2 MA\r\nzz\r\nms mk 2 MP O5 k\r\n--\r\nmg mk v\r\n' +
    'ms mk 2 MX\r\nzz\r\nms mk S2\r\nzz\r\nms mk\r\nms mk 2 T-1\r\nzz\r\nmg mk v\r\nms mk x\r\nab\r\nms mk -1\r\nab\r\nms mk 2 b\r\nab\r\nms YWJj 2 b\r\nab\r\nmg abc v\r\n' +
    'ms abc 2\r\nabc\r\nms abc 2 q\r\nabc\r\nms mk 2 Z\r\nzz\r\nms mk 2 F7 T100\r\nzz\r\nmg mk f t v\r\nms mk 2 MS C99\r\nzz\r\nms viv 2 MA N100\r\nab\r\nmg viv v t\r\n',
  'meta delete and arithmetic':
    'ms k 1\r\n5\r\nmd k q\r\nmd k q\r\nmd k\r\nms k 1\r\n5\r\nmd k C99\r\nmd k O1 k\r\nmd k x\r\nmd\r\n' +
    'ma cnt\r\nma cnt N0 J5\r\nma cnt v\r\nma cnt MD D10 v t c\r\nma cnt M- v\r\nma cnt q\r\nmg cnt s v\r\nms cnt 1\r\nx\r\nma cnt\r\nma cnt Dx\r\nma cnt MX\r\nma nope q\r\nma nope O1 k\r\nma\r\n' +
    'ms c2 2\r\n10\r\nma c2 D5 MI v\r\nma c2 C1\r\nma c2 N0 J9 v\r\nma c2 MD D200 v\r\nmg c2 v s\r\n',
  'stale items and win tokens':
    'mg viv N30 v c t\r\nmg viv N30 v t\r\nmg viv v\r\nms viv 2 T0\r\nok\r\nmg viv v\r\nmd viv I T30\r\nmg viv v c t\r\nmg viv v\r\nms viv 3 I\r\nnew\r\nmg viv v\r\n' +
    'ms r 1 T100\r\nx\r\nmg r R200 v t\r\nmg r R200 v t\r\nmg r R50 v\r\nmd r I\r\nmg r s\r\nmg r v q k\r\nms r 1 C999 I\r\ny\r\nmg r v\r\nmg r c\r\nms r 1 C1 I\r\nz\r\nmg r v c\r\n',
  'hit-before and no-update flags':
    'ms k 1\r\nx\r\nmg k h\r\nmg k h\r\nms u 1\r\nx\r\nmg u h u\r\nmg u h\r\nmg u h\r\nme nope\r\nme\r\n',
  'quit closes the connection after earlier replies':
    'version\r\nquit\r\nversion\r\n',
};

/** Replaces each CAS value in text and meta replies by its order of first appearance. */
export function renumberCas(replies: string): string {
  const seen = new Map<string, number>();
  const label = (cas: string) => {
    if (!seen.has(cas)) seen.set(cas, seen.size + 1);
    return `#${seen.get(cas)}`;
  };
  return replies
    .split('\r\n')
    .map((line) => {
      const value = /^(VALUE \S+ \d+ \d+ )(\d+)$/.exec(line);
      if (value) return value[1]! + label(value[2]!);
      if (!/^(VA|HD|EX|NS|NF|EN) ?/.test(line)) return line;
      return line.replace(/ c(\d+)/g, (_m, cas: string) => ` c${label(cas)}`);
    })
    .join('\r\n');
}

const missing = referenceMissing();
const required = process.env.MNEMO_REQUIRE_REFERENCE === '1';
const skip = missing !== null && !required ? `reference memcached unavailable: ${missing}` : false;

// One reference process for the file, emptied before each scenario (CAS renumbering makes
// its ever-growing counter irrelevant).
let reference: Reference | null = null;
before(async () => {
  if (missing === null) reference = await startReference();
});
after(async () => {
  await reference?.close();
});

for (const [name, input] of Object.entries(SCENARIOS)) {
  test(`memcached differential: ${name}`, { skip }, async () => {
    if (missing !== null) assert.fail(`MNEMO_REQUIRE_REFERENCE=1 but ${missing}`);
    const mnemo = await startMnemo();
    try {
      await textExchange(reference!.port, 'flush_all\r\n');
      const expected = await textExchange(reference!.port, input);
      const actual = await textExchange(mnemo.port, input);
      assert.equal(renumberCas(actual), renumberCas(expected));
    } finally {
      await mnemo.close();
    }
  });
}
