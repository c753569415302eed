// DUMP and FUNCTION DUMP payloads as Redis makes them: the value's type byte and body in RDB form
// (or the function libraries' records), then the RDB version (2 bytes) and the CRC-64 of all
// that (8 bytes), both little-endian.

import { Buffer } from 'node:buffer';
import type { Database } from '../../store/database.ts';
import { crc64 } from './crc64.ts';
import { Opcode, RDB_VERSION, RDB_VERSION_FIELD_TTLS, RdbFormatError, RdbInput, RdbOutput, RdbType } from './format.ts';
import { readValue, writeValue, type LoadedValue, type ValueLimits } from './values.ts';

/** The DUMP reply for the key `id` holds. */
export function dumpPayload(db: Database, id: number, limits: ValueLimits, compression = true): Buffer {
  const out = new RdbOutput(compression, 256);
  const rdbType = writeValue(out, db, id, null, limits);
  return withFooter(out, rdbType >= RdbType.HashMetadata ? RDB_VERSION_FIELD_TTLS : RDB_VERSION);
}

/** FUNCTION DUMP's payload: each library's code after a FUNCTION2 opcode, as an RDB holds them. */
export function functionsDumpPayload(libraryCodes: Iterable<Uint8Array>, compression = true): Buffer {
  const out = new RdbOutput(compression, 256);
  writeFunctions(out, libraryCodes);
  return withFooter(out, RDB_VERSION);
}

/** The libraries' records of an RDB file or a FUNCTION DUMP payload. */
export function writeFunctions(out: RdbOutput, libraryCodes: Iterable<Uint8Array>): void {
  for (const code of libraryCodes) {
    out.byte(Opcode.Function2);
    out.string(code);
  }
}

function withFooter(out: RdbOutput, version: number): Buffer {
  out.byte(version & 0xff);
  out.byte(version >>> 8);
  const crc = crc64(out.view()).digest();
  out.bytes(crc);
  return out.take();
}

/** verifyDumpPayload: a footer with a version this server reads and, unless not asked, the right checksum. */
function footerValid(payload: Buffer, verifyChecksum: boolean): boolean {
  if (payload.length < 10) return false;
  const footer = payload.length - 10;
  const version = payload[footer]! | (payload[footer + 1]! << 8);
  if (version > RDB_VERSION_FIELD_TTLS) return false;
  return !verifyChecksum || crc64(payload, 0, footer + 2).digest().equals(payload.subarray(footer + 2));
}

/** The field of a library record that did not read, as Redis's error names it. */
export type FunctionRecordField = 'name' | 'engine' | 'description indicator' | 'description' | 'blob' | 'payload';

/** Why a FUNCTION RESTORE payload was refused: its footer, a record that is no library, or one that does not read. */
export type FunctionsPayloadError = 'footer' | 'not-function' | { unreadable: FunctionRecordField };

/**
 * The library code of one record after its opcode (FUNCTION2: the code; a pre-GA FUNCTION
 * record of the 7.0 release candidates: name, engine, optional description and the code without
 * its shebang line, which is made up from the first two as Redis makes it), or the field that
 * did not read.
 */
export function readFunctionRecord(input: RdbInput, type: number): Buffer | FunctionRecordField {
  let field: FunctionRecordField = 'payload';
  try {
    if (type === Opcode.Function2) return input.string();
    field = 'name';
    const name = input.string();
    field = 'engine';
    const engine = input.string();
    field = 'description indicator';
    const hasDescription = input.length() !== 0;
    field = 'description';
    if (hasDescription) input.string();
    field = 'blob';
    const code = input.string();
    return Buffer.concat([Buffer.from('#!'), engine, Buffer.from(' name='), name, Buffer.from('\n'), code]);
  } catch (error) {
    if (error instanceof RdbFormatError) return field;
    throw error;
  }
}

/** The library codes of a FUNCTION RESTORE payload, records read until the last 10 bytes (the footer). */
export function readFunctionsPayload(payload: Buffer, verifyChecksum = true): Buffer[] | FunctionsPayloadError {
  if (!footerValid(payload, verifyChecksum)) return 'footer';
  const input = new RdbInput(payload, 0);
  const codes: Buffer[] = [];
  while (payload.length - input.at > 10) {
    const type = input.byte();
    if (type !== Opcode.Function2 && type !== Opcode.FunctionPreGa) return 'not-function';
    const code = readFunctionRecord(input, type);
    if (typeof code === 'string') return { unreadable: code };
    codes.push(code);
  }
  return codes;
}

/** Why a payload was refused: its footer (version, checksum), or its body. */
export type DumpPayloadError = 'footer' | 'format';

/**
 * The value a RESTORE payload holds, or why it cannot be restored. A version newer than this
 * server's or a wrong checksum is 'footer' (Redis: "DUMP payload version or checksum are wrong").
 */
export function readDumpPayload(payload: Buffer, limits: ValueLimits, verifyChecksum = true): LoadedValue | DumpPayloadError {
  if (!footerValid(payload, verifyChecksum)) return 'footer';
  try {
    const input = new RdbInput(payload, 0, payload.length - 10);
    const value = readValue(input, input.byte(), { limits, now: null });
    return value ?? 'format';
  } catch (error) {
    if (error instanceof RdbFormatError) return 'format';
    throw error;
  }
}
