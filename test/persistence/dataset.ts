// A dataset with every type in its small and big encodings, TTLs and several databases, and a
// key-by-key description of what a server holds, for comparing servers and reloads.

import { Buffer } from 'node:buffer';

export type Command = (string | Buffer)[];

/** Commands that build the dataset (SELECT included), the same for Mnemo and redis-server. */
export function datasetCommands(options: { fieldTtls?: boolean } = {}): Command[] {
  const cmds: Command[] = [];
  const range = <T,>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
  cmds.push(['select', '0']);
  cmds.push(['set', 'str:small', 'hello']);
  cmds.push(['set', 'str:int', '12345']);
  cmds.push(['set', 'str:neg', '-42']);
  cmds.push(['set', 'str:big-int', '9223372036854775807']);
  cmds.push(['set', 'str:long-num', '123456789012']);
  cmds.push(['set', 'str:compressible', 'abc'.repeat(200)]);
  cmds.push(['set', 'str:empty', '']);
  cmds.push(['set', 'str:binary', Buffer.from([0, 1, 2, 255, 254, 13, 10, 0])]);
  cmds.push(['set', 'str:large', 'x'.repeat(40000) + 'end']);
  cmds.push(['set', 'str:ttl', 'v', 'PX', '3600000']);
  cmds.push(['set', 'str:ttl-far', 'v', 'PXAT', '4102444800000']);
  cmds.push(['rpush', 'list:small', 'a', 'b', '1', '-7', '300', '70000', '9000000000', 'c'.repeat(100)]);
  cmds.push(['rpush', 'list:big', ...range(3000, (i) => (i % 3 === 0 ? String(i) : `elem-${i}-${'z'.repeat(i % 50)}`))]);
  cmds.push(['lpush', 'list:ttl', 'x']);
  cmds.push(['expire', 'list:ttl', '1000']);
  cmds.push(['sadd', 'set:ints', '1', '2', '3', '-5', '100000', '5000000000']);
  cmds.push(['sadd', 'set:small16', '1', '2', '300']);
  cmds.push(['sadd', 'set:strs', 'a', 'b', 'c']);
  cmds.push(['sadd', 'set:big-ints', ...range(600, (i) => String(i * 7))]);
  cmds.push(['sadd', 'set:big', ...range(1000, (i) => `member:${i}`)]);
  cmds.push(['zadd', 'zset:small', '1', 'a', '2.5', 'b', '-3', 'c', 'inf', 'd', '-inf', 'e', '0', 'f', '1e100', 'g', '0.1', 'h']);
  cmds.push(['zadd', 'zset:big', ...range(500, (i) => [String(i / 3), `m${i}`]).flat()]);
  cmds.push(['zadd', 'zset:long-member', '1', 'q'.repeat(100)]);
  cmds.push(['hset', 'hash:small', 'f1', 'v1', 'f2', '22', 'num', '-1000000']);
  cmds.push(['hset', 'hash:big', ...range(700, (i) => [`field${i}`, `value${i}`]).flat()]);
  cmds.push(['hset', 'hash:long-value', 'f', 'v'.repeat(100)]);
  cmds.push(['pexpire', 'hash:small', '500000']);
  cmds.push(['select', '3']);
  cmds.push(['set', 'db3:str', 'in three']);
  cmds.push(['rpush', 'db3:list', '1', '2', '3']);
  cmds.push(['pexpireat', 'db3:list', '4102444800123']);
  cmds.push(['select', '15']);
  cmds.push(['hset', 'db15:hash', 'a', '1']);
  if (options.fieldTtls) {
    cmds.push(['select', '5']);
    cmds.push(['hset', 'hfe:small', 'a', '1', 'b', '2', 'c', '3']);
    cmds.push(['hpexpire', 'hfe:small', '100000', 'fields', '1', 'b']);
    cmds.push(['hset', 'hfe:big', ...range(200, (i) => [`f${i}`, `v${i}`]).flat()]);
    cmds.push(['hpexpireat', 'hfe:big', '4102444800000', 'fields', '2', 'f3', 'f7']);
  }
  cmds.push(['select', '0']);
  return cmds;
}

export interface KeyFacts {
  type: string;
  encoding: string;
  /** PEXPIRETIME: the absolute time, so servers read at different moments agree. */
  expireAt: number;
  value: string;
}

/** Anything that answers commands with decoded replies (a harness, or a client over TCP). */
export type Ask = (...args: (string | Buffer)[]) => Promise<unknown> | unknown;

/** Every key of every database with its type, encoding, TTL and value (collections sorted). */
export async function describe(ask: Ask, databases = 16): Promise<Map<string, KeyFacts>> {
  const facts = new Map<string, KeyFacts>();
  for (let db = 0; db < databases; db++) {
    await ask('select', String(db));
    const keys = ((await ask('keys', '*')) as Buffer[] | string[]).map(String).sort();
    for (const key of keys) {
      const type = String(await ask('type', key));
      const encoding = String(await ask('object', 'encoding', key));
      const expireAt = Number(await ask('pexpiretime', key));
      let value: unknown;
      if (type === 'string') value = await ask('get', key);
      else if (type === 'list') value = await ask('lrange', key, '0', '-1');
      else if (type === 'set') value = ((await ask('smembers', key)) as unknown[]).map(String).sort();
      else if (type === 'zset') value = await ask('zrange', key, '0', '-1', 'withscores');
      else if (type === 'hash') {
        const reply = await ask('hgetall', key);
        // ioredis turns HGETALL into an object; the harness gives the flat array.
        const flat = (Array.isArray(reply) ? reply : Object.entries(reply as object).flat()).map(String);
        const pairs: string[] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
        value = pairs.sort();
      }
      facts.set(`${db}:${key}`, { type, encoding, expireAt, value: JSON.stringify(value, binaryJson) });
    }
  }
  await ask('select', '0');
  return facts;
}

function binaryJson(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') return Buffer.from((value as { data: number[] }).data).toString('latin1');
  return value;
}
