// A private PostgreSQL 15 for tests that compare Mnemo's SQL with the real thing: initdb into a
// temporary directory (as the postgres user when running as root: initdb refuses root),
// start it on a free loopback port with UTC and the C locale, stop and delete it afterwards.
// Without PostgreSQL installed such tests are skipped with a reason, except under
// MNEMO_REQUIRE_REFERENCE=1 (CI), where they run and fail.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './reference.ts';

const BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresReference {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  close(): Promise<void>;
}

export function skipWithoutPostgres(): string | false {
  if (existsSync(join(BIN, 'initdb')) || process.env.MNEMO_REQUIRE_REFERENCE === '1') return false;
  return `PostgreSQL 15 is not installed (apt-get install postgresql; set MNEMO_REQUIRE_REFERENCE=1 to make this a failure)`;
}

/** Runs a PostgreSQL program, as the postgres user when we are root. */
function runAs(root: boolean, program: string, args: readonly string[]): void {
  const command = [join(BIN, program), ...args];
  if (root) {
    const quoted = command.map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(' ');
    execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', quoted], { stdio: 'pipe' });
  } else {
    execFileSync(command[0]!, command.slice(1), { stdio: 'pipe' });
  }
}

export async function startPostgres(): Promise<PostgresReference> {
  if (!existsSync(join(BIN, 'initdb'))) throw new Error(`PostgreSQL 15 is not installed (${BIN}/initdb missing); the reference tests need it`);
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-pg-'));
  const data = join(dir, 'data');
  const user = 'default';
  if (root) execFileSync('chown', ['postgres:postgres', dir]);
  runAs(root, 'initdb', ['-D', data, '-A', 'trust', '-U', user, '--locale=C', '-E', 'UTF8', '--no-sync']);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      runAs(root, 'pg_ctl', [
        '-D', data,
        '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c timezone=UTC -c fsync=off -c shared_buffers=16MB -c max_connections=20`,
        '-l', join(dir, 'log'),
        '-w', '-t', '30',
        'start',
      ]);
      return {
        host: '127.0.0.1',
        port,
        user,
        close: async () => {
          try {
            runAs(root, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
      };
    } catch (error) {
      lastError = error;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
