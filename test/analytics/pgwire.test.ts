// The PostgreSQL wire front: start-up (SSLRequest, authentication against requirepass), the
// sql-port setting of a whole server, row-limited Execute (PortalSuspended), and psql.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import pg from 'pg';
import { SqlEngine } from '../../src/analytics/engine.ts';
import { PgListener } from '../../src/analytics/pgwire/listener.ts';
import { startServer } from '../../src/server/run.ts';
import { skipWithoutPostgres } from '../helpers/postgres.ts';
import { freePort } from '../helpers/reference.ts';

/** A raw protocol connection: send framed messages, read replies as [type, body] pairs. */
class RawClient {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect({ port, host: '127.0.0.1' });
    await new Promise((resolve) => socket.once('connect', resolve));
    return new RawClient(socket);
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  startup(user: string): void {
    const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from(`user\0${user}\0database\0x\0\0`)]);
    const length = Buffer.alloc(4);
    length.writeInt32BE(body.length + 4);
    this.write(Buffer.concat([length, body]));
  }

  send(type: string, body: Buffer): void {
    const header = Buffer.alloc(5);
    header[0] = type.charCodeAt(0);
    header.writeInt32BE(body.length + 4, 1);
    this.write(Buffer.concat([header, body]));
  }

  async bytes(n: number): Promise<Buffer> {
    while (this.buffer.length < n) await new Promise<void>((resolve) => (this.waiting = resolve));
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  /** Message types up to and including the next ReadyForQuery. */
  async untilReady(): Promise<string[]> {
    return (await this.until('Z')).map(([type]) => type);
  }

  /** Messages (type and body) up to and including the next one of type `last`. */
  async until(last: string): Promise<[string, Buffer][]> {
    const messages: [string, Buffer][] = [];
    for (;;) {
      const header = await this.bytes(5);
      const body = Buffer.from(await this.bytes(header.readInt32BE(1) - 4));
      const type = String.fromCharCode(header[0]!);
      messages.push([type, body]);
      if (type === last) return messages;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

const cstring = (text: string) => Buffer.from(`${text}\0`);
const int16 = (n: number) => Buffer.from([n >> 8, n & 255]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

async function withListener(password: string, run: (port: number) => Promise<void>): Promise<void> {
  const listener = new PgListener(new SqlEngine(), () => password);
  const port = await listener.listen(0, ['127.0.0.1'], 16);
  try {
    await run(port);
  } finally {
    await listener.close();
  }
}

test('an SSLRequest is answered N and the plain start-up that follows succeeds', async () => {
  await withListener('', async (port) => {
    const client = await RawClient.connect(port);
    try {
      client.write(Buffer.concat([int32(8), int32(80877103)]));
      assert.equal((await client.bytes(1)).toString(), 'N');
      client.startup('default');
      const types = await client.untilReady();
      assert.equal(types[0], 'R');
      assert.ok(types.includes('S') && types.includes('K'));
    } finally {
      client.close();
    }
  });
});

test('sql-port starts the PostgreSQL front of a server, which checks requirepass', async () => {
  const sqlPort = await freePort();
  const running = await startServer({ port: 0, host: '127.0.0.1', config: { 'sql-port': String(sqlPort), requirepass: 'secret' } });
  try {
    const wrong = new pg.Client({ host: '127.0.0.1', port: sqlPort, user: 'default', password: 'nope' });
    await assert.rejects(wrong.connect(), (error: { code?: string }) => error.code === '28P01');
    const right = new pg.Client({ host: '127.0.0.1', port: sqlPort, user: 'default', password: 'secret' });
    await right.connect();
    try {
      assert.deepEqual((await right.query('SELECT 1 + 1 AS two')).rows, [{ two: 2 }]);
    } finally {
      await right.end();
    }
  } finally {
    await running.close();
  }
});

test('Execute with a row limit suspends the portal and the next Execute resumes it', async () => {
  await withListener('', async (port) => {
    const client = await RawClient.connect(port);
    try {
      client.startup('default');
      await client.untilReady();
      client.send('Q', cstring('CREATE TABLE r (n integer); INSERT INTO r VALUES (1), (2), (3)'));
      await client.untilReady();
      client.send('P', Buffer.concat([cstring(''), cstring('SELECT n FROM r ORDER BY n'), int16(0)]));
      client.send('B', Buffer.concat([cstring(''), cstring(''), int16(0), int16(0), int16(0)]));
      client.send('E', Buffer.concat([cstring(''), int32(2)]));
      client.send('E', Buffer.concat([cstring(''), int32(2)]));
      client.send('S', Buffer.alloc(0));
      // ParseComplete, BindComplete, two rows, PortalSuspended, the last row, CommandComplete.
      assert.deepEqual(await client.untilReady(), ['1', '2', 'D', 'D', 's', 'D', 'C', 'Z']);
    } finally {
      client.close();
    }
  });
});

test('after an error the extended protocol skips to Sync and the session goes on', async () => {
  await withListener('', async (port) => {
    const client = await RawClient.connect(port);
    try {
      client.startup('default');
      await client.untilReady();
      client.send('P', Buffer.concat([cstring(''), cstring('SELECT nope'), int16(0)]));
      client.send('B', Buffer.concat([cstring(''), cstring(''), int16(0), int16(0), int16(0)]));
      client.send('E', Buffer.concat([cstring(''), int32(0)]));
      client.send('S', Buffer.alloc(0));
      assert.deepEqual(await client.untilReady(), ['E', 'Z']);
      client.send('Q', cstring('SELECT 1'));
      assert.deepEqual(await client.untilReady(), ['T', 'D', 'C', 'Z']);
    } finally {
      client.close();
    }
  });
});

/** The text fields of the DataRows and the SQLSTATE of the error among `messages`. */
function rowsAndError(messages: readonly [string, Buffer][]): { rows: string[][]; code: string | null; tags: string[] } {
  const rows: string[][] = [];
  const tags: string[] = [];
  let code: string | null = null;
  for (const [type, body] of messages) {
    if (type === 'D') {
      const row: string[] = [];
      let at = 2;
      for (let i = 0; i < body.readInt16BE(0); i++) {
        const length = body.readInt32BE(at);
        row.push(body.toString('utf8', at + 4, at + 4 + length));
        at += 4 + length;
      }
      rows.push(row);
    }
    if (type === 'C') tags.push(body.toString('utf8', 0, body.length - 1));
    if (type === 'E') code = /C([0-9A-Z]{5})\0/.exec(body.toString('latin1'))?.[1] ?? null;
  }
  return { rows, code, tags };
}

test('COPY FROM STDIN inside a query string takes data split anywhere, then the statements after it run', async () => {
  await withListener('', async (port) => {
    const client = await RawClient.connect(port);
    try {
      client.startup('default');
      await client.untilReady();
      client.send('Q', cstring('CREATE TABLE c (n integer, s text); COPY c FROM STDIN; SELECT n, s FROM c ORDER BY n'));
      assert.deepEqual((await client.until('G')).map(([type]) => type), ['C', 'G']);
      // A record and a UTF-8 character split across CopyData messages.
      const data = Buffer.from('1\tone\n2\tdeux é\n');
      client.send('d', data.subarray(0, 9));
      client.send('d', data.subarray(9, data.length - 2));
      client.send('d', data.subarray(data.length - 2));
      client.send('c', Buffer.alloc(0));
      const { rows, tags } = rowsAndError(await client.until('Z'));
      assert.deepEqual(tags, ['COPY 2', 'SELECT 2']);
      assert.deepEqual(rows, [['1', 'one'], ['2', 'deux é']]);
    } finally {
      client.close();
    }
  });
});

test('CopyFail abandons a COPY: 57014, and the rows it sent are taken back out', async () => {
  await withListener('', async (port) => {
    const client = await RawClient.connect(port);
    try {
      client.startup('default');
      await client.untilReady();
      client.send('Q', cstring('CREATE TABLE c (n integer); INSERT INTO c VALUES (1); COPY c FROM STDIN'));
      await client.until('G');
      client.send('d', Buffer.from(Array.from({ length: 10_000 }, (_, i) => `${i}\n`).join('')));
      client.send('f', cstring('changed my mind'));
      assert.equal(rowsAndError(await client.until('Z')).code, '57014');
      client.send('Q', cstring('SELECT count(*) FROM c'));
      assert.deepEqual(rowsAndError(await client.until('Z')).rows, [['1']]);
    } finally {
      client.close();
    }
  });
});

test('bad COPY data ends the COPY at once and what the client still sends of it is dropped', async () => {
  await withListener('', async (port) => {
    const client = await RawClient.connect(port);
    try {
      client.startup('default');
      await client.untilReady();
      client.send('Q', cstring('CREATE TABLE c (n integer); COPY c FROM STDIN'));
      await client.until('G');
      client.send('d', Buffer.from('1\nnot a number\n'));
      const failed = await client.until('Z');
      assert.equal(rowsAndError(failed).code, '22P02');
      assert.match(failed.find(([type]) => type === 'E')![1].toString(), /COPY c, line 2/);
      client.send('d', Buffer.from('3\n'));
      client.send('c', Buffer.alloc(0));
      client.send('Q', cstring('SELECT count(*) FROM c'));
      assert.deepEqual(rowsAndError(await client.until('Z')).rows, [['0']]);
    } finally {
      client.close();
    }
  });
});

test('psql runs statements through the simple query protocol', { skip: skipWithoutPostgres() }, async () => {
  await withListener('', async (port) => {
    const run = (sql: string) =>
      // Asynchronously: a synchronous spawn would block the loop that serves the listener.
      new Promise<{ failed: boolean; stdout: string; stderr: string }>((resolve) => {
        const args = ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', 'default', '-d', 'mnemo', '-v', 'ON_ERROR_STOP=1', '-c', sql];
        execFile('psql', args, (error, stdout, stderr) => resolve({ failed: error !== null, stdout, stderr }));
      });
    const created = await run("CREATE TABLE ps (k text, n integer); INSERT INTO ps VALUES ('a', 1), ('b', 2), ('a', 3)");
    assert.equal(created.failed, false, created.stderr);
    const selected = await run('SELECT k, sum(n) FROM ps GROUP BY k ORDER BY k');
    assert.equal(selected.stdout, 'a|4\nb|2\n');
    const failed = await run('SELECT nope FROM ps');
    assert.equal(failed.failed, true);
    assert.match(failed.stderr, /column "nope" does not exist/);
  });
});
