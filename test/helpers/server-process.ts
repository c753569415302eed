// Runs mnemo-server as a process the way real test harnesses run redis-server: from a config
// file and flags, waiting for the "Ready to accept connections" log line, reading the port
// from the log ("Running mode=standalone, port=N." or the logo's "Port: N").

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MNEMO_BIN = fileURLToPath(new URL('../../bin/mnemo-server.js', import.meta.url));

/** Start-up compiles the TypeScript sources: seconds, and half a minute on a machine under load. */
const READY_TIMEOUT_MS = 60_000;
const READY = /Ready to accept connections|The server is now ready to accept connections at /;

export interface ServerProcess {
  child: ChildProcess;
  /** The TCP port the log reports (0 when listening on a unix socket only). */
  port: number;
  /** stdout so far (the log when logfile is empty). */
  readonly output: string;
  /** stderr so far. */
  readonly errors: string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  /** Resolves once a line matching `pattern` has been logged to stdout. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Kills the process if it still runs (for test clean-up). */
  kill(): Promise<void>;
}

/** A fresh directory with `text` written as redis.conf; returns the file's path. */
export function writeConfig(text: string, name = 'redis.conf'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mnemo-conf-')), name);
  writeFileSync(file, text);
  return file;
}

/** Spawns mnemo-server with `args` (in `cwd`, else a fresh directory) without waiting for anything. */
export function spawnServer(args: readonly string[], cwd?: string): ServerProcess {
  // A fresh working directory by default: what a shutdown saves (dump.rdb in dir ".") stays
  // there instead of reaching the next server started from the checkout.
  const child = spawn(process.execPath, [MNEMO_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: cwd ?? mkdtempSync(join(tmpdir(), 'mnemo-cwd-')) });
  let output = '';
  let errors = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(output)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running: ServerProcess = {
    child,
    port: 0,
    get output() {
      return output;
    },
    get errors() {
      return errors;
    },
    exited,
    waitFor(pattern) {
      if (pattern.test(output)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no log line ${pattern} within ${READY_TIMEOUT_MS} ms:\n${output}${errors}`)), READY_TIMEOUT_MS);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          if (!pattern.test(output)) reject(new Error(`server exited before logging ${pattern}:\n${output}${errors}`));
        });
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  return running;
}

/** Starts mnemo-server and resolves once it logs that it accepts connections. */
export async function startServerProcess(args: readonly string[], cwd?: string): Promise<ServerProcess> {
  const running = spawnServer(args, cwd);
  try {
    await running.waitFor(READY);
  } catch (error) {
    await running.kill();
    throw error;
  }
  running.port = Number(/(?:port=|Port: )(\d+)/.exec(running.output)?.[1] ?? 0);
  return running;
}
