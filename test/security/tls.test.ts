// TLS on tls-port with certificates made by openssl at test time: redis-cli --tls and ioredis
// connect, client certificates are required by tls-auth-clients yes and optional with
// "optional", and the plain port keeps working beside it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { freePort, skipWithout } from '../helpers/reference.ts';
import { makeCertificates } from '../helpers/certificates.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mnemo-tls-'));
const file = (name: string) => join(dir, name);

before(() => void makeCertificates(dir));
after(() => rmSync(dir, { recursive: true, force: true }));

async function startTls(authClients: string, settings: Record<string, string> = {}): Promise<{ running: RunningServer; tlsPort: number }> {
  const tlsPort = await freePort();
  const config = {
    'tls-port': String(tlsPort),
    'tls-cert-file': file('server.crt'),
    'tls-key-file': file('server.key'),
    'tls-ca-cert-file': file('ca.crt'),
    'tls-auth-clients': authClients,
    ...settings,
  };
  // A plain port too: with port 0 and a TLS port, Redis (and Mnemo) listen on TLS only.
  const running = await startServer({ port: await freePort(), host: '127.0.0.1', config });
  return { running, tlsPort };
}

test('redis-cli --tls with a client certificate talks to the TLS port', { skip: skipWithout('redis-cli') }, async () => {
  const { running, tlsPort } = await startTls('yes');
  try {
    const tlsArgs = ['--tls', '--cacert', file('ca.crt'), '--cert', file('client.crt'), '--key', file('client.key')];
    const set = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(tlsPort), ...tlsArgs, 'SET', 'k', 'over tls']);
    assert.equal(set.stdout, 'OK\n');
    const plain = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(running.port), 'GET', 'k']);
    assert.equal(plain.stdout, 'over tls\n');
  } finally {
    await running.close();
  }
});

test('ioredis connects with TLS options and sees the same keyspace', async () => {
  const { running, tlsPort } = await startTls('yes');
  const redis = new Redis({
    port: tlsPort,
    host: '127.0.0.1',
    tls: { ca: readFileSync(file('ca.crt')), cert: readFileSync(file('client.crt')), key: readFileSync(file('client.key')) },
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    assert.equal(await redis.set('k', 'v'), 'OK');
    assert.equal(await redis.get('k'), 'v');
    assert.match((await redis.call('CLIENT', 'INFO')) as string, new RegExp(`laddr=127\\.0\\.0\\.1:${tlsPort} `));
  } finally {
    redis.disconnect();
    await running.close();
  }
});

interface Handshake {
  reply: string;
  protocol: string | null;
  cipher: string;
  reused: boolean;
  /** The session ticket the server sent, if it sent one before its reply. */
  session: Buffer | undefined;
}

/** Completes a TLS handshake and a PING, or rejects with the handshake's error. */
function handshake(port: number, options: tls.ConnectionOptions = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', ca: readFileSync(file('ca.crt')), ...options });
    let reply = '';
    let session: Buffer | undefined;
    socket.on('session', (ticket: Buffer) => (session = ticket));
    socket.on('secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) {
        const cipher = socket.getCipher().name;
        resolve({ reply, protocol: socket.getProtocol(), cipher, reused: socket.isSessionReused(), session });
        socket.end();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${JSON.stringify(reply)}`)));
  });
}

const clientCertificate = () => ({ cert: readFileSync(file('client.crt')), key: readFileSync(file('client.key')) });

async function pingOverTls(port: number, withCertificate: boolean): Promise<string> {
  return (await handshake(port, withCertificate ? clientCertificate() : {})).reply;
}

test('tls-auth-clients yes refuses a client without a certificate; optional and no accept it', async () => {
  const strict = await startTls('yes');
  try {
    await assert.rejects(pingOverTls(strict.tlsPort, false));
    assert.equal(await pingOverTls(strict.tlsPort, true), '+PONG\r\n');
  } finally {
    await strict.running.close();
  }
  for (const mode of ['optional', 'no']) {
    const lenient = await startTls(mode);
    try {
      assert.equal(await pingOverTls(lenient.tlsPort, false), '+PONG\r\n', mode);
    } finally {
      await lenient.running.close();
    }
  }
});

test('with port 0 and a TLS port, only TLS listens', async () => {
  const tlsPort = await freePort();
  const config = { 'tls-port': String(tlsPort), 'tls-cert-file': file('server.crt'), 'tls-key-file': file('server.key'), 'tls-auth-clients': 'no' };
  const running = await startServer({ port: 0, host: '127.0.0.1', config });
  try {
    assert.equal(running.port, 0);
    assert.equal(await pingOverTls(tlsPort, false), '+PONG\r\n');
  } finally {
    await running.close();
  }
});

test('a TLS port without a certificate stops start-up', async () => {
  await assert.rejects(startServer({ port: 0, config: { 'tls-port': String(await freePort()) } }), /Failed to configure TLS: No tls-cert-file or tls-key-file configured!/);
});

test('tls-protocols limits the versions: TLSv1.2 alone refuses a TLS 1.3 client and serves a TLS 1.2 one', async () => {
  const { running, tlsPort } = await startTls('no', { 'tls-protocols': 'TLSv1.2' });
  try {
    await assert.rejects(handshake(tlsPort, { minVersion: 'TLSv1.3' }));
    assert.equal((await handshake(tlsPort)).protocol, 'TLSv1.2');
  } finally {
    await running.close();
  }
  const modern = await startTls('no');
  try {
    assert.equal((await handshake(modern.tlsPort)).protocol, 'TLSv1.3');
    await assert.rejects(handshake(modern.tlsPort, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }));
  } finally {
    await modern.running.close();
  }
});

test('tls-ciphersuites picks the TLS 1.3 suite and tls-ciphers the TLS 1.2 cipher; CONFIG SET changes them for new connections', async () => {
  const { running, tlsPort } = await startTls('no', { 'tls-ciphersuites': 'TLS_CHACHA20_POLY1305_SHA256', 'tls-ciphers': 'ECDHE-RSA-AES128-GCM-SHA256' });
  try {
    assert.equal((await handshake(tlsPort)).cipher, 'TLS_CHACHA20_POLY1305_SHA256');
    assert.equal((await handshake(tlsPort, { maxVersion: 'TLSv1.2' })).cipher, 'ECDHE-RSA-AES128-GCM-SHA256');
    const admin = new Redis({ port: running.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      assert.equal(await admin.config('SET', 'tls-ciphersuites', 'TLS_AES_128_GCM_SHA256'), 'OK');
    } finally {
      admin.disconnect();
    }
    assert.equal((await handshake(tlsPort)).cipher, 'TLS_AES_128_GCM_SHA256');
  } finally {
    await running.close();
  }
});

test("tls-prefer-server-ciphers picks the server's first cipher the client offers; without it the client's first", async () => {
  const ciphers = 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384';
  const client = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256' } as const;
  for (const [prefer, expected] of [['yes', 'ECDHE-RSA-AES128-GCM-SHA256'], ['no', 'ECDHE-RSA-AES256-GCM-SHA384']]) {
    const { running, tlsPort } = await startTls('no', { 'tls-ciphers': ciphers, 'tls-prefer-server-ciphers': prefer! });
    try {
      assert.equal((await handshake(tlsPort, client)).cipher, expected, `tls-prefer-server-ciphers ${prefer}`);
    } finally {
      await running.close();
    }
  }
});

test('tls-key-file-pass decrypts an encrypted private key; a wrong one stops start-up', async () => {
  await run('openssl', ['pkey', '-in', file('server.key'), '-aes256', '-passout', 'pass:s3cret', '-out', file('server-encrypted.key')]);
  const { running, tlsPort } = await startTls('no', { 'tls-key-file': file('server-encrypted.key'), 'tls-key-file-pass': 's3cret' });
  try {
    assert.equal((await handshake(tlsPort)).reply, '+PONG\r\n');
  } finally {
    await running.close();
  }
  await assert.rejects(startTls('no', { 'tls-key-file': file('server-encrypted.key'), 'tls-key-file-pass': 'wrong' }), /Failed to configure TLS: Failed to load private key: .*server-encrypted\.key: .*bad decrypt/);
});

test('tls-ca-cert-dir trusts the CA certificates of a directory for client certificates', async () => {
  const caDir = join(dir, 'cas');
  mkdirSync(caDir, { recursive: true });
  copyFileSync(file('ca.crt'), join(caDir, 'ca.pem'));
  const { running, tlsPort } = await startTls('yes', { 'tls-ca-cert-file': '', 'tls-ca-cert-dir': caDir });
  try {
    assert.equal((await handshake(tlsPort, clientCertificate())).reply, '+PONG\r\n');
    await assert.rejects(handshake(tlsPort));
  } finally {
    await running.close();
  }
});

test('tls-session-caching lets a client resume its session; with it off a ticket offered does not resume one', async () => {
  const caching = await startTls('no');
  try {
    const first = await handshake(caching.tlsPort);
    assert.ok(first.session !== undefined, 'a session ticket');
    assert.equal(first.reused, false);
    assert.equal((await handshake(caching.tlsPort, { session: first.session })).reused, true);
  } finally {
    await caching.running.close();
  }
  const uncached = await startTls('no', { 'tls-session-caching': 'no' });
  try {
    // TLS 1.3 servers still send a ticket (redis-server 7.0.15 too, which then fails the resuming handshake).
    const first = await handshake(uncached.tlsPort);
    assert.equal((await handshake(uncached.tlsPort, { session: first.session! })).reused, false);
  } finally {
    await uncached.running.close();
  }
});

test('node-redis connects with TLS options', async () => {
  const { running, tlsPort } = await startTls('yes');
  const client = createClient({
    socket: { port: tlsPort, host: '127.0.0.1', tls: true, ca: readFileSync(file('ca.crt')), ...clientCertificate(), reconnectStrategy: false },
  });
  try {
    await client.connect();
    assert.equal(await client.set('k', 'v'), 'OK');
    assert.equal(await client.get('k'), 'v');
  } finally {
    await client.quit().catch(() => {});
    await running.close();
  }
});
