// The web app: express-session keeps its sessions in Mnemo through connect-redis, and node-redis
// finds the primary by asking the sentinels, so a failover changes nothing the app sees.

import type { Server } from 'node:http';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createSentinel } from 'redis';
import { MASTER_NAME } from './group.ts';

interface Profile {
  user?: string;
  visits?: number;
}

export interface SessionApp {
  http: Server;
  port: number;
  close(): Promise<void>;
}

export async function startApp(sentinels: readonly { host: string; port: number }[], port = 0): Promise<SessionApp> {
  const redis = createSentinel({ name: MASTER_NAME, sentinelRootNodes: [...sentinels] });
  // Errors while the primary is down are reported per request; the client reconnects by itself.
  redis.on('error', () => {});
  await redis.connect();
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(
    session({
      store: new RedisStore({ client: redis, prefix: 'sess:' }),
      secret: process.env.SESSION_SECRET ?? 'example secret',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 24 * 3600 * 1000 },
    }),
  );

  app.post('/login', (req, res, next) => {
    const user = String(req.body?.user ?? '').trim();
    if (user === '') return void res.status(400).json({ error: 'user is required' });
    // A new session id at login (against session fixation), saved before the reply, then WAIT:
    // replication is asynchronous, so the login is acknowledged only once a replica holds the
    // session and a failover right after cannot lose it. One primary connection (node-redis's
    // default pool of one) carries both the SET and the WAIT, in that order.
    req.session.regenerate((error) => {
      if (error) return next(error);
      Object.assign(req.session as Profile, { user, visits: 0 });
      req.session.save(async (error) => {
        if (error) return next(error);
        try {
          const replicas = await redis.sendCommand<number>(false, ['WAIT', '1', '2000']);
          res.json({ user, replicas });
        } catch (error) {
          next(error);
        }
      });
    });
  });

  app.get('/me', (req, res) => {
    const profile = req.session as Profile;
    if (profile.user === undefined) return void res.status(401).json({ error: 'not logged in' });
    profile.visits = (profile.visits ?? 0) + 1;
    res.json({ user: profile.user, visits: profile.visits });
  });

  app.post('/logout', (req, res, next) => req.session.destroy((error) => (error ? next(error) : res.json({ ok: true }))));

  app.get('/', (_req, res) => {
    res.type('html').send(`<!doctype html><title>Sessions on Mnemo</title>
<form method="post" action="/login"><input name="user" placeholder="your name"> <button>Log in</button></form>
<p><a href="/me">/me</a> shows your session (and counts visits); POST /logout ends it.</p>`);
  });

  const http = app.listen(port, '127.0.0.1');
  await new Promise((resolve, reject) => (http.once('listening', resolve), http.once('error', reject)));
  return {
    http,
    port: (http.address() as { port: number }).port,
    async close() {
      await new Promise((resolve) => http.close(resolve));
      redis.destroy();
    },
  };
}
