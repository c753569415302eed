// The command metadata in src/commands/metadata/*.json (Redis's command-JSON format, one file per
// command group), read once per process and keyed by lower-case command name.

import { readFileSync, readdirSync } from 'node:fs';
import type { CommandMetadata } from './spec.ts';

export const METADATA_DIR = new URL('./metadata/', import.meta.url);

let loaded: ReadonlyMap<string, CommandMetadata> | undefined;

export function commandMetadata(): ReadonlyMap<string, CommandMetadata> {
  if (loaded !== undefined) return loaded;
  const byName = new Map<string, CommandMetadata>();
  for (const file of readdirSync(METADATA_DIR).filter((name) => name.endsWith('.json')).sort()) {
    const entries = JSON.parse(readFileSync(new URL(file, METADATA_DIR), 'utf8')) as Record<string, CommandMetadata>;
    for (const [name, meta] of Object.entries(entries)) {
      const key = name.toLowerCase();
      if (byName.has(key)) throw new Error(`command ${key} has metadata in two files (the second: ${file})`);
      byName.set(key, meta);
    }
  }
  loaded = byName;
  return byName;
}
