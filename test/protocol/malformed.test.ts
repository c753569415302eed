// Malformed requests over TCP, compared byte for byte with a real redis-server: the error
// reply, whether the connection closes after it, and what ran before the bad frame.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/server/run.ts';
import { skipWithout, startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { WireConnection, escapeBytes } from '../helpers/wire.ts';

interface Case {
  name: string;
  input: string;
}

const LONG = 70_000;
const CASES: Case[] = [
  { name: 'a multibulk count that is not a number', input: '*x\r\n' },
  { name: 'a multibulk count with a plus sign', input: '*+1\r\n' },
  { name: 'a multibulk count past INT_MAX', input: '*2147483648\r\n' },
  { name: 'a multibulk count of exactly INT_MAX, which waits for arguments', input: '*2147483647\r\n' },
  { name: 'a bulk length that is not a number', input: '*1\r\n$x\r\n' },
  { name: 'a negative bulk length', input: '*1\r\n$-1\r\n' },
  { name: 'a bulk length past proto-max-bulk-len', input: '*1\r\n$600000000\r\n' },
  { name: "a bulk header without '$'", input: '*1\r\nfoo\r\n' },
  { name: "a non-ASCII byte where '$' belongs", input: '*1\r\n\xffoo\r\n' },
  { name: "a CR where '$' belongs", input: '*1\r\n\roo\r\n' },
  { name: 'an unbalanced double quote', input: 'SET "a b\r\n' },
  { name: 'a closing quote followed by a letter', input: "SET 'a'b c\r\n" },
  { name: 'an inline request past 64 KB without a newline', input: 'x'.repeat(LONG) },
  { name: 'a multibulk count string past 64 KB', input: `*${'1'.repeat(LONG)}` },
  { name: 'a bulk count string past 64 KB', input: `*1\r\n$${'1'.repeat(LONG)}` },
  { name: 'commands in the same packet before a bad frame', input: 'SET k v\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$x\r\nPING\r\n' },
  { name: 'an inline command before an unbalanced quote', input: 'PING\r\nECHO "a\r\nPING\r\n' },
  { name: 'a NUL before the end of an inline line', input: 'PI\x00NG\r\n' },
  { name: 'empty lines, *0 and *-1 between commands', input: '\r\n*0\r\n*-1\r\n\nPING\r\n' },
  { name: 'bytes after a bulk body that are not CRLF', input: '*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n' },
  { name: 'commands after QUIT in the same packet', input: 'SET q 1\r\nQUIT\r\nSET q 2\r\n' },
  { name: 'a bad frame after QUIT in the same packet', input: 'QUIT\r\n*x\r\n' },
  { name: 'an empty bulk as the command name', input: '*1\r\n$0\r\n\r\n' },
  { name: 'CR and LF inside an unknown command and its arguments', input: '*2\r\n$3\r\nF\rO\r\n$3\r\na\nb\r\n' },
  { name: 'an HTTP POST sent to the Redis port (cross-protocol guard)', input: 'PING\r\nPOST / HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'an HTTP Host: header line', input: 'Host: example\r\nPING\r\n' },
  { name: 'a NUL inside an unknown command name and its argument', input: '*2\r\n$3\r\nF\x00O\r\n$3\r\na\x00b\r\n' },
  // Redis sends no error and, having no reply to close after, leaves the connection open and deaf.
  { name: 'a bad frame while CLIENT REPLY is OFF', input: 'CLIENT REPLY OFF\r\n*1\r\n$abc\r\nCLIENT REPLY ON\r\nPING\r\n' },
  { name: 'a bad frame right after CLIENT REPLY SKIP', input: 'CLIENT REPLY SKIP\r\n*1\r\n$abc\r\nPING\r\n' },
  { name: 'QUIT while CLIENT REPLY is OFF', input: 'CLIENT REPLY OFF\r\nQUIT\r\nCLIENT REPLY ON\r\nPING\r\n' },
  { name: 'non-UTF-8 bytes quoted back in a HELLO option error', input: '*3\r\n$5\r\nHELLO\r\n$1\r\n2\r\n$2\r\n\xff\xfe\r\n' },
];
const AUTH_CASES: Case[] = [
  { name: 'more than 10 arguments before AUTH', input: '*11\r\n' },
  { name: 'a bulk over 16 KB before AUTH', input: '*1\r\n$16385\r\n' },
  { name: 'a bulk of 16 KB before AUTH, which is answered NOAUTH', input: `*2\r\n$4\r\nECHO\r\n$16384\r\n${'a'.repeat(16384)}\r\n` },
];

async function sendAndDrain(port: number, input: Buffer): Promise<string> {
  const conn = await WireConnection.connect(port);
  try {
    conn.send(input);
    const { data, closed } = await conn.drain(1000);
    return `${escapeBytes(data)}${closed ? ' <closed>' : ' <open>'}`;
  } finally {
    conn.close();
  }
}

function suite(title: string, cases: Case[], password: string | null): void {
  const skip = skipWithout('redis-server');
  describe(title, { skip, concurrency: true }, () => {
    let mnemo: RunningServer;
    let reference: ReferenceServer;
    before(async () => {
      const auth = password === null ? [] : ['--requirepass', password];
      [mnemo, reference] = await Promise.all([
        startServer({ port: 0, host: '127.0.0.1', config: password === null ? {} : { requirepass: password } }),
        startRedisReference(auth),
      ]);
    });
    after(async () => {
      await Promise.all([mnemo?.close(), reference?.close()]);
    });
    for (const { name, input } of cases) {
      it(`answers ${name} as Redis does`, async () => {
        const bytes = Buffer.from(input, 'latin1');
        const [got, expected] = await Promise.all([sendAndDrain(mnemo.port, bytes), sendAndDrain(reference.port, bytes)]);
        assert.equal(got, expected);
      });
    }
  });
}

suite('malformed requests', CASES, null);
suite('requests before authentication', AUTH_CASES, 'secret');
