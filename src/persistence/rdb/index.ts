// The RDB codec's API (persistence, DUMP/RESTORE, and the AOF's RDB preamble use it).

export { RdbSnapshot, RdbLoader, writeRdb, rdbImage, loadRdb, type RdbSaveOptions, type RdbLoadOptions, type RdbLoadResult, type AccessInfo } from './file.ts';
export { dumpPayload, functionsDumpPayload, readDumpPayload, readFunctionRecord, readFunctionsPayload, writeFunctions, type DumpPayloadError, type FunctionRecordField, type FunctionsPayloadError } from './dump.ts';
export { DEFAULT_LIMITS, limitsFrom, registerValueCodec, type ValueLimits, type LoadedValue } from './values.ts';
export { RDB_VERSION, RdbFormatError } from './format.ts';
export { crc64, Crc64 } from './crc64.ts';

// Value types outside the store's own register their codecs on import.
import './timeseries.ts';
import './stream.ts';
