// A server with its HTTP endpoint (metrics-port) on a free port. freePort() closes its probe
// before the server binds, so under the parallel suite another process may take the port in
// between; such a start is retried on another port.

import { startServer, type RunningServer } from '../../src/server/run.ts';
import { freePort } from '../helpers/reference.ts';

export interface WithMetrics {
  running: RunningServer;
  /** http://127.0.0.1:<metrics-port> */
  http: string;
}

/** `ports` names more port settings (memcached-port, ...) to fill with free ports. */
export async function startWithMetrics(config: Record<string, string> = {}, ports: readonly string[] = []): Promise<WithMetrics> {
  for (let attempt = 0; ; attempt++) {
    const metricsPort = await freePort();
    const more: Record<string, string> = {};
    for (const name of ports) more[name] = String(await freePort());
    try {
      const running = await startServer({ port: 0, host: '127.0.0.1', config: { save: '', ...config, ...more, 'metrics-port': String(metricsPort) } });
      return { running, http: `http://127.0.0.1:${metricsPort}` };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 4) throw error;
    }
  }
}
