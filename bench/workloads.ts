// What `npm run bench` measures: the redis-benchmark tests of the throughput phase and the
// data sets of the memory phase.

import { createHash } from 'node:crypto';
import { argsLoad, deliverLoad, FIELDS_PER_HASH, GEO_KEY, geoLoad, HLL_KEYS, hllLoad, hashFieldsLoad, listLoad, loadKeys, pipeline, sortedSetLoad, streamLoad, VALUE_BYTES } from './load.ts';
import type { BenchServer } from './servers.ts';

export interface ThroughputTest {
  /** Sent once first: a server that answers it with an error skips the test. */
  probe: string[];
  /**
   * Requests per run as multiples of BENCH_REQUESTS, at -P 1 and at -P 16: enough for a run of
   * a second or more against Redis, few enough for the whole default run to take about ten
   * minutes. Pipelining makes single-key commands about ten times faster, MSET (ten keys a
   * request) about twice; LRANGE is bound by its long replies at both depths.
   */
  scale: readonly [p1: number, p16: number];
  /**
   * A command line for redis-benchmark instead of its built-in test of this name. The
   * built-in LRANGE tests first run as many LPUSHes as they then measure, which would count
   * in the server's CPU time.
   */
  command?: string[];
  /** Run once on each server before the test's first run. */
  prepare?(server: BenchServer): Promise<void>;
}

const LRANGE_KEY = 'bench:lrange';
/** LRANGE reads the head of a list this long, of redis-benchmark's default 3-byte payload. */
const LRANGE_LIST_LENGTH = 10_000;
const fillLrangeList = (server: BenchServer) => pipeline(server, listLoad(LRANGE_KEY, LRANGE_LIST_LENGTH, 'xxx'));

const lrange = (elements: number, scale: ThroughputTest['scale']): ThroughputTest => ({
  probe: ['LRANGE', 'bench:probe:list', '0', String(elements - 1)],
  scale,
  command: ['LRANGE', LRANGE_KEY, '0', String(elements - 1)],
  prepare: fillLrangeList,
});

/** redlock 5's release script (GET, compare, DEL), run by its SHA as redlock runs it. */
const REDLOCK_RELEASE = `local count = 0
for _, key in ipairs(KEYS) do
  if redis.call("get", key) == ARGV[1] then
    redis.call("del", key)
    count = count + 1
  end
end
return count`;
const REDLOCK_RELEASE_SHA = createHash('sha1').update(REDLOCK_RELEASE).digest('hex');

/** Lock keys held before the first run: the even ones of redis-benchmark's default -r range. */
const HELD_LOCKS = 50_000;

/**
 * EVALSHA of the release script on random lock keys (the probe's EVAL caches the script): a
 * held lock is compared and deleted, so the first pass releases about half of the calls' keys
 * and later ones mostly find them released (GET, compare).
 */
const evalshaRelease: ThroughputTest = {
  probe: ['EVAL', REDLOCK_RELEASE, '1', 'bench:probe:lock', 'token'],
  scale: [0.5, 2],
  command: ['EVALSHA', REDLOCK_RELEASE_SHA, '1', 'lock:__rand_int__', 'token'],
  prepare: (server) => pipeline(server, argsLoad('SET', HELD_LOCKS, 1000, (i) => ['SET', `lock:${String(i * 2).padStart(12, '0')}`, 'token'])),
};

/**
 * The consumer-group rows: XREADGROUP ... > delivers the next entry of a stream of
 * GROUP_STREAM_ENTRIES (enough for the warm-up and five rounds at the default BENCH_REQUESTS:
 * 50,000 + 5 x 150,000 reads), adding it to the PEL of `readers`; XACK acknowledges a random
 * one of the first ACK_PENDING entries, which were delivered to `ackers` beforehand (the first
 * run acknowledges about two in three of its IDs, later runs find more and more acknowledged).
 * Prepared once for both rows.
 */
const GROUP_STREAM = 'bench:xgroup';
const GROUP_STREAM_ENTRIES = 1_000_000;
const ACK_PENDING = 100_000;
const groupStreamReady = new WeakMap<BenchServer, Promise<void>>();

function prepareGroupStream(server: BenchServer): Promise<void> {
  let ready = groupStreamReady.get(server);
  if (ready === undefined) {
    ready = (async () => {
      await pipeline(server, streamLoad(GROUP_STREAM_ENTRIES, GROUP_STREAM));
      await pipeline(server, argsLoad('XGROUP', 2, 2, (i) => ['XGROUP', 'CREATE', GROUP_STREAM, i === 0 ? 'readers' : 'ackers', '0']));
      await pipeline(server, deliverLoad(GROUP_STREAM, 'ackers', 'acker', ACK_PENDING));
    })();
    groupStreamReady.set(server, ready);
  }
  return ready;
}

/** GEOSEARCH runs over a sorted set of this many members (the 1M). */
const GEO_MEMBERS = 1_000_000;

export const THROUGHPUT_TESTS: Readonly<Record<string, ThroughputTest>> = {
  set: { probe: ['SET', 'bench:probe', 'x'], scale: [1, 10] },
  get: { probe: ['GET', 'bench:probe'], scale: [1, 10] },
  incr: { probe: ['INCR', 'bench:probe:counter'], scale: [1, 10] },
  mset: { probe: ['MSET', 'bench:probe:1', 'x', 'bench:probe:2', 'y'], scale: [1, 2] },
  // LPOP pops what LPUSH pushed to redis-benchmark's list: the same counts keep it from growing.
  lpush: { probe: ['LPUSH', 'bench:probe:list', 'x'], scale: [0.5, 4] },
  lpop: { probe: ['LPOP', 'bench:probe:list'], scale: [0.5, 4] },
  sadd: { probe: ['SADD', 'bench:probe:set', 'x'], scale: [0.5, 4] },
  hset: { probe: ['HSET', 'bench:probe:hash', 'f', 'x'], scale: [0.5, 4] },
  zadd: { probe: ['ZADD', 'bench:probe:zset', '1', 'x'], scale: [0.5, 2] },
  // The stream grows by every request (a few MB per run).
  xadd: { probe: ['XADD', 'bench:probe:stream', '*', 'f', 'v'], scale: [0.5, 4], command: ['XADD', 'bench:xadd', '*', 'f1', 'v1', 'f2', 'v2'] },
  xreadgroup: {
    // Sent once to each server; XREADGROUP itself would answer NOGROUP before a group exists.
    probe: ['XGROUP', 'CREATE', 'bench:probe:xreadgroup', 'g', '$', 'MKSTREAM'],
    scale: [0.5, 1],
    command: ['XREADGROUP', 'GROUP', 'readers', 'reader', 'COUNT', '1', 'STREAMS', GROUP_STREAM, '>'],
    prepare: prepareGroupStream,
  },
  // __rand_int__ is 12 digits with leading zeros: IDs 000000000000-0 to 000000099999-0.
  xack: {
    probe: ['XACK', 'bench:probe:stream', 'g', '1-0'],
    scale: [0.5, 4],
    command: ['XACK', GROUP_STREAM, 'ackers', '__rand_int__-0'],
    prepare: prepareGroupStream,
  },
  lrange_100: lrange(100, [0.5, 1]),
  lrange_300: lrange(300, [0.2, 0.4]),
  evalsha_release: evalshaRelease,
  pfadd: { probe: ['PFADD', 'bench:probe:hll', 'x'], scale: [1, 10], command: ['PFADD', 'bench:hll', 'element:__rand_int__'] },
  // The union of ten dense HLLs: merging 10 x 16384 registers makes each request slow.
  pfcount_10: {
    probe: ['PFCOUNT', 'bench:probe:hll'],
    scale: [0.1, 0.2],
    command: ['PFCOUNT', ...HLL_KEYS],
    prepare: (server) => pipeline(server, hllLoad()),
  },
  geoadd: {
    probe: ['GEOADD', 'bench:probe:geo', '13.361389', '38.115556', 'x'],
    scale: [0.5, 2],
    command: ['GEOADD', 'bench:geoadd', '13.__rand_int__', '38.__rand_int__', 'member:__rand_int__'],
  },
  // About 70 of the 1M members lie within 5 km of the centre.
  geosearch: {
    probe: ['GEOSEARCH', 'bench:probe:geo', 'FROMLONLAT', '5', '45', 'BYRADIUS', '5', 'km'],
    scale: [0.2, 0.4],
    command: ['GEOSEARCH', GEO_KEY, 'FROMLONLAT', '5', '45', 'BYRADIUS', '5', 'km'],
    prepare: (server) => pipeline(server, geoLoad(GEO_MEMBERS)),
  },
};

export const DEFAULT_TESTS = Object.keys(THROUGHPUT_TESTS).join(',');

export function throughputTest(name: string): ThroughputTest {
  const test = THROUGHPUT_TESTS[name];
  if (test === undefined) throw new Error(`unknown test ${name}; known: ${Object.keys(THROUGHPUT_TESTS).join(', ')}`);
  return test;
}

/** Requests of one run of `name` at depth `pipeline`, for BENCH_REQUESTS = `requests`. */
export function requestsFor(name: string, pipeline: number, requests: number): number {
  const [p1, p16] = throughputTest(name).scale;
  return Math.max(1, Math.round(requests * (pipeline > 1 ? p16 : p1)));
}

export interface MemoryCase {
  name: string;
  /** What one item of `items` is: the unit of bytes per item. */
  unit: string;
  describe: string;
  load(server: BenchServer, items: number): Promise<void>;
}

export const STRINGS: MemoryCase = {
  name: 'strings',
  unit: 'key',
  describe: `16-byte keys with ${VALUE_BYTES}-byte values`,
  load: loadKeys,
};

export const HASH_FIELDS: MemoryCase = {
  name: 'hash fields',
  unit: 'field',
  describe: `${FIELDS_PER_HASH} fields to a hash, 9-byte names, ${VALUE_BYTES}-byte values`,
  load: (server, fields) => pipeline(server, hashFieldsLoad(fields)),
};

export const ZSET_MEMBERS: MemoryCase = {
  name: 'zset members',
  unit: 'member',
  describe: 'one sorted set, 20-byte members, integer scores',
  load: (server, members) => pipeline(server, sortedSetLoad(members)),
};

export const STREAM_ENTRIES: MemoryCase = {
  name: 'stream entries',
  unit: 'entry',
  describe: `one stream, two fields of ${VALUE_BYTES}-byte values an entry, default node limits`,
  load: (server, entries) => pipeline(server, streamLoad(entries)),
};
