import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.ts';
import { referenceSkip } from '../helpers/side-by-side.ts';
import { startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { WireConnection } from '../helpers/wire.ts';
import { monitorLine, quoteRepr } from '../../src/observability/monitor.ts';

/** The commands both servers run, with what MONITOR must show of each. */
const SEQUENCE: (string | Buffer)[][] = [
  ['SELECT', '1'],
  ['SET', 'a', Buffer.from('x\x00\xff\n"q\\ y\t\r\x07\x08', 'latin1')],
  ['EVAL', "redis.call('set','k','v') return 1", '0'],
  ['MULTI'],
  ['SET', 'k', 'v'],
  ['EXEC'],
  ['AUTH', 'foo'],
  ['HELLO', '2', 'AUTH', 'default', 'pw'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['SLOWLOG', 'LEN'],
  ['GET'],
  ['NOSUCHCOMMAND', 'x'],
  ['GET', 'a'],
];

/** Lines without their timestamp and with the client's port as PORT. */
function masked(lines: string[]): string[] {
  return lines.map((line) => line.replace(/^\+\d+\.\d{6} /, '+TIME ').replace(/127\.0\.0\.1:\d+\]/, 'ADDR]'));
}

function monitorOutput(bytes: Buffer): string[] {
  return bytes.toString('latin1').split('\r\n').filter((line) => line !== '');
}

test('quoting follows sdscatrepr: escapes for quotes, backslash and control bytes, \\xHH for the rest', () => {
  assert.equal(quoteRepr(Buffer.from('a"b\\c\n\r\t\x07\x08\x00\xff ~', 'latin1')), '"a\\"b\\\\c\\n\\r\\t\\a\\b\\x00\\xff ~"');
  assert.equal(monitorLine(1_700_000_000_123.456, 2, 'lua', [Buffer.from('set')]), '1700000000.123456 [2 lua] "set"');
});

test('a monitor sees commands after they ran, scripts before their commands, admin commands not at all', () => {
  const h = new Harness();
  const monitor = h.newClient();
  assert.equal(h.runAs(monitor, 'MONITOR'), 'OK');
  for (const args of SEQUENCE) h.raw(args);
  assert.deepEqual(masked(monitorOutput(monitor.w.take()!)), [
    '+TIME [1 ADDR] "SELECT" "1"',
    '+TIME [1 ADDR] "SET" "a" "x\\x00\\xff\\n\\"q\\\\ y\\t\\r\\a\\b"',
    '+TIME [1 ADDR] "EVAL" "redis.call(\'set\',\'k\',\'v\') return 1" "0"',
    '+TIME [1 lua] "set" "k" "v"',
    '+TIME [1 ADDR] "MULTI"',
    '+TIME [1 ADDR] "SET" "k" "v"',
    '+TIME [1 ADDR] "EXEC"',
    '+TIME [1 ADDR] "AUTH" "(redacted)"',
    '+TIME [1 ADDR] "HELLO" "2" "AUTH" "(redacted)" "(redacted)"',
    '+TIME [1 ADDR] "GET" "a"',
  ]);
});

test('RESET and disconnecting end monitoring', () => {
  const h = new Harness();
  const monitor = h.newClient();
  h.runAs(monitor, 'MONITOR');
  h.runAs(monitor, 'RESET');
  h.run('PING');
  assert.equal(monitor.w.take(), null);
  const other = h.newClient();
  h.runAs(other, 'MONITOR');
  h.server.removeClient(other);
  assert.equal(h.server.observability.monitors.size, 0);
});

let reference: ReferenceServer | null = null;
before(async () => {
  if (!referenceSkip) reference = await startRedisReference();
});
after(async () => {
  await reference?.close();
});

test('MONITOR lines match redis-server for a fixed sequence, timestamps and ports aside', { skip: referenceSkip }, async () => {
  const h = new Harness();
  const mnemoMonitor = h.newClient();
  h.runAs(mnemoMonitor, 'MONITOR');
  const probe = await WireConnection.connect(reference!.port);
  const watcher = await WireConnection.connect(reference!.port);
  try {
    assert.equal((await watcher.command(['MONITOR']))!.toString(), '+OK\r\n');
    for (const args of SEQUENCE) {
      h.raw(args);
      await probe.command(args);
    }
    const theirs = Buffer.concat(await watcher.repliesUntilQuiet(300));
    assert.deepEqual(masked(monitorOutput(mnemoMonitor.w.take()!)), masked(monitorOutput(theirs)));
  } finally {
    probe.close();
    watcher.close();
  }
});
