// Test helpers for the Memcached front: a Mnemo server with the Memcached listener on a free
// port, a reference memcached 1.6 process, and a raw socket exchange.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { MemcachedConnection } from '../../src/memcached/connection.ts';
import { MemcachedListener } from '../../src/memcached/listener.ts';
import { Server } from '../../src/server/server.ts';
import type { Clock } from '../../src/store/keyspace.ts';
import { FakeClock } from '../helpers/harness.ts';

export interface MnemoMemcached {
  server: Server;
  listener: MemcachedListener;
  port: number;
  close(): Promise<void>;
}

export async function startMnemo(config: Record<string, string> = {}, clock?: Clock): Promise<MnemoMemcached> {
  const server = new Server({ config, ...(clock ? { clock } : {}) });
  const listener = new MemcachedListener(server);
  const port = await listener.listen(0, ['127.0.0.1']);
  return { server, listener, port, close: () => listener.close() };
}

export interface Reference {
  port: number;
  close(): Promise<void>;
}

const REFERENCE_PORTS = [7311, 7312, 7313, 7314, 7315, 7316, 7317, 7318, 7319];

/** Why the reference memcached cannot run here, or null when it can. */
export function referenceMissing(): string | null {
  const probe = spawnSync('memcached', ['-V'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return 'memcached 1.6 is not installed (Debian package `memcached`)';
  return null;
}

/** Starts `memcached -t 1` on the first free reference port. */
export async function startReference(extraArgs: string[] = []): Promise<Reference> {
  for (const port of REFERENCE_PORTS) {
    if (!(await portFree(port))) continue;
    const args = ['-p', String(port), '-U', '0', '-l', '127.0.0.1', '-t', '1', ...extraArgs];
    if (process.getuid?.() === 0) args.push('-u', 'nobody');
    const child = spawn('memcached', args, { stdio: 'ignore' });
    if (await waitForPort(port, child)) return { port, close: () => stop(child) };
    await stop(child);
  }
  throw new Error('no free port for the reference memcached in 7311-7319');
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

/**
 * Sends `data` and collects the reply bytes until `done` says they are complete, the server
 * closes the connection (marked "<closed>"), or the time runs out.
 */
export function exchange(port: number, data: Buffer | string, done: (reply: Buffer) => boolean, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data));
    const finish = (suffix: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat([...chunks, Buffer.from(suffix)]));
    };
    const timer = setTimeout(() => finish('<timeout>'), timeoutMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (done(Buffer.concat(chunks))) finish('');
    });
    socket.on('error', () => finish('<error>'));
    socket.on('end', () => finish('<closed>'));
  });
}

/** A text exchange whose replies end where the trailing "mn" answers. */
export function textExchange(port: number, text: string | Buffer): Promise<string> {
  const data = Buffer.concat([Buffer.from(text as string, typeof text === 'string' ? 'latin1' : undefined), Buffer.from('mn\r\n')]);
  return exchange(port, data, (reply) => reply.subarray(-4).toString() === 'MN\r\n').then((b) => b.toString('latin1'));
}

/** An in-process Memcached connection on a server with a fake clock. */
export class Wire {
  readonly clock = new FakeClock();
  readonly server: Server;
  readonly front: MemcachedListener;
  conn: MemcachedConnection;
  /** Set once the connection asked to be closed. */
  closed = false;

  constructor(config: Record<string, string> = {}) {
    this.server = new Server({ config, clock: this.clock });
    this.front = new MemcachedListener(this.server);
    this.conn = new MemcachedConnection(this.front);
  }

  /** Feeds bytes (in one read) and returns the reply bytes as latin1. */
  send(data: string | Buffer): string {
    const destroy = this.conn.feed(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    this.closed ||= destroy || this.conn.ending;
    return this.conn.take()?.toString('latin1') ?? '';
  }

  /** Runs a Redis command on the same server and returns the raw RESP reply. */
  redis(...args: string[]): string {
    const client = this.server.createClient();
    this.server.execute(client, args.map((a) => Buffer.from(a)));
    return client.w.take()?.toString('latin1') ?? '';
  }
}
