// MIGRATE's client side: the commands (AUTH, SELECT, RESTORE or RESTORE-ASKING per key) go to
// the target in one write, and its one-line replies come back in order. Redis blocks the whole
// server for this; here the caller keeps writes paused meanwhile (see commands/migrate.ts).

import { Buffer } from 'node:buffer';
import net from 'node:net';
import { ReplyWriter } from '../protocol/resp/writer.ts';

export type TransferResult = { replies: string[] } | { failed: 'connect' | 'read' };

/** Sends `commands` to host:port and resolves with one reply line per command (without CRLF). */
export function transfer(host: string, port: number, commands: readonly (readonly Buffer[])[], timeoutMs: number): Promise<TransferResult> {
  const w = new ReplyWriter();
  for (const argv of commands) {
    w.array(argv.length);
    for (const arg of argv) w.bulk(arg);
  }
  const request = w.take() ?? Buffer.alloc(0);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let connected = false;
    let received = '';
    const replies: string[] = [];
    const finish = (result: TransferResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish({ failed: connected ? 'read' : 'connect' }));
    socket.on('error', () => finish({ failed: connected ? 'read' : 'connect' }));
    socket.on('close', () => {
      if (replies.length < commands.length) finish({ failed: connected ? 'read' : 'connect' });
    });
    socket.on('connect', () => {
      connected = true;
      socket.write(request);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      let end: number;
      while ((end = received.indexOf('\r\n')) >= 0) {
        replies.push(received.slice(0, end));
        received = received.slice(end + 2);
        if (replies.length === commands.length) return finish({ replies });
      }
    });
  });
}
