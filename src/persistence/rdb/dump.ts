// DUMP payloads as Redis makes them: the value's type byte and body in RDB form, then the RDB
// version (2 bytes) and the CRC-64 of all that (8 bytes), both little-endian.

import { Buffer } from 'node:buffer';
import type { Database } from '../../store/database.ts';
import { crc64 } from './crc64.ts';
import { RDB_VERSION, RDB_VERSION_FIELD_TTLS, RdbFormatError, RdbInput, RdbOutput, RdbType } from './format.ts';
import { readValue, writeValue, type LoadedValue, type ValueLimits } from './values.ts';

/** The DUMP reply for the key `id` holds. */
export function dumpPayload(db: Database, id: number, limits: ValueLimits, compression = true): Buffer {
  const out = new RdbOutput(compression, 256);
  const rdbType = writeValue(out, db, id, null, limits);
  const version = rdbType >= RdbType.HashMetadata ? RDB_VERSION_FIELD_TTLS : RDB_VERSION;
  out.byte(version & 0xff);
  out.byte(version >>> 8);
  const crc = crc64(out.view()).digest();
  out.bytes(crc);
  return out.take();
}

/** Why a payload was refused: its footer (version, checksum), or its body. */
export type DumpPayloadError = 'footer' | 'format';

/**
 * The value a RESTORE payload holds, or why it cannot be restored. A version newer than this
 * server's or a wrong checksum is 'footer' (Redis: "DUMP payload version or checksum are wrong").
 */
export function readDumpPayload(payload: Buffer, limits: ValueLimits, verifyChecksum = true): LoadedValue | DumpPayloadError {
  if (payload.length < 10) return 'footer';
  const footer = payload.length - 10;
  const version = payload[footer]! | (payload[footer + 1]! << 8);
  if (version > RDB_VERSION_FIELD_TTLS) return 'footer';
  if (verifyChecksum && !crc64(payload, 0, footer + 2).digest().equals(payload.subarray(footer + 2))) return 'footer';
  try {
    const input = new RdbInput(payload, 0, footer);
    const value = readValue(input, input.byte(), { limits, now: null });
    return value ?? 'format';
  } catch (error) {
    if (error instanceof RdbFormatError) return 'format';
    throw error;
  }
}
