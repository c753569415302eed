// Socket.IO's Redis adapters across two Socket.IO servers, with Mnemo as the Redis: a room
// broadcast from one server reaches the clients of both, and the adapters' request/response
// traffic (fetchSockets, serverSideEmit) works. The classic adapter (PUBLISH/PSUBSCRIBE) runs
// over ioredis, the sharded one (SPUBLISH/SSUBSCRIBE) over node-redis.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { Server as SocketServer } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { startServer, type RunningServer } from '../../src/server/run.ts';

interface Node {
  io: SocketServer;
  http: HttpServer;
  port: number;
  close(): Promise<void>;
}

type AdapterFactory = (mnemo: RunningServer) => Promise<{ adapter: ReturnType<typeof createAdapter>; close(): Promise<void> }>;

const ioredisAdapter: AdapterFactory = async (mnemo) => {
  const pub = new Redis({ port: mnemo.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  const sub = pub.duplicate();
  return {
    adapter: createAdapter(pub, sub),
    // QUIT goes after the unsubscriptions the adapter sent on closing, so they are answered.
    close: async () => {
      await Promise.all([pub.quit(), sub.quit()]);
    },
  };
};

const shardedNodeRedisAdapter: AdapterFactory = async (mnemo) => {
  const pub = createClient({ url: mnemo.url, socket: { reconnectStrategy: false } });
  const sub = pub.duplicate();
  pub.on('error', () => {});
  sub.on('error', () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    adapter: createShardedAdapter(pub, sub) as unknown as ReturnType<typeof createAdapter>,
    // close() waits for the unsubscriptions the adapter sent on closing.
    close: async () => {
      await Promise.all([pub.close(), sub.close()]);
    },
  };
};

async function startNode(mnemo: RunningServer, factory: AdapterFactory): Promise<Node> {
  const { adapter, close } = await factory(mnemo);
  const http = createServer();
  const io = new SocketServer(http, { adapter });
  io.on('connection', (socket) => {
    void socket.join('room');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    io,
    http,
    port: (http.address() as AddressInfo).port,
    close: async () => {
      io.disconnectSockets(true);
      await new Promise((resolve) => io.close(resolve));
      await close();
    },
  };
}

function connect(port: number): Promise<ClientSocket> {
  const socket = connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function next(socket: ClientSocket, event: string): Promise<unknown[]> {
  return new Promise((resolve) => socket.once(event, (...args: unknown[]) => resolve(args)));
}

const ADAPTERS: [string, AdapterFactory][] = [
  ['the Redis adapter over ioredis (PUBLISH/PSUBSCRIBE)', ioredisAdapter],
  ['the sharded Redis adapter over node-redis (SPUBLISH/SSUBSCRIBE)', shardedNodeRedisAdapter],
];

for (const [label, factory] of ADAPTERS) {
  describe(`Socket.IO: ${label}, two servers`, () => {
    let mnemo: RunningServer;
    let nodes: Node[];
    let clients: ClientSocket[];
    before(async () => {
      mnemo = await startServer({ port: 0, host: '127.0.0.1' });
      nodes = [await startNode(mnemo, factory), await startNode(mnemo, factory)];
      clients = [await connect(nodes[0]!.port), await connect(nodes[1]!.port)];
    });
    after(async () => {
      for (const client of clients ?? []) client.disconnect();
      for (const node of nodes ?? []) await node.close();
      await mnemo?.close();
    });

    it('a room broadcast from one server reaches the clients of both', async () => {
      const received = clients.map((client) => next(client, 'news'));
      nodes[0]!.io.to('room').emit('news', 'from server 1', { n: 1 });
      assert.deepEqual(await Promise.all(received), [
        ['from server 1', { n: 1 }],
        ['from server 1', { n: 1 }],
      ]);
    });

    it('fetchSockets sees the sockets of both servers, and serverSideEmit reaches the other server', async () => {
      const sockets = await nodes[1]!.io.fetchSockets();
      assert.equal(sockets.length, 2);
      const heard = new Promise((resolve) => nodes[0]!.io.on('ping-servers', resolve));
      nodes[1]!.io.serverSideEmit('ping-servers', 'hi');
      assert.equal(await heard, 'hi');
    });
  });
}
