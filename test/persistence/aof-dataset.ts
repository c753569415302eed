// Datasets for persistence tests: a fill that uses every type in small and big encodings,
// TTLs, binary keys and values, and several databases; and a dump that reads a whole server
// back key by key (type, value, absolute expiry) for comparing two servers or two moments.

import { Redis } from 'ioredis';

export const DATABASES = [0, 1, 5];

export function connect(port: number, db = 0): Redis {
  return new Redis({ port, host: '127.0.0.1', db, maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: false });
}

const BINARY = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x80, 0x24, 0x2a]);

/** Writes the reference dataset through `port` (keys in DATABASES). */
export async function fillDataset(port: number): Promise<void> {
  for (const db of DATABASES) {
    const r = connect(port, db);
    const p = `db${db}:`;
    await r.set(`${p}str`, 'hello');
    await r.set(`${p}int`, '12345');
    await r.set(`${p}neg`, '-9007199254740993');
    await r.set(`${p}big`, 'x'.repeat(20_000));
    await r.set(Buffer.concat([Buffer.from(p), BINARY]), BINARY);
    await r.set(`${p}ttl`, 'soon', 'PX', 3_600_000);
    await r.rpush(`${p}list`, 'a', 'b', '3', BINARY);
    await r.rpush(`${p}biglist`, ...Array.from({ length: 700 }, (_, i) => `item-${i}`));
    await r.sadd(`${p}intset`, 1, 2, 3, -7);
    await r.sadd(`${p}set`, 'x', 'y', 'z');
    await r.sadd(`${p}bigset`, ...Array.from({ length: 600 }, (_, i) => `m${i}`));
    await r.zadd(`${p}zset`, 1, 'one', 2.5, 'two.five', -3, 'minus');
    await r.zadd(`${p}bigzset`, ...Array.from({ length: 300 }, (_, i) => [i / 7, `z${i}`]).flat());
    await r.zadd(`${p}infz`, 'inf', 'top', '-inf', 'bottom', 0, 'zero');
    await r.hset(`${p}hash`, 'f1', 'v1', 'f2', '2', 'bin', BINARY);
    await r.hset(`${p}bighash`, ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    await r.hset(`${p}longhash`, 'field', 'v'.repeat(100));
    await r.pexpire(`${p}bighash`, 7_200_000);
    r.disconnect();
  }
}

export interface KeyDump {
  type: string;
  value: unknown;
  /** PEXPIRETIME: absolute ms, -1 without a TTL. */
  expireAt: number;
}

/** Every key of every database in DATABASES (or `dbs`), by "db:key(hex)". */
export async function dumpDataset(port: number, dbs: readonly number[] = DATABASES): Promise<Map<string, KeyDump>> {
  const out = new Map<string, KeyDump>();
  for (const db of dbs) {
    const r = connect(port, db);
    const keys = await r.keysBuffer('*');
    const meta = r.pipeline();
    for (const key of keys) meta.type(key).call('PEXPIRETIME', key);
    const metaReplies = (await meta.exec())!.map(([error, reply]) => {
      if (error) throw error;
      return reply;
    });
    const values = r.pipeline();
    keys.forEach((key, i) => {
      const type = metaReplies[i * 2] as string;
      if (type === 'string') values.getBuffer(key);
      else if (type === 'list') values.lrangeBuffer(key, 0, -1);
      else if (type === 'set') values.smembersBuffer(key);
      else if (type === 'zset') values.call('ZRANGE', key, '0', '-1', 'WITHSCORES');
      else values.hgetallBuffer(key);
    });
    const valueReplies = (await values.exec())!;
    keys.forEach((key, i) => {
      const type = metaReplies[i * 2] as string;
      const [error, reply] = valueReplies[i]!;
      if (error) throw error;
      let value: unknown;
      if (type === 'string') value = (reply as Buffer).toString('hex');
      else if (type === 'list') value = (reply as Buffer[]).map((b) => b.toString('hex'));
      else if (type === 'set') value = (reply as Buffer[]).map((b) => b.toString('hex')).sort();
      else if (type === 'zset') value = reply;
      else {
        value = Object.entries(reply as Record<string, Buffer>)
          .map(([f, v]) => `${Buffer.from(f, 'latin1').toString('hex')}=${v.toString('hex')}`)
          .sort();
      }
      out.set(`${db}:${key.toString('hex')}`, { type, value, expireAt: Number(metaReplies[i * 2 + 1]) });
    });
    r.disconnect();
  }
  return out;
}

/** A readable difference between two dumps ('' when equal). */
export function diffDumps(expected: Map<string, KeyDump>, actual: Map<string, KeyDump>): string {
  const problems: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got === undefined) problems.push(`missing ${key}`);
    else if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${key}: want ${JSON.stringify(want).slice(0, 200)} got ${JSON.stringify(got).slice(0, 200)}`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) problems.push(`unexpected ${key}`);
  return problems.slice(0, 10).join('\n');
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
