// Drives a RespParser the way the listener does: push a chunk, take every complete command.

import { RespParser, type ParserLimits } from '../../src/protocol/resp/parser.ts';

export const LIMITS: ParserLimits = { maxBulkLength: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 };

export interface Parsed {
  /** Each command's arguments as latin1 strings (byte-exact). */
  commands: string[][];
  error: string | null;
}

export function parseChunks(chunks: readonly Buffer[], limits: ParserLimits = LIMITS): Parsed {
  const parser = new RespParser(limits);
  const commands: string[][] = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    for (let argv = parser.next(); argv !== null; argv = parser.next()) {
      commands.push(argv.map((arg) => arg.toString('latin1')));
    }
    if (parser.error !== null) break;
  }
  return { commands, error: parser.error };
}

export function parseText(text: string, limits: ParserLimits = LIMITS): Parsed {
  return parseChunks([Buffer.from(text, 'latin1')], limits);
}

/** `data` cut at the given offsets (sorted, deduplicated, within bounds). */
export function splitAt(data: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < data.length))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(data.subarray(from, point));
    from = point;
  }
  chunks.push(data.subarray(from));
  return chunks;
}
