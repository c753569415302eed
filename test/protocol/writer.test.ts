import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyWriter } from '../../src/protocol/resp/writer.ts';

function written(resp: 2 | 3, write: (w: ReplyWriter) => void): string {
  const w = new ReplyWriter();
  w.resp = resp;
  write(w);
  return w.take()?.toString('latin1') ?? '';
}

test('maps, sets, pushes, nulls, doubles and booleans take RESP2 shapes for RESP2 clients', () => {
  const all = (w: ReplyWriter) => {
    w.map(1);
    w.bulkString('a');
    w.set(1);
    w.int(1);
    w.push(0);
    w.null();
    w.nullArray();
    w.double(1.5);
    w.bool(true);
    w.bool(false);
    w.verbatim('hi');
  };
  assert.equal(written(2, all), '*2\r\n$1\r\na\r\n*1\r\n:1\r\n*0\r\n$-1\r\n*-1\r\n$3\r\n1.5\r\n:1\r\n:0\r\n$2\r\nhi\r\n');
  assert.equal(written(3, all), '%1\r\n$1\r\na\r\n~1\r\n:1\r\n>0\r\n_\r\n_\r\n,1.5\r\n#t\r\n#f\r\n=6\r\ntxt:hi\r\n');
});

test('integers of every size are written in decimal', () => {
  const values = [0, 7, -7, 10, 99, 100, -1234567890, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
  assert.equal(
    written(2, (w) => values.forEach((v) => w.int(v))),
    values.map((v) => `:${v}\r\n`).join(''),
  );
  assert.equal(written(2, (w) => w.bigint(-9223372036854775808n)), ':-9223372036854775808\r\n');
});

test('a bulk is binary-safe and a range writes only its slice', () => {
  const bytes = Buffer.from([0, 0xff, 13, 10, 0x80]);
  assert.equal(written(2, (w) => w.bulk(bytes)), '$5\r\n\x00\xff\r\n\x80\r\n');
  assert.equal(written(2, (w) => w.bulkRange(bytes, 1, 3)), '$2\r\n\xff\r\r\n');
  assert.equal(written(2, (w) => w.bulkString('é')), '$2\r\n\xc3\xa9\r\n');
});

test('error texts go out as their bytes, with CR and LF turned into spaces', () => {
  assert.equal(written(2, (w) => w.error("ERR got '\xff'")), "-ERR got '\xff'\r\n");
  assert.equal(written(2, (w) => w.error('ERR a\r\nb\nc')), '-ERR a  b c\r\n');
  assert.equal(written(2, (w) => w.error('ERR snowman \u2603')), '-ERR snowman \xe2\x98\x83\r\n');
});

test('status lines cannot break the protocol either', () => {
  assert.equal(written(2, (w) => w.simple('a\r\nb')), '+a  b\r\n');
});

test('errors are counted and reported to the listener', () => {
  const w = new ReplyWriter();
  const seen: string[] = [];
  w.onError = (message) => seen.push(message);
  w.error('ERR one');
  w.ok();
  w.error('WRONGTYPE two');
  assert.equal(w.errorCount, 2);
  assert.deepEqual(seen, ['ERR one', 'WRONGTYPE two']);
});

test('a deferred length is filled in before the elements written after it', () => {
  assert.equal(
    written(3, (w) => {
      w.ok();
      const mark = w.deferLength();
      w.bulkString('a');
      w.int(1);
      w.setDeferredLength(mark, 1, 'map');
    }),
    '+OK\r\n%1\r\n$1\r\na\r\n:1\r\n',
  );
  assert.equal(
    written(2, (w) => {
      const mark = w.deferLength();
      w.setDeferredLength(mark, 2, 'map');
    }),
    '*4\r\n',
  );
  assert.equal(
    written(3, (w) => {
      const mark = w.deferLength();
      w.int(1);
      w.setDeferredLength(mark, 12345, 'set');
    }),
    '~12345\r\n:1\r\n',
  );
});

test('a deferred length stays right when filling it grows the buffer after earlier takes', () => {
  const w = new ReplyWriter();
  w.bulk(Buffer.alloc(1000, 0x61));
  const taken = w.take()!.length;
  const mark = w.deferLength();
  // Fills the pooled buffer to two bytes short of its end, so the header must grow it.
  const filler = Buffer.alloc(64 * 1024 - taken - 2, 0x62);
  w.raw(filler);
  w.setDeferredLength(mark, 1);
  assert.ok(w.take()!.equals(Buffer.concat([Buffer.from('*1\r\n'), filler])));
});

test('rewinding drops replies written after the mark', () => {
  const w = new ReplyWriter();
  w.ok();
  const mark = w.mark();
  w.int(5);
  w.rewind(mark);
  w.int(6);
  assert.equal(w.take()!.toString(), '+OK\r\n:6\r\n');
});

test('a taken buffer stays intact while the writer goes on', () => {
  const w = new ReplyWriter();
  w.bulkString('first');
  const first = w.take()!;
  for (let i = 0; i < 5000; i++) w.int(i);
  w.take();
  assert.equal(first.toString(), '$5\r\nfirst\r\n');
});

test('an error drops the CRs and LFs at its end and turns the others into spaces', () => {
  assert.equal(written(2, (w) => w.error('ERR Unsupported option xy\r\n')), '-ERR Unsupported option xy\r\n');
  assert.equal(written(2, (w) => w.error('ERR bad x\ry\nz\n')), '-ERR bad x y z\r\n');
});
