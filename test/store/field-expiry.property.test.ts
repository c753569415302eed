// The store's index of hashes holding field TTLs against the hashes themselves: random command
// sequences that give and take field TTLs, move hashes between keys and databases, overwrite,
// delete, flush and swap them, and let time pass. After every command each database indexes
// exactly its hashes with a field TTL, its memory totals still match a recount, and after a
// cron no hash holds a field past its time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Harness } from '../helpers/harness.ts';
import { HashValue } from '../../src/store/types/hash.ts';
import { ValueType } from '../../src/store/types.ts';

const key = fc.constantFrom('a', 'b', 'c');
const field = fc.constantFrom('f', 'g', 'h');
const db = fc.constantFrom('0', '1');

const command: fc.Arbitrary<readonly string[]> = fc.oneof(
  fc.tuple(key, field).map(([k, f]) => ['HSET', k, f, 'v']),
  fc.tuple(key, fc.integer({ min: 0, max: 30 }), fc.uniqueArray(field, { minLength: 1, maxLength: 3 })).map(([k, ms, fs]) => ['HPEXPIRE', k, String(ms), 'FIELDS', String(fs.length), ...fs]),
  fc.tuple(key, field).map(([k, f]) => ['HPERSIST', k, 'FIELDS', '1', f]),
  fc.tuple(key, field).map(([k, f]) => ['HDEL', k, f]),
  fc.tuple(key, field).map(([k, f]) => ['HINCRBY', k, f, '1']),
  key.map((k) => ['DEL', k]),
  key.map((k) => ['SET', k, 'string']),
  fc.tuple(key, key).map(([k, to]) => ['RENAME', k, to]),
  fc.tuple(key, key, db).map(([k, to, d]) => ['COPY', k, to, 'DB', d, 'REPLACE']),
  fc.tuple(key, db).map(([k, d]) => ['MOVE', k, d]),
  db.map((d) => ['SELECT', d]),
  fc.constant(['SWAPDB', '0', '1']),
  fc.constant(['FLUSHDB']),
  fc.integer({ min: 1, max: 20 }).map((ms) => ['advance', String(ms)]),
  fc.constant(['cron']),
);

test('each database indexes exactly its hashes with field TTLs, and the cron leaves none due', () => {
  fc.assert(
    fc.property(fc.array(command, { minLength: 20, maxLength: 60 }), fc.boolean(), (commands, table) => {
      const h = new Harness({ databases: '2', ...(table ? { 'hash-max-listpack-entries': '1' } : {}) });
      for (const argv of commands) {
        if (argv[0] === 'advance') h.clock.advance(Number(argv[1]));
        else if (argv[0] === 'cron') h.server.cron();
        else h.run(...argv);
        const { keyspace } = h.server;
        for (const database of keyspace.dbs) {
          let withTtls = 0;
          let due = 0;
          // Read the entries as they are: a command would expire due fields on the way.
          database.forEach((id) => {
            if (database.typeOf(id) !== ValueType.Hash) return;
            const hash = database.objectOf(id) as HashValue;
            if (hash.expiresBy(Number.MAX_VALUE)) withTtls++;
            if (hash.expiresBy(keyspace.now)) due++;
          });
          assert.equal(database.fieldExpiringCount, withTtls, `db ${database.index} after ${argv.join(' ')}`);
          if (argv[0] === 'cron') assert.equal(due, 0, `db ${database.index} after the cron`);
          const counted = database.recountMemory();
          assert.equal(database.overheadBytes, counted.overhead, `overhead of db ${database.index} after ${argv.join(' ')}`);
          assert.equal(database.datasetBytes, counted.dataset, `dataset of db ${database.index} after ${argv.join(' ')}`);
          assert.deepEqual(counted.mismatched, [], `objects of db ${database.index} after ${argv.join(' ')}`);
        }
      }
    }),
    { numRuns: 200 },
  );
});
