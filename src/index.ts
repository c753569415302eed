// Mnemo as a library: start a server in-process (tests of other projects can use it instead
// of a Redis binary), or drive the command gate directly.

export { startServer, type StartOptions, type RunningServer } from './server/run.ts';
export { Server } from './server/server.ts';
export { MNEMO_VERSION, REDIS_VERSION } from './version.ts';
export type { Clock } from './store/keyspace.ts';
