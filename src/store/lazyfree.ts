// Lazy freeing, as Redis's lazyfree.c does on its background thread: FLUSHDB/FLUSHALL ASYNC
// (and their lazyfree-lazy-user-flush default) take a database's contents out in O(1) and
// free them here, a slice of at most SLICE_MS per event-loop turn, so no command waits on the
// walk over millions of records. Values held as JS objects need no walk: dropping the last
// reference is O(1), and V8's concurrent sweeper reclaims them off the loop (what Redis's
// thread does for a big value); lazy deletes of such values are only counted.
//
// Until a job is done its bytes still count in the keyspace's dataset (the memory is still
// held, as Redis's used_memory keeps counting what its thread has not freed yet).

import { performance } from 'node:perf_hooks';
import type { Database } from './database.ts';
import { Encoding } from './types.ts';
import type { HashValue } from './types/hash.ts';
import type { ListValue } from './types/list.ts';
import type { SetValue } from './types/set.ts';
import type { StreamValue } from './types/stream.ts';
import type { ZSetValue } from './types/zset.ts';

/** A batch of contents to free, a step at a time. */
export interface FreeJob {
  /** Keys or values it holds (INFO lazyfree_pending_objects counts them). */
  readonly objects: number;
  /** Bytes it holds, counted in the dataset until freed. */
  readonly bytes: number;
  /** Frees about `units` more; returns how many of its bytes that released. */
  freeSome(units: number): number;
  readonly done: boolean;
  /** Forgets its records: the arena they lived in was reset (nothing left to free there). */
  dropRecords(): void;
}

/** Time one turn may spend freeing before the loop serves I/O again. */
const SLICE_MS = 1;
/** Work units between clock reads (an entry each). */
const UNITS_PER_CHECK = 4096;
/** A value whose freeing takes more work than this is one Redis frees lazily (its LAZYFREE_THRESHOLD). */
export const LAZYFREE_THRESHOLD = 64;

export class LazyFree {
  /** Objects queued and not yet freed (INFO lazyfree_pending_objects). */
  pendingObjects = 0;
  /** Objects freed lazily since start (INFO lazyfreed_objects). */
  freedObjects = 0;
  /** Bytes held by queued jobs: part of the keyspace's dataset until freed. */
  pendingBytes = 0;
  private readonly jobs: FreeJob[] = [];
  private scheduled = false;

  /** `adjustDataset` keeps the keyspace's dataset figure counting what queued jobs still hold. */
  constructor(private readonly adjustDataset: (delta: number) => void) {}

  /**
   * Frees `job` (contents already taken out of the keyspace and its memory figures) now, or
   * between event-loop turns when `lazy`, where its objects count in INFO as Redis counts a
   * database handed to its thread, whatever its size.
   */
  release(job: FreeJob, lazy: boolean): void {
    if (!lazy) {
      job.freeSome(Infinity);
      return;
    }
    if (job.done) {
      this.freedObjects += job.objects;
      return;
    }
    this.jobs.push(job);
    this.pendingObjects += job.objects;
    this.pendingBytes += job.bytes;
    this.adjustDataset(job.bytes);
    this.schedule();
  }

  /** A value released in O(1) by a lazy delete: counted as Redis counts the ones it hands to its thread. */
  countReleased(objects: number): void {
    this.freedObjects += objects;
  }

  /** The arena was reset: queued jobs have no records left to free, only their objects. */
  arenaReset(): void {
    for (const job of this.jobs) job.dropRecords();
  }

  /** Frees everything queued now (SYNC flushes after ASYNC ones, tests, shutdown). */
  drain(): void {
    while (this.jobs.length > 0) this.step(Infinity);
  }

  get busy(): boolean {
    return this.jobs.length > 0;
  }

  /** Frees for about `budgetMs`. */
  step(budgetMs: number): void {
    const deadline = performance.now() + budgetMs;
    while (this.jobs.length > 0) {
      const job = this.jobs[0]!;
      const freed = job.freeSome(UNITS_PER_CHECK);
      this.pendingBytes -= freed;
      this.adjustDataset(-freed);
      if (job.done) {
        this.jobs.shift();
        this.pendingObjects -= job.objects;
        this.freedObjects += job.objects;
      }
      if (performance.now() >= deadline) break;
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const turn = (): void => {
      this.step(SLICE_MS);
      if (this.jobs.length === 0) {
        this.scheduled = false;
        return;
      }
      setImmediate(turn).unref();
    };
    setImmediate(turn).unref();
  }
}

/**
 * Redis's lazyfreeGetFreeEffort: how much work freeing a value would take, in allocations
 * (a table's elements, a quicklist's nodes, a stream's nodes and consumer groups); 1 for a
 * compact encoding or a string. Values past LAZYFREE_THRESHOLD are what Redis frees lazily.
 */
export function freeEffort(db: Database, id: number): number {
  switch (db.encodingOf(id)) {
    case Encoding.Hashtable:
    case Encoding.Skiplist:
      return (db.objectOf(id) as HashValue | SetValue | ZSetValue).size;
    case Encoding.Quicklist:
      return (db.objectOf(id) as ListValue).nodeCount;
    case Encoding.Stream: {
      const stream = db.objectOf(id) as StreamValue;
      return stream.nodes.length + stream.groups.size;
    }
    default:
      return 1;
  }
}
