// The binary protocol request by request: replies compared byte for byte with a real
// memcached 1.6 where one is available, and checked field by field on Mnemo alone.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { exchange, referenceMissing, startMnemo, startReference, type Reference } from './helpers.ts';
import { Op, Status } from '../../src/protocol/memcached/binary.ts';

interface Request {
  op: number;
  key?: string;
  value?: string;
  extras?: Buffer;
  opaque?: number;
  cas?: number;
}

function encode(r: Request): Buffer {
  const key = Buffer.from(r.key ?? '');
  const value = Buffer.from(r.value ?? '');
  const extras = r.extras ?? Buffer.alloc(0);
  const header = Buffer.alloc(24);
  header[0] = 0x80;
  header[1] = r.op;
  header.writeUInt16BE(key.length, 2);
  header[4] = extras.length;
  header.writeUInt32BE(extras.length + key.length + value.length, 8);
  header.writeUInt32BE(r.opaque ?? 0, 12);
  header.writeBigUInt64BE(BigInt(r.cas ?? 0), 16);
  return Buffer.concat([header, extras, key, value]);
}

const storeExtras = (flags: number, exptime: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(flags, 0);
  b.writeInt32BE(exptime, 4);
  return b;
};
const arithExtras = (delta: bigint, initial: bigint, expiration: number) => {
  const b = Buffer.alloc(20);
  b.writeBigUInt64BE(delta, 0);
  b.writeBigUInt64BE(initial, 8);
  b.writeUInt32BE(expiration, 16);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

interface Response {
  op: number;
  status: number;
  opaque: number;
  cas: bigint;
  extras: Buffer;
  key: string;
  value: string;
}

/** Splits reply bytes into responses; null while the last one is incomplete. */
function decode(bytes: Buffer): Response[] | null {
  const out: Response[] = [];
  let at = 0;
  while (at + 24 <= bytes.length) {
    const keyLength = bytes.readUInt16BE(at + 2);
    const extrasLength = bytes[at + 4]!;
    const bodyLength = bytes.readUInt32BE(at + 8);
    if (at + 24 + bodyLength > bytes.length) return null;
    const body = at + 24;
    out.push({
      op: bytes[at + 1]!,
      status: bytes.readUInt16BE(at + 6),
      opaque: bytes.readUInt32BE(at + 12),
      cas: bytes.readBigUInt64BE(at + 16),
      extras: bytes.subarray(body, body + extrasLength),
      key: bytes.subarray(body + extrasLength, body + extrasLength + keyLength).toString('latin1'),
      value: bytes.subarray(body + extrasLength + keyLength, body + bodyLength).toString('latin1'),
    });
    at = body + bodyLength;
  }
  return at === bytes.length ? out : null;
}

/** Responses one per line, for readable diffs. */
function lines(bytes: Buffer): string[] {
  const closed = bytes.subarray(-CLOSED.length).toString() === CLOSED;
  const responses = decode(closed ? bytes.subarray(0, -CLOSED.length) : bytes) ?? [];
  // CAS values are renumbered by first appearance: Mnemo draws them lazily, memcached on
  // every store, so only which responses share a CAS is comparable.
  const seen = new Map<bigint, number>([[0n, 0]]);
  const label = (cas: bigint) => {
    if (!seen.has(cas)) seen.set(cas, seen.size);
    return seen.get(cas)!;
  };
  const out = responses.map((r) => JSON.stringify({ ...r, cas: label(r.cas), extras: r.extras.toString('hex') }));
  return closed ? [...out, CLOSED] : out;
}

const CLOSED = '<closed>';

/** Sends the requests and a final NOOP, and returns the raw reply bytes up to the NOOP's answer. */
function send(port: number, requests: Request[]): Promise<Buffer> {
  const data = Buffer.concat([...requests.map(encode), encode({ op: Op.Noop, opaque: 0xfeed })]);
  return exchange(port, data, (reply) => {
    const responses = decode(reply);
    return responses !== null && responses.some((r) => r.op === Op.Noop && r.opaque === 0xfeed);
  });
}

const SEQUENCES: Record<string, Request[]> = {
  'get family, hits and misses, quiet forms and opaque echo': [
    { op: Op.Set, key: 'a', value: 'hello', extras: storeExtras(7, 0), opaque: 1 },
    { op: Op.Get, key: 'a', opaque: 2 },
    { op: Op.GetK, key: 'a', opaque: 3 },
    { op: Op.Get, key: 'zz', opaque: 4 },
    { op: Op.GetK, key: 'zz', opaque: 5 },
    { op: Op.GetQ, key: 'zz', opaque: 6 },
    { op: Op.GetKQ, key: 'a', opaque: 7 },
    { op: Op.SetQ, key: 'b', value: 'quiet', extras: storeExtras(0, 0), opaque: 8 },
    { op: Op.GetQ, key: 'b', opaque: 9 },
  ],
  'add, replace, cas and append/prepend outcomes': [
    { op: Op.Add, key: 'a', value: '1', extras: storeExtras(0, 0) },
    { op: Op.Add, key: 'a', value: '2', extras: storeExtras(0, 0) },
    { op: Op.Replace, key: 'b', value: '3', extras: storeExtras(0, 0) },
    { op: Op.Set, key: 'a', value: '5', extras: storeExtras(0, 0), cas: 999999 },
    { op: Op.Set, key: 'nope', value: '5', extras: storeExtras(0, 0), cas: 3 },
    { op: Op.Append, key: 'a', value: '>' },
    { op: Op.Prepend, key: 'a', value: '<' },
    { op: Op.AppendQ, key: 'nope', value: 'x' },
    { op: Op.Get, key: 'a' },
  ],
  'a malformed request is answered and the connection closed': [
    { op: Op.Version },
    { op: Op.Set, key: 'a', value: 'x', extras: Buffer.alloc(3) },
  ],
  'delete, increment, decrement, touch and gat': [
    { op: Op.Set, key: 'a', value: 'v', extras: storeExtras(0, 0) },
    { op: Op.Delete, key: 'a', cas: 999 },
    { op: Op.Delete, key: 'a' },
    { op: Op.Delete, key: 'a' },
    { op: Op.DeleteQ, key: 'a' },
    { op: Op.Increment, key: 'n', extras: arithExtras(5n, 10n, 0) },
    { op: Op.Increment, key: 'n', extras: arithExtras(5n, 10n, 0) },
    { op: Op.Decrement, key: 'n', extras: arithExtras(100n, 0n, 0) },
    { op: Op.Increment, key: 'm', extras: arithExtras(1n, 0n, 0xffffffff) },
    { op: Op.Increment, key: 'n', extras: arithExtras(18446744073709551615n, 0n, 0) },
    { op: Op.Set, key: 's', value: 'text', extras: storeExtras(0, 0) },
    { op: Op.Increment, key: 's', extras: arithExtras(1n, 0n, 0) },
    { op: Op.IncrementQ, key: 'n', extras: arithExtras(1n, 0n, 0) },
    { op: Op.Get, key: 'n' },
    { op: Op.Touch, key: 's', extras: u32(100) },
    { op: Op.Touch, key: 'zz', extras: u32(100) },
    { op: Op.Gat, key: 's', extras: u32(0) },
    { op: Op.GatK, key: 's', extras: u32(0) },
    { op: Op.GatQ, key: 'zz', extras: u32(0) },
  ],
  'version, flush, unknown stats and SASL while authentication is off': [
    { op: Op.Version, opaque: 42 },
    { op: Op.Set, key: 'a', value: 'v', extras: storeExtras(0, 0) },
    { op: Op.FlushQ },
    { op: Op.Get, key: 'a' },
    { op: Op.Flush },
    { op: Op.Stat, key: 'bogus' },
    { op: Op.SaslListMechs },
  ],
};

const missing = referenceMissing();
const skip = missing !== null && process.env.MNEMO_REQUIRE_REFERENCE !== '1' ? `reference memcached unavailable: ${missing}` : false;

let reference: Reference | null = null;
before(async () => {
  if (missing === null) reference = await startReference();
});
after(async () => {
  await reference?.close();
});

for (const [name, requests] of Object.entries(SEQUENCES)) {
  test(`binary differential: ${name}`, { skip }, async () => {
    if (missing !== null) assert.fail(`MNEMO_REQUIRE_REFERENCE=1 but ${missing}`);
    const mnemo = await startMnemo();
    try {
      await send(reference!.port, [{ op: Op.Flush }]);
      const expected = await send(reference!.port, requests);
      const actual = await send(mnemo.port, requests);
      assert.deepEqual(lines(actual), lines(expected));
    } finally {
      await mnemo.close();
    }
  });
}

test('binary GETK echoes the key and opaque, and the CAS changes with every write', async () => {
  const m = await startMnemo();
  try {
    const replies = decode(
      await send(m.port, [
        { op: Op.Set, key: 'k', value: 'v1', extras: storeExtras(3, 0), opaque: 11 },
        { op: Op.GetK, key: 'k', opaque: 12 },
        { op: Op.Set, key: 'k', value: 'v2', extras: storeExtras(3, 0), opaque: 13 },
      ]),
    )!;
    assert.equal(replies[0]!.opaque, 11);
    assert.equal(replies[1]!.key, 'k');
    assert.equal(replies[1]!.value, 'v2'.replace('2', '1'));
    assert.equal(replies[1]!.extras.readUInt32BE(0), 3);
    assert.equal(replies[1]!.cas, replies[0]!.cas);
    assert.notEqual(replies[2]!.cas, replies[0]!.cas);
  } finally {
    await m.close();
  }
});

test('binary STAT lists name/value pairs ending with an empty response', async () => {
  const m = await startMnemo();
  try {
    const replies = decode(await send(m.port, [{ op: Op.Stat }]))!;
    const stats = replies.filter((r) => r.op === Op.Stat);
    assert.deepEqual(stats.at(-1), { ...stats.at(-1)!, key: '', value: '' });
    assert.equal(stats.find((r) => r.key === 'version')!.value, '1.6.18');
    assert.ok(stats.some((r) => r.key === 'curr_items'));
  } finally {
    await m.close();
  }
});

test('binary commands are refused with an auth error until SASL succeeds', async () => {
  const m = await startMnemo({ requirepass: 'pw' });
  try {
    const replies = decode(
      await send(m.port, [
        { op: Op.Get, key: 'k' },
        { op: Op.SaslListMechs },
        { op: Op.SaslAuth, key: 'PLAIN', value: '\0user\0nope' },
        { op: Op.SaslAuth, key: 'PLAIN', value: '\0user\0pw' },
        { op: Op.Get, key: 'k' },
      ]),
    )!;
    assert.deepEqual(
      replies.map((r) => [r.status, r.value]),
      [
        [Status.AuthError, 'Auth failure.'],
        [Status.Ok, 'PLAIN'],
        [Status.AuthError, 'Auth failure.'],
        [Status.Ok, 'Authenticated'],
        [Status.KeyNotFound, 'Not found'],
        [Status.Ok, ''],
      ],
    );
  } finally {
    await m.close();
  }
});

// memcached 1.6.18 answers VERBOSITY with "Unknown command" and then mis-parses the stream;
// Mnemo serves it, as the older binary protocol specified.
test('an unknown binary opcode is answered with "Unknown command" and the stream goes on; VERBOSITY is served', async () => {
  const m = await startMnemo();
  try {
    const replies = decode(await send(m.port, [{ op: 0x55, key: 'x', opaque: 5 }, { op: Op.Verbosity, extras: u32(1), opaque: 6 }]))!;
    assert.deepEqual(
      replies.map((r) => [r.op, r.status, r.opaque, r.value]),
      [
        [0x55, Status.UnknownCommand, 5, 'Unknown command'],
        [Op.Verbosity, Status.Ok, 6, ''],
        [Op.Noop, Status.Ok, 0xfeed, ''],
      ],
    );
  } finally {
    await m.close();
  }
});
