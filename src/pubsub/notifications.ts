// Keyspace notifications (Redis's notify.c): the keyspace events the gate raises, published
// on __keyspace@<db>__:<key> (message: the event) and __keyevent@<db>__:<event> (message: the
// key), as notify-keyspace-events selects. The effects listener exists only while the setting
// asks for a channel, so that writes pay nothing for notifications nobody enabled.

import { Buffer } from 'node:buffer';
import { Notify, parseNotifyFlags } from '../server/effects.ts';
import type { Server } from '../server/server.ts';

export function publishKeyspaceEvents(server: Server): void {
  let flags = 0;
  let stop: (() => void) | null = null;
  /** Event names as message bytes and keyevent channels, made once per name and database. */
  const eventNames = new Map<string, Buffer>();
  const keyeventChannels: Map<string, Buffer>[] = [];
  const keyspacePrefixes: Buffer[] = [];

  const publish = (_type: number, event: string, db: number, key: Buffer): void => {
    const pubsub = server.pubsub;
    if (flags & Notify.Keyspace) {
      const prefix = (keyspacePrefixes[db] ??= Buffer.from(`__keyspace@${db}__:`));
      let name = eventNames.get(event);
      if (name === undefined) eventNames.set(event, (name = Buffer.from(event)));
      pubsub.publish(Buffer.concat([prefix, key]), name);
    }
    if (flags & Notify.Keyevent) {
      const channels = (keyeventChannels[db] ??= new Map());
      let channel = channels.get(event);
      if (channel === undefined) channels.set(event, (channel = Buffer.from(`__keyevent@${db}__:${event}`)));
      pubsub.publish(channel, key);
    }
  };

  const apply = (): void => {
    flags = parseNotifyFlags(server.config.givenValue('notify-keyspace-events'));
    const wanted = (flags & (Notify.Keyspace | Notify.Keyevent)) !== 0;
    if (wanted && stop === null) stop = server.effects.onEvent(publish);
    else if (!wanted && stop !== null) {
      stop();
      stop = null;
    }
  };
  apply();
  server.config.onChange((name) => {
    if (name === 'notify-keyspace-events') apply();
  });
}
