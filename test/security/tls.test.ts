// TLS on tls-port with certificates made by openssl at test time: redis-cli --tls and ioredis
// connect, client certificates are required by tls-auth-clients yes and optional with
// "optional", and the plain port keeps working beside it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { freePort, skipWithout } from '../helpers/reference.ts';
import { makeCertificates } from '../helpers/certificates.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mnemo-tls-'));
const file = (name: string) => join(dir, name);

before(() => void makeCertificates(dir));
after(() => rmSync(dir, { recursive: true, force: true }));

async function startTls(authClients: string): Promise<{ running: RunningServer; tlsPort: number }> {
  const tlsPort = await freePort();
  const config = {
    'tls-port': String(tlsPort),
    'tls-cert-file': file('server.crt'),
    'tls-key-file': file('server.key'),
    'tls-ca-cert-file': file('ca.crt'),
    'tls-auth-clients': authClients,
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

/** Completes a TLS handshake and a PING, or rejects with the handshake's error. */
function pingOverTls(port: number, withCertificate: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      port,
      host: '127.0.0.1',
      ca: readFileSync(file('ca.crt')),
      ...(withCertificate ? { cert: readFileSync(file('client.crt')), key: readFileSync(file('client.key')) } : {}),
    });
    let reply = '';
    socket.on('secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) {
        socket.end();
        resolve(reply);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${JSON.stringify(reply)}`)));
  });
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
