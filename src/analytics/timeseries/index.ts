// Which series carry which labels, for TS.MGET, TS.MRANGE and TS.QUERYINDEX. The keyspace
// tells the index of every key that comes into being (TS.CREATE, RENAME, MOVE, COPY, RESTORE
// all end there), of flushes and of SWAPDB; a key that later went away or holds something
// else is found out and dropped when a query meets it, so ordinary writes pay nothing here.

import { Buffer } from 'node:buffer';
import type { Database } from '../../store/database.ts';
import type { Keyspace } from '../../store/keyspace.ts';
import { ValueType } from '../../store/types.ts';
import { TimeSeries } from './series.ts';

/** One FILTER expression: `name=value`, `name!=value`, `name=`, `name!=`, `name=(a,b)`, `name!=(a,b)`. */
export interface Predicate {
  name: string;
  /** Whether a series must have one of `values` (or, with none, lack the label). */
  include: boolean;
  /** null: the label's presence is tested (`name=` lacks it, `name!=` has it). */
  values: string[] | null;
}

export class SeriesIndex {
  /** Per database number: key (latin1) -> series. */
  private readonly byDb = new Map<number, Map<string, TimeSeries>>();

  constructor(keyspace: Keyspace) {
    keyspace.observe({
      created: (db, id) => {
        if (db.typeOf(id) === ValueType.TimeSeries) this.add(db, db.keyOf(id), db.objectOf(id) as TimeSeries);
      },
      beforeFlush: (db) => {
        this.byDb.delete(db.index);
      },
      swapped: (a, b) => {
        const first = this.byDb.get(a.index);
        const second = this.byDb.get(b.index);
        this.byDb.delete(a.index);
        this.byDb.delete(b.index);
        if (first !== undefined) this.byDb.set(b.index, first);
        if (second !== undefined) this.byDb.set(a.index, second);
      },
    });
    // Series stored before the index existed (loaded, or in a server that had no query yet).
    for (const db of keyspace.dbs) {
      db.forEach((id) => {
        if (db.typeOf(id) === ValueType.TimeSeries) this.add(db, db.keyOf(id), db.objectOf(id) as TimeSeries);
      });
    }
  }

  add(db: Database, key: Buffer, series: TimeSeries): void {
    let keys = this.byDb.get(db.index);
    if (keys === undefined) this.byDb.set(db.index, (keys = new Map()));
    keys.set(key.toString('latin1'), series);
  }

  /** The series of `db` matching every predicate, by key in byte order. */
  query(db: Database, predicates: readonly Predicate[]): [Buffer, TimeSeries][] {
    const keys = this.byDb.get(db.index);
    if (keys === undefined) return [];
    const found: [Buffer, TimeSeries][] = [];
    for (const [name, series] of keys) {
      const key = Buffer.from(name, 'latin1');
      const id = db.find(key);
      if (id < 0 || db.typeOf(id) !== ValueType.TimeSeries || db.objectOf(id) !== series) {
        keys.delete(name);
        continue;
      }
      if (predicates.every((p) => matches(series, p))) found.push([key, series]);
    }
    return found.sort((a, b) => Buffer.compare(a[0], b[0]));
  }
}

function matches(series: TimeSeries, predicate: Predicate): boolean {
  const value = series.label(predicate.name)?.toString('latin1');
  if (predicate.values === null) return (value !== undefined) !== predicate.include;
  const listed = value !== undefined && predicate.values.includes(value);
  return listed === predicate.include;
}

const indexes = new WeakMap<Keyspace, SeriesIndex>();

/** The keyspace's index, made on first use. */
export function seriesIndex(keyspace: Keyspace): SeriesIndex {
  let index = indexes.get(keyspace);
  if (index === undefined) indexes.set(keyspace, (index = new SeriesIndex(keyspace)));
  return index;
}
