// The cluster bus codec: Redis 7.0's layout (offsets and lengths from cluster.h), round trips of
// every message kind, and a fuzzed decoder that only ever answers a message or a BusFormatError.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import {
  BusFormatError,
  decodeMessage,
  encodeBare,
  encodeFail,
  encodePing,
  encodePublish,
  encodeUpdate,
  frameLength,
  HEADER_LENGTH,
  MessageType,
  type HeaderFields,
} from '../../src/cluster/message.ts';
import { SLOT_BITMAP_BYTES } from '../../src/cluster/node.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function fields(): HeaderFields {
  const slots = new Uint8Array(SLOT_BITMAP_BYTES);
  slots[0] = 0b101; // slots 0 and 2
  slots[SLOT_BITMAP_BYTES - 1] = 0x80; // slot 16383
  return { port: 7000, pport: 0, cport: 17000, currentEpoch: 7, configEpoch: 3, offset: 12345, sender: A, slots, master: null, ip: '', flags: 1, ok: true, paused: false };
}

test('a PING has the 2256-byte header of cluster.h, big-endian fields at their offsets, 104 bytes per gossip entry', () => {
  const gossip = [{ name: B, pingSent: 5000, pongReceived: 6000, ip: '127.0.0.1', port: 7001, cport: 17001, flags: 1, pport: 0 }];
  const frame = encodePing(MessageType.Ping, fields(), gossip, '');
  assert.equal(frame.length, HEADER_LENGTH + 104);
  assert.equal(frame.toString('latin1', 0, 4), 'RCmb');
  assert.equal(frame.readUInt32BE(4), frame.length);
  assert.equal(frame.readUInt16BE(8), 1, 'protocol version');
  assert.equal(frame.readUInt16BE(10), 7000);
  assert.equal(frame.readUInt16BE(14), 1, 'gossip count');
  assert.equal(frame.readBigUInt64BE(16), 7n);
  assert.equal(frame.readBigUInt64BE(24), 3n);
  assert.equal(frame.readBigUInt64BE(32), 12345n);
  assert.equal(frame.toString('latin1', 40, 80), A);
  assert.equal(frame[80], 0b101, 'slot bitmap at 80, slot j in bit j & 7');
  assert.equal(frame.readUInt16BE(2248), 17000, 'cport');
  assert.equal(frame.toString('latin1', 2256, 2296), B, 'first gossip entry right after the header');
  assert.equal(frame.readUInt32BE(2256 + 40), 5, 'gossip times in seconds');
  assert.equal(frame.readUInt16BE(2256 + 94), 7001);
});

test('PING, PONG and MEET round-trip with gossip and the hostname extension', () => {
  for (const type of [MessageType.Ping, MessageType.Pong, MessageType.Meet]) {
    const gossip = [{ name: B, pingSent: 0, pongReceived: 9000, ip: '10.0.0.2', port: 7002, cport: 17002, flags: 2, pport: 0 }];
    const decoded = decodeMessage(encodePing(type, { ...fields(), master: B }, gossip, 'node-0.mnemo'));
    assert.equal(decoded.kind, 'ping');
    if (decoded.kind !== 'ping') return;
    assert.equal(decoded.type, type);
    assert.equal(decoded.sender, A);
    assert.equal(decoded.master, B);
    assert.equal(decoded.currentEpoch, 7);
    assert.equal(decoded.hostname, 'node-0.mnemo');
    assert.deepEqual(decoded.gossip, [{ ...gossip[0]!, pongReceived: 9000 }]);
    assert.deepEqual([...decoded.slots.slice(0, 1)], [0b101]);
  }
});

test('FAIL, PUBLISH, UPDATE and the bare election messages round-trip', () => {
  const fail = decodeMessage(encodeFail(fields(), B));
  assert.equal(fail.kind === 'fail' && fail.about, B);
  const publish = decodeMessage(encodePublish(MessageType.Publish, fields(), Buffer.from('news'), Buffer.from('hello\0world')));
  assert.ok(publish.kind === 'publish');
  assert.equal(publish.channel.toString(), 'news');
  assert.equal(publish.message.toString('latin1'), 'hello\0world');
  const slots = new Uint8Array(SLOT_BITMAP_BYTES).fill(0xff);
  const update = decodeMessage(encodeUpdate(fields(), 42, B, slots));
  assert.ok(update.kind === 'update');
  assert.equal(update.epoch, 42);
  assert.equal(update.node, B);
  assert.equal(update.nodeSlots[100], 0xff);
  const request = decodeMessage(encodeBare(MessageType.FailoverAuthRequest, fields(), true));
  assert.equal(request.kind, 'bare');
  assert.equal(request.mflags & 2, 2, 'FORCEACK set');
});

test('a message whose lengths do not add up is a BusFormatError', () => {
  const frame = encodePing(MessageType.Ping, fields(), [], '');
  assert.throws(() => frameLength(Buffer.from('XXXX\0\0\x08\xd0')), BusFormatError);
  assert.throws(() => frameLength(Buffer.from('RCmb\0\0\0\x10')), BusFormatError, 'shorter than a header');
  const wrongCount = Buffer.from(frame);
  wrongCount.writeUInt16BE(3, 14);
  assert.throws(() => decodeMessage(wrongCount), BusFormatError);
  const fail = encodeFail(fields(), B);
  assert.throws(() => decodeMessage(fail.subarray(0, fail.length - 1)), BusFormatError);
});

test('the decoder never throws anything but BusFormatError, whatever the bytes (fuzzed)', () => {
  const seeds = [
    encodePing(MessageType.Ping, fields(), [{ name: B, pingSent: 1, pongReceived: 2, ip: '127.0.0.1', port: 1, cport: 2, flags: 3, pport: 0 }], 'host'),
    encodeFail(fields(), B),
    encodePublish(MessageType.PublishShard, fields(), Buffer.from('c'), Buffer.from('m')),
    encodeUpdate(fields(), 1, B, new Uint8Array(SLOT_BITMAP_BYTES)),
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: seeds.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
      fc.nat({ max: 200 }),
      (which, edits, cut) => {
        const frame = Buffer.from(seeds[which]!);
        for (const [at, value] of edits) frame[at % 2260] = value;
        // Keep totlen consistent with the buffer sometimes, so the type-specific checks run.
        if (edits.length % 2 === 0) frame.writeUInt32BE(frame.length, 4);
        const bytes = cut > 100 ? frame.subarray(0, frame.length - (cut - 100)) : frame;
        try {
          decodeMessage(bytes);
        } catch (error) {
          assert.ok(error instanceof BusFormatError, String(error));
        }
      },
    ),
    { numRuns: 3000 },
  );
});
