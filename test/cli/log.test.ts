import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../../src/server/config.ts';
import { Logger, logTimestamp } from '../../src/server/log.ts';

/** redis-server's line: "pid:role dd Mon yyyy hh:mm:ss.mmm <mark> message". */
const LINE = /^(\d+):([MS]) (\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3}) ([.\-*#]) (.*)$/;

function logToFile(settings: Record<string, string> = {}, syslogPath?: string): { config: Config; log: Logger; lines: () => string[] } {
  const file = join(mkdtempSync(join(tmpdir(), 'mnemo-log-')), 'server.log');
  const config = new Config();
  config.set('logfile', file, true);
  for (const [name, value] of Object.entries(settings)) config.set(name, value, true);
  const log = new Logger(config);
  log.enable(syslogPath === undefined ? {} : { syslogPath });
  const lines = () => {
    try {
      return readFileSync(file, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  return { config, log, lines };
}

test("log lines follow redis-server's format, with the level marks . - * #", () => {
  const { log, lines } = logToFile({ loglevel: 'debug' });
  log.debug('d');
  log.verbose('v');
  log.notice('n');
  log.warning('w');
  const parsed = lines().map((line) => LINE.exec(line));
  assert.ok(parsed.every((match) => match !== null), lines().join('\n'));
  assert.deepEqual(
    parsed.map((match) => [Number(match![1]), match![2], match![4], match![5]]),
    [
      [process.pid, 'M', '.', 'd'],
      [process.pid, 'M', '-', 'v'],
      [process.pid, 'M', '*', 'n'],
      [process.pid, 'M', '#', 'w'],
    ],
  );
});

test('the timestamp is local time with milliseconds, as strftime("%d %b %Y %H:%M:%S.") plus ms', () => {
  assert.equal(logTimestamp(new Date(2026, 0, 5, 7, 8, 9, 42)), '05 Jan 2026 07:08:09.042');
});

test('a replica marks its lines S', () => {
  const { log, lines } = logToFile({ replicaof: '127.0.0.1 6380' });
  log.warning('x');
  assert.equal(LINE.exec(lines()[0]!)![2], 'S');
});

test('loglevel filters lower levels and CONFIG SET loglevel takes effect at once', () => {
  const { config, log, lines } = logToFile();
  log.verbose('hidden at notice');
  log.notice('shown');
  config.set('loglevel', 'warning');
  log.notice('hidden at warning');
  log.warning('still shown');
  assert.deepEqual(
    lines().map((line) => LINE.exec(line)![5]),
    ['shown', 'still shown'],
  );
});

test('a log file removed while running (rotated) is created again on the next line', () => {
  const { config, log, lines } = logToFile();
  log.notice('before');
  rmSync(config.get('logfile'));
  log.notice('after');
  assert.deepEqual(lines().map((line) => LINE.exec(line)![5]), ['after']);
});

test('syslog-enabled without a syslog socket logs a warning and goes on logging to the file', () => {
  const { log, lines } = logToFile({ 'syslog-enabled': 'yes' }, join(tmpdir(), 'no-such-syslog-socket'));
  log.notice('still here');
  assert.deepEqual(
    lines().map((line) => LINE.exec(line)![5]),
    ['syslog-enabled is set but there is no syslog socket at ' + join(tmpdir(), 'no-such-syslog-socket') + ': logging to syslog is off.', 'still here'],
  );
});

test('with syslog-enabled, lines go to the syslog socket with the ident, pid, facility and severity', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'mnemo-syslog-')), 'log.sock');
  let received = '';
  let gotTwo!: () => void;
  const done = new Promise<void>((resolve) => (gotTwo = resolve));
  const sink = net.createServer((socket) =>
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.split('\n').length > 2) {
        socket.destroy();
        gotTwo();
      }
    }),
  );
  await new Promise<void>((resolve) => sink.listen(path, resolve));
  const { log } = logToFile({ 'syslog-enabled': 'yes', 'syslog-ident': 'mnemo-test', 'syslog-facility': 'local3' }, path);
  log.notice('hello');
  log.warning('careful');
  await done;
  log.close();
  sink.close();
  // local3 is facility 19: notice (5) is 157, warning (4) is 156.
  const lines = received.split('\n').filter(Boolean);
  assert.match(lines[0]!, new RegExp(`^<157>[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d mnemo-test\\[${process.pid}\\]: hello$`));
  assert.match(lines[1]!, new RegExp(`^<156>.* mnemo-test\\[${process.pid}\\]: careful$`));
});
