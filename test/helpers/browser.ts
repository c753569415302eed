// Debian's chromium driven by playwright-core (never a downloaded browser build), with the
// flags that keep it quiet and offline on a CI machine. Without chromium installed, tests that
// need it are skipped with a reason, except under MNEMO_REQUIRE_REFERENCE=1 (CI), where they
// run and fail.

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function skipWithoutChromium(): string | false {
  if (existsSync(CHROMIUM) || process.env.MNEMO_REQUIRE_REFERENCE === '1') return false;
  return 'chromium is not installed (apt-get install chromium; set MNEMO_REQUIRE_REFERENCE=1 to make this a failure)';
}

/** A headless chromium with a fresh profile (playwright gives each launch its own user-data-dir). */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; the browser tests need Debian's chromium package`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}
