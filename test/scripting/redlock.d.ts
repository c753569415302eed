// redlock 5.0.0-beta.2 ships typings its package.json "exports" does not point to, so NodeNext
// resolution cannot see them: the part of its API the application tests use.
declare module 'redlock' {
  import type { Redis } from 'ioredis';
  export class ExecutionError extends Error {}
  export interface Lock {
    readonly value: string;
    readonly resources: string[];
    extend(duration: number): Promise<Lock>;
    release(): Promise<unknown>;
  }
  export default class Redlock {
    constructor(clients: Iterable<Redis>, settings?: { retryCount?: number; retryDelay?: number });
    acquire(resources: string[], duration: number): Promise<Lock>;
  }
}
