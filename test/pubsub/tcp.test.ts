// Pub/sub over real sockets: the pubsub class of client-output-buffer-limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../../src/server/run.ts';
import { WireConnection, encodeCommand } from '../helpers/wire.ts';
import { waitFor } from '../clients/support.ts';

const MESSAGES = 300;
const PAYLOAD = 'x'.repeat(64 * 1024);

test('a subscriber that stops reading is closed at the pubsub output limit; the others keep receiving', async () => {
  const mnemo = await startServer({ port: 0, host: '127.0.0.1', config: { 'client-output-buffer-limit': 'pubsub 256kb 0 0' } });
  const slow = net.connect({ port: mnemo.port, host: '127.0.0.1' });
  const slowConnected = new Promise((resolve) => slow.once('connect', resolve));
  const fast = await WireConnection.connect(mnemo.port);
  const publisher = await WireConnection.connect(mnemo.port);
  try {
    await slowConnected;
    slow.write(encodeCommand(['SUBSCRIBE', 'c']));
    await fast.command(['SUBSCRIBE', 'c']);
    await waitFor(() => mnemo.server.pubsub.channels.get('c')?.clients.size === 2, 'both subscriptions');
    slow.pause();
    let delivered = 0;
    const receivers: string[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      receivers.push((await publisher.command(['PUBLISH', 'c', PAYLOAD]))!.toString());
      while (fast.hasReply) {
        await fast.reply();
        delivered++;
      }
    }
    while (delivered < MESSAGES) {
      await fast.reply();
      delivered++;
    }
    // Every message reached the reading subscriber; the other one stopped counting at some point.
    assert.equal(delivered, MESSAGES);
    assert.equal(receivers[0], ':2\r\n');
    assert.equal(receivers.at(-1), ':1\r\n');
    assert.equal(mnemo.server.clients.size, 2);
  } finally {
    slow.destroy();
    fast.close();
    publisher.close();
    await mnemo.close();
  }
});

test('subscribers are woken to send messages published by another connection', async () => {
  const mnemo = await startServer({ port: 0, host: '127.0.0.1' });
  const sub = await WireConnection.connect(mnemo.port);
  const publisher = await WireConnection.connect(mnemo.port);
  try {
    await sub.command(['SUBSCRIBE', 'c']);
    assert.equal((await publisher.command(['PUBLISH', 'c', 'm']))!.toString(), ':1\r\n');
    assert.equal((await sub.reply())!.toString(), '*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n');
  } finally {
    sub.close();
    publisher.close();
    await mnemo.close();
  }
});
