// A harness with tiering on, in a directory of its own that goes away with it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness } from '../helpers/harness.ts';

export class TieredHarness extends Harness {
  readonly dir: string;

  constructor(config: Record<string, string> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'mnemo-tier-'));
    super({ 'tiering-enabled': 'yes', 'tiering-dir': dir, 'tiering-min-value-size': '0', ...config });
    this.dir = dir;
  }

  /** INFO tiering as a map of its fields. */
  tieringInfo(): Map<string, string> {
    const text = String(this.run('INFO', 'tiering'));
    return new Map(text.split('\r\n').filter((line) => line.includes(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]));
  }

  /** Turns tiering off (bringing cold values back) and removes the directory. */
  close(): void {
    this.run('CONFIG', 'SET', 'tiering-enabled', 'no');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
