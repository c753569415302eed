// Every error text Mnemo sends lives here, worded exactly as Redis 7.0 words it, so that
// clients that match on error prefixes (and the differential tests) see no difference.

import { Buffer } from 'node:buffer';

/** An error reply raised from deep inside a command; the gate turns it into "-<message>". */
export class CommandError extends Error {
  constructor(message: string) {
    // An error reply is an expected outcome, not a bug: capturing a stack trace would cost
    // several microseconds per error (WRONGTYPE and friends on a busy server).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const SYNTAX = 'ERR syntax error';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const NOT_FLOAT = 'ERR value is not a valid float';
export const OVERFLOW = 'ERR increment or decrement would overflow';
export const NO_SUCH_KEY = 'ERR no such key';
export const DB_INDEX_RANGE = 'ERR DB index is out of range';
export const INVALID_EXPIRE = (cmd: string) => `ERR invalid expire time in '${cmd}' command`;
export const NOAUTH = 'NOAUTH Authentication required.';
export const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
export const STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
export const BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
export const BIT_VALUE = 'ERR bit is not an integer or out of range';
export const OFFSET_RANGE = 'ERR offset is out of range';
export const SAME_OBJECT = 'ERR source and destination objects are the same';
export const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
export const VALUE_OUT_OF_RANGE = 'ERR value is out of range';
export const INDEX_OUT_OF_RANGE = 'ERR index out of range';
export const INVALID_CURSOR = 'ERR invalid cursor';
/** Mnemo's own: TIERING.* commands that need the cold tier (src/tiering). */
export const TIERING_OFF = 'ERR tiering is not enabled (CONFIG SET tiering-enabled yes)';
export const NAN_OR_INFINITY = 'ERR value is NaN or Infinity';
export const INCR_NAN_OR_INFINITY = 'ERR increment would produce NaN or Infinity';
export const HASH_NOT_INTEGER = 'ERR hash value is not an integer';
export const HASH_NOT_FLOAT = 'ERR hash value is not a float';
export const NUMKEYS_POSITIVE = 'ERR numkeys should be greater than 0';
export const COUNT_POSITIVE = 'ERR count should be greater than 0';
export const LPOS_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
export const LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative";
export const LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
/** getRangeLongFromObjectOrReply's text for a value outside (-LONG_MAX, LONG_MAX) (sic, 7.0). */
export const LONG_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';

export const TIMEOUT_NOT_FLOAT = 'ERR timeout is not a float or out of range';
export const TIMEOUT_NEGATIVE = 'ERR timeout is negative';
export const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
/** EXEC itself refused by the gate: Redis's execCommandAbort puts the reason after this. */
export const EXECABORT_BECAUSE = 'EXECABORT Transaction discarded because of: ';
export const NO_MULTI = 'ERR Command not allowed inside a transaction';
/** A denyoom command (or any command queued in MULTI) while over maxmemory with nothing to evict. */
export const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
export const EXEC_WITHOUT_MULTI = 'ERR EXEC without MULTI';
export const DISCARD_WITHOUT_MULTI = 'ERR DISCARD without MULTI';
export const MULTI_NESTED = 'ERR MULTI calls can not be nested';
export const WATCH_IN_MULTI = 'ERR WATCH inside MULTI is not allowed';

/** What a client blocked in BLPOP and the like gets from CLIENT UNBLOCK <id> ERROR. */
export const UNBLOCKED = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';

// The RESP request parser.
export const PROTOCOL_MBULK_COUNT_TOO_BIG = 'ERR Protocol error: too big mbulk count string';
export const PROTOCOL_INVALID_MULTIBULK_LENGTH = 'ERR Protocol error: invalid multibulk length';
export const PROTOCOL_UNAUTHENTICATED_MULTIBULK_LENGTH = 'ERR Protocol error: unauthenticated multibulk length';
export const PROTOCOL_BULK_COUNT_TOO_BIG = 'ERR Protocol error: too big bulk count string';
export const PROTOCOL_INVALID_BULK_LENGTH = 'ERR Protocol error: invalid bulk length';
export const PROTOCOL_UNAUTHENTICATED_BULK_LENGTH = 'ERR Protocol error: unauthenticated bulk length';
export const PROTOCOL_INLINE_TOO_BIG = 'ERR Protocol error: too big inline request';
export const PROTOCOL_UNBALANCED_QUOTES = 'ERR Protocol error: unbalanced quotes in request';
export const protocolExpectedBulk = (got: string) => `ERR Protocol error: expected '$', got '${got}'`;

// The gate.
/** A handler that failed with something other than a CommandError (a bug): its message as an error reply. */
export const handlerFailure = (message: string) => `ERR ${message}`;

// Connection and server commands: HELLO, AUTH, CLIENT, COMMAND GETKEYS, CONFIG, DEBUG, SHUTDOWN.
export const PROTOCOL_VERSION_NOT_INTEGER = 'ERR Protocol version is not an integer or out of range';
export const UNSUPPORTED_PROTOCOL = 'NOPROTO unsupported protocol version';
export const helloSyntax = (option: string) => `ERR Syntax error in HELLO option '${option}'`;
export const HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';
export const AUTH_WITHOUT_PASSWORD =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
export const unknownSubcommandOrArity = (sub: string, container: string) =>
  `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${container} HELP.`;
/** CLIENT SETNAME's and CLIENT SETINFO's refusal of a value with spaces or control bytes. */
export const invalidCharacters = (what: string) => `ERR ${what} cannot contain spaces, newlines or special characters.`;
export const unknownClientType = (type: string) => `ERR Unknown client type '${type}'`;
export const INVALID_CLIENT_ID = 'ERR Invalid client ID';
export const CLIENT_ID_POSITIVE = 'ERR client-id should be greater than 0';
export const noSuchUser = (user: string) => `ERR No such user '${user}'`;
export const NO_SUCH_CLIENT = 'ERR No such client';
export const TIMEOUT_NOT_INTEGER = 'ERR timeout is not an integer or out of range';
export const CLIENT_PAUSE_MODE = 'ERR CLIENT PAUSE mode must be WRITE or ALL';
export const CLIENT_UNBLOCK_REASON = 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR';
export const unrecognizedOption = (option: string) => `ERR Unrecognized option '${option}'`;
export const GETKEYS_INVALID_COMMAND = 'ERR Invalid command specified';
export const GETKEYS_NO_KEYS = 'ERR The command has no key arguments';
export const GETKEYS_ARITY = 'ERR Invalid number of arguments specified for command';
export const GETKEYS_INVALID_ARGUMENTS = 'ERR Invalid arguments specified for command';
export const configSetUnknown = (option: string) =>
  `ERR Unknown option or number of arguments for CONFIG SET - '${option}'`;
export const configSetFailed = (argument: string, reason: string) =>
  `ERR CONFIG SET failed (possibly related to argument '${argument}') - ${reason}`;
export const NO_CONFIG_FILE = 'ERR The server is running without a config file';
export const configRewriteFailed = (reason: string) => `ERR Rewriting config file: ${reason}`;
export const DEBUG_NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';
export const DEBUG_PROTOCOL_TYPES =
  'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false';
export const debugDigestUnsupported = (typeName: string) =>
  `ERR DEBUG DIGEST does not support ${typeName} values in Mnemo yet`;
export const RESP2_NOT_SUPPORTED = 'ERR RESP2 is not supported by this command';
export const DEBUG_MEMORY_VALUE_RANGE = 'ERR argument must be a memory value bigger than 1 and smaller than 4gb';
export const NOT_LISTPACK = 'ERR Not a listpack encoded object.';
export const NO_SHUTDOWN_IN_PROGRESS = 'ERR No shutdown in progress.';
export const SHUTDOWN_FAILED = 'ERR Errors trying to SHUTDOWN. Check logs.';

// Keys and databases.
/** getIntFromObjectOrReply's text for a value outside int32. */
export const INT_RANGE = 'ERR value is out of range, value must between -2147483648 and 2147483647';
export const COPY_DB_IN_CLUSTER = 'ERR Copying to another database is not allowed in cluster mode';
export const MOVE_IN_CLUSTER = 'ERR MOVE is not allowed in cluster mode';
export const EXPIRE_NX_XX_GT_LT = 'ERR NX and XX, GT or LT options at the same time are not compatible';
export const EXPIRE_GT_AND_LT = 'ERR GT and LT options at the same time are not compatible';
export const unsupportedOption = (option: string) => `ERR Unsupported option ${option}`;
export const SWAPDB_IN_CLUSTER = 'ERR SWAPDB is not allowed in cluster mode';
export const SWAPDB_FIRST_INDEX = 'ERR invalid first DB index';
export const SWAPDB_SECOND_INDEX = 'ERR invalid second DB index';
export const IDLETIME_UNDER_LFU =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
export const FREQ_WITHOUT_LFU =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

// Strings and bitmaps.
export const DECREMENT_OVERFLOW = 'ERR decrement would overflow';
export const LCS_NOT_STRINGS = 'ERR The specified keys must contain string values';
export const LCS_LEN_AND_IDX = 'ERR If you want both the length and indexes, please just use IDX.';
export const LCS_TOO_MUCH_MEMORY = 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len';
export const LCS_NO_MEMORY = 'ERR Insufficient memory, failed allocating transient memory for LCS';
export const BIT_ARGUMENT = 'ERR The bit argument must be 1 or 0.';
export const BITOP_NOT_ARITY = 'ERR BITOP NOT must be called with a single source key.';
export const BITFIELD_TYPE =
  'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
export const BITFIELD_OVERFLOW = 'ERR Invalid OVERFLOW type specified';
export const BITFIELD_RO_GET_ONLY = 'ERR BITFIELD_RO only supports the GET subcommand';

// HyperLogLog.
export const HLL_INVALID = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
export const HLL_CORRUPTED = 'INVALIDOBJ Corrupted HLL object detected';
export const HLL_NO_KEY = 'ERR The specified key does not exist';
export const HLL_NOT_SPARSE = 'ERR HLL encoding is not sparse';
export const pfdebugUnknown = (sub: string) => `ERR Unknown PFDEBUG subcommand '${sub}'`;
/** PFSELFTEST's report of a failed check ("TESTFAILED ..."), under ERR as Redis sends it. */
export const pfselftestFailed = (failure: string) => `ERR ${failure}`;

// Hash field expiry.
export const HASH_FIELDS_ARGUMENT_MISSING = 'ERR Mandatory argument FIELDS is missing or not at the right position';
export const HASH_NUMFIELDS_MISMATCH = 'ERR The `numfields` parameter must match the number of arguments';
export const HEXPIRE_NUMFIELDS_POSITIVE = 'ERR Parameter `numFields` should be greater than 0';
export const HASH_FIELD_COUNT_POSITIVE = 'ERR Number of fields must be a positive integer';
export const FIELD_EXPIRE_NEGATIVE = 'ERR invalid expire time, must be >= 0';

// Sets and sorted sets.
export const NUMKEYS_EXCEED_ARGS = "ERR Number of keys can't be greater than number of args";
export const LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
export const ZSET_SCORE_NAN = 'ERR resulting score is not a number (NaN)';
export const MIN_MAX_NOT_FLOAT = 'ERR min or max is not a float';
export const MIN_MAX_NOT_LEX = 'ERR min or max not valid string range item';
export const WEIGHT_NOT_FLOAT = 'ERR weight value is not a float';
export const XX_AND_NX = 'ERR XX and NX options at the same time are not compatible';
export const GT_LT_NX = 'ERR GT, LT, and/or NX options at the same time are not compatible';
export const ZADD_INCR_ONE_PAIR = 'ERR INCR option supports a single increment-element pair';
export const LIMIT_NEEDS_BY = 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX';
export const WITHSCORES_BYLEX = 'ERR syntax error, WITHSCORES not supported in combination with BYLEX';
export const atLeastOneKey = (name: string) => `ERR at least 1 input key is needed for '${name}' command`;

// Geo.
export const invalidLongLat = (longitude: string, latitude: string) => `ERR invalid longitude,latitude pair ${longitude},${latitude}`;
export const GEO_UNIT = 'ERR unsupported unit provided. please use M, KM, FT, MI';
export const GEO_NEED_RADIUS = 'ERR need numeric radius';
export const GEO_NEED_WIDTH = 'ERR need numeric width';
export const GEO_NEED_HEIGHT = 'ERR need numeric height';
export const GEO_RADIUS_NEGATIVE = 'ERR radius cannot be negative';
export const GEO_BOX_NEGATIVE = 'ERR height or width cannot be negative';
export const GEO_MEMBER_UNDECODABLE = 'ERR could not decode requested zset member';
export const GEO_COUNT_POSITIVE = 'ERR COUNT must be > 0';
export const GEO_ANY_NEEDS_COUNT = 'ERR the ANY argument requires COUNT argument';
export const geoStoreWithOptions = (what: string) => `ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`;
export const geoNeedsFrom = (command: string) => `ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${command}`;
export const geoNeedsBy = (command: string) => `ERR exactly one of BYRADIUS and BYBOX can be specified for ${command}`;

// SORT.
export const SORT_SCORES_NOT_DOUBLE = "ERR One or more scores can't be converted into double";
export const SORT_BY_IN_CLUSTER = 'ERR BY option of SORT denied in Cluster mode.';
export const SORT_GET_IN_CLUSTER = 'ERR GET option of SORT denied in Cluster mode.';

// Append-only file.
export const AOF_REWRITE_IN_PROGRESS = 'ERR Background append only file rewriting already in progress';
export const AOF_REWRITE_FAILED = "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.";
export const AOF_TURN_ON_FAILED = 'Unable to turn on AOF. Check server logs.';

/** Writes refused while the AOF cannot be written (writeCommandsGetDiskErrorMessage). */
export function aofWriteError(reason: string): string {
  return `MISCONF Errors writing to the AOF file: ${reason}`;
}

// Streams (t_stream.c).
export const STREAM_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
export const XADD_ID_ZERO = 'ERR The ID specified in XADD must be greater than 0-0';
export const XADD_ID_TOO_SMALL = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';
export const STREAM_EXHAUSTED = 'ERR The stream has exhausted the last possible ID, unable to add more items';
export const MAXLEN_NEGATIVE = 'ERR The MAXLEN argument must be >= 0.';
export const STREAM_LIMIT_NEGATIVE = 'ERR The LIMIT argument must be >= 0.';
export const MAXLEN_AND_MINID = 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible';
export const LIMIT_WITHOUT_STRATEGY = 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy';
export const XTRIM_WITHOUT_STRATEGY = 'ERR syntax error, XTRIM must be called with a trimming strategy';
export const LIMIT_WITHOUT_APPROX = 'ERR syntax error, LIMIT cannot be used without the special ~ option';
export const INVALID_START_ID = 'ERR invalid start ID for the interval';
export const INVALID_END_ID = 'ERR invalid end ID for the interval';
export const XREAD_UNBALANCED = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.";
export const XREAD_GROUP_OPTION = 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.';
export const XREAD_NOACK_OPTION = 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.';
export const XREADGROUP_MISSING_GROUP = 'ERR Missing GROUP option for XREADGROUP';
export const XREADGROUP_DOLLAR =
  'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.';
export const XREAD_GREATER_ID = 'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.';
export const xreadNoGroup = (key: Uint8Array, group: Uint8Array) =>
  `NOGROUP No such key '${quoteArg(key)}' or consumer group '${quoteArg(group)}' in XREADGROUP with GROUP option`;
export const noKeyOrGroup = (key: Uint8Array, group: Uint8Array) => `NOGROUP No such key '${quoteArg(key)}' or consumer group '${quoteArg(group)}'`;
export const noSuchGroup = (group: Uint8Array, key: Uint8Array) => `NOGROUP No such consumer group '${quoteArg(group)}' for key name '${quoteArg(key)}'`;
export const BLOCKED_GROUP_GONE = 'NOGROUP the consumer group this client was blocked on no longer exists';
export const BLOCKED_STREAM_GONE = 'UNBLOCKED the stream key no longer exists';
export const BUSYGROUP = 'BUSYGROUP Consumer Group name already exists';
export const XGROUP_NEEDS_KEY =
  'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';
export const ENTRIESREAD_RANGE = 'ERR value for ENTRIESREAD must be positive or -1';
export const XSETID_TOO_SMALL = 'ERR The ID specified in XSETID is smaller than the target stream top item';
export const XSETID_BELOW_GIVEN_MAX_DELETED = 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id';
export const XSETID_ENTRIES_ADDED_SMALL = 'ERR The entries_added specified in XSETID is smaller than the target stream length';
export const ENTRIES_ADDED_NEGATIVE = 'ERR entries_added must be positive';
export const xclaimInvalid = (what: string, command: string) => `ERR Invalid ${what} argument for ${command}`;
export const xclaimUnknownOption = (option: Uint8Array) => `ERR Unrecognized XCLAIM option '${quoteArg(option)}'`;
export const XAUTOCLAIM_COUNT = 'ERR COUNT must be > 0';

export function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

export function unknownCommand(args: readonly Uint8Array[]): string {
  let argText = '';
  for (let i = 1; i < args.length && argText.length < 128; i++) {
    argText += `'${quoteArg(args[i]!, 128 - argText.length)}' `;
  }
  return `ERR unknown command '${quoteArg(args[0]!, 128)}', with args beginning with: ${argText}`;
}

export function unknownSubcommand(sub: Uint8Array, container: string): string {
  return `ERR unknown subcommand '${quoteArg(sub, 128)}'. Try ${container.toUpperCase()} HELP.`;
}

/**
 * A client's bytes for quoting in an error text: up to `max` of them as they came (latin1),
 * cut at a NUL as Redis's printf("%s") cuts them.
 */
export function quoteArg(bytes: Uint8Array, max = bytes.length): string {
  const nul = bytes.indexOf(0);
  const length = Math.min(nul < 0 ? bytes.length : nul, max);
  return Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('latin1');
}

// ---- persistence (RDB snapshots, DUMP/RESTORE) ----
export const MISCONF_BGSAVE =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
export const LOADING = 'LOADING Redis is loading the dataset in memory';
export const BGSAVE_IN_PROGRESS = 'ERR Background save already in progress';
/** Redis's shared.err: a bare ERR (SAVE, BGSAVE and DEBUG RELOAD that could not write). */
export const BARE_ERR = 'ERR';
export const BGSAVE_SCHEDULED = 'Background saving scheduled';
export const BGSAVE_STARTED = 'Background saving started';
export const BGSAVE_OTHER_JOB =
  "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
export const DUMP_PAYLOAD_WRONG = 'ERR DUMP payload version or checksum are wrong';
export const BAD_DATA_FORMAT = 'ERR Bad data format';
export const BUSYKEY = 'BUSYKEY Target key name already exists.';
export const INVALID_TTL = 'ERR Invalid TTL value, must be >= 0';
export const INVALID_IDLETIME = 'ERR Invalid IDLETIME value, must be >= 0';
export const INVALID_FREQ = 'ERR Invalid FREQ value, must be >= 0 and <= 255';
export const RELOAD_LOAD_FAILED = 'ERR Error trying to load the RDB dump';
export const RELOAD_BAD_OPTION = 'ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.';

// Scripting (EVAL, FCALL and the commands scripts run).
export const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';
export const NUMKEYS_NEGATIVE = "ERR Number of keys can't be negative";
export const NUMKEYS_TOO_MANY = "ERR Number of keys can't be greater than number of args";
export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
export const NOTBUSY = 'NOTBUSY No scripts in execution right now.';
export const UNKILLABLE =
  'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';
export const SCRIPT_FLUSH_OPTION = 'ERR SCRIPT FLUSH only support SYNC|ASYNC option';
export const SCRIPT_WRITE_FLAG_RO = 'ERR Can not execute a script with write flag using *_ro command.';
export const SHEBANG_INVALID = 'ERR Invalid script shebang';
export const SHEBANG_UNKNOWN_ENGINE = (engine: string) => `ERR Unexpected engine in script shebang: ${engine}`;
export const SHEBANG_UNKNOWN_FLAG = (flag: string) => `ERR Unexpected flag in script shebang: ${flag}`;
export const SHEBANG_UNKNOWN_OPTION = (option: string) => `ERR Unknown lua shebang option: ${option}`;
/** Errors of redis.call inside a script (without their ERR code, which Lua's error table adds). */
export const SCRIPT_NO_ARGS = 'Please specify at least one argument for this redis lib call';
export const SCRIPT_ARGS_NOT_STRINGS = 'Lua redis lib command arguments must be strings or integers';
export const SCRIPT_UNKNOWN_COMMAND = 'Unknown Redis command called from script';
export const SCRIPT_WRONG_ARITY = 'Wrong number of args calling Redis command from script';
export const SCRIPT_NOSCRIPT_COMMAND = 'This Redis command is not allowed from script';
export const SCRIPT_ACL_CHECK_INVALID_COMMAND = 'Invalid command passed to redis.acl_check_cmd()';
export const SCRIPT_READONLY_WRITE = 'Write commands are not allowed from read-only scripts.';
export const SCRIPT_DEBUG_MODE = 'ERR Use SCRIPT DEBUG YES/SYNC/NO';
export const SCRIPT_DEBUG_UNSUPPORTED = 'ERR SCRIPT DEBUG (the Lua debugger) is not supported by this server';
export const FUNCTION_NOT_FOUND = 'ERR Function not found';
export const FUNCTION_BAD_NUMKEYS = 'ERR Bad number of keys provided';
export const FUNCTION_FLUSH_OPTION = 'ERR FUNCTION FLUSH only supports SYNC|ASYNC option';
export const FUNCTION_LIST_NAME_MISSING = 'ERR library name argument was not given';
export const FUNCTION_UNKNOWN_ARGUMENT = (arg: string) => `ERR Unknown argument ${arg}`;
export const FUNCTION_UNKNOWN_OPTION = (arg: string) => `ERR Unknown option given: ${arg}`;
export const LIBRARY_METADATA_MISSING = 'ERR Missing library metadata';
export const LIBRARY_METADATA_INVALID = (part: string) => `ERR Invalid metadata value given: ${part}`;
export const LIBRARY_ENGINE_NOT_FOUND = (engine: string) => `ERR Engine '${engine}' not found`;
export const LIBRARY_NAME_MISSING = 'ERR Library name was not given';
export const LIBRARY_NAME_INVALID = 'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';
export const LIBRARY_NOT_FOUND = 'ERR Library not found';
export const FUNCTION_RESTORE_POLICY = 'ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.';
export const FUNCTION_PAYLOAD_NOT_FUNCTION = 'ERR given type is not a function';
/** A library record of a FUNCTION RESTORE payload whose `field` did not read (rdbFunctionLoad). */
export const functionRecordUnreadable = (field: string) => (field === 'engine' ? 'ERR Failed loading engine name' : `ERR Failed loading library ${field}`);

// Pub/sub.
/** A command a RESP2 connection in subscribed mode may not run (Redis's processCommand). */
export const subscribedModeOnly = (command: string) =>
  `ERR Can't execute '${command}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;
/** (P|S)SUBSCRIBE where the client cannot wait for messages (inside EXEC, for SSUBSCRIBE). */
export const denyBlockingClient = (command: string) => `ERR ${command} isn't allowed for a DENY BLOCKING client`;

// Client-side caching: CLIENT TRACKING and CLIENT CACHING.
export const REDIRECT_ONCE = 'ERR A client can only redirect to a single other client';
export const REDIRECT_NO_SUCH_CLIENT = 'ERR The client ID you want redirect to does not exist';
export const TRACKING_PREFIX_NEEDS_BCAST = 'ERR PREFIX option requires BCAST mode to be enabled';
export const TRACKING_BCAST_SWITCH =
  "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.";
export const TRACKING_BCAST_WITH_OPTIN = 'ERR OPTIN and OPTOUT are not compatible with BCAST';
export const TRACKING_OPTIN_AND_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode";
export const TRACKING_OPTIN_SWITCH =
  "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
export const prefixOverlapsExisting = (prefix: string, existing: string) =>
  `ERR Prefix '${prefix}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`;
export const prefixOverlapsProvided = (prefix: string, other: string) =>
  `ERR Prefix '${prefix}' overlaps with another provided prefix '${other}'. Prefixes for a single client must not overlap.`;
export const CACHING_NEEDS_TRACKING = 'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled';
export const CACHING_YES_NEEDS_OPTIN = 'ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.';
export const CACHING_NO_NEEDS_OPTOUT = 'ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.';

// ---- ACLs (Redis 7.0's acl.c and processCommand) ---------------------------------------------

export const nopermCommand = (name: string) => `NOPERM this user has no permissions to run the '${name}' command`;
export const NOPERM_KEY = 'NOPERM this user has no permissions to access one of the keys used as arguments';
export const NOPERM_CHANNEL = 'NOPERM this user has no permissions to access one of the channels used as arguments';
/** ACL DRYRUN's answers (bulk strings, not errors). */
export const dryrunCommand = (name: string) => `This user has no permissions to run the '${name}' command`;
export const dryrunKey = (key: string) => `This user has no permissions to access the '${key}' key`;
export const dryrunChannel = (channel: string) => `This user has no permissions to access the '${channel}' channel`;
/** What a script's redis.call gets for a denied command (script_lua.c), by denial. */
export const SCRIPT_DENIED_COMMAND = "The user executing the script can't run this command or subcommand";
export const SCRIPT_DENIED_KEY = "The user executing the script can't access at least one of the keys mentioned in the command arguments";
export const SCRIPT_DENIED_CHANNEL = "The user executing the script can't publish to the channel mentioned in the command";
/** EXEC's answer for a queued command the user may no longer run (the reason depends on the denial). */
export const execNoperm = (reason: string) =>
  `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${reason}`;
export const EXEC_DENIED_COMMAND = 'no permission to execute the command or subcommand';
export const EXEC_DENIED_KEY = 'no permission to touch the specified keys';
export const EXEC_DENIED_CHANNEL = 'no permission to access one of the channels used as arguments';
export const aclModifierError = (op: string, reason: string) => `ERR Error in ACL SETUSER modifier '${op}': ${reason}`;
export const aclUnmatchedParenthesis = (arg: string) => `ERR Unmatched parenthesis in acl selector starting at '${arg}'.`;
export const ACL_USERNAME_SPACES = "ERR Usernames can't contain spaces or null characters";
export const ACL_DELETE_DEFAULT = "ERR The 'default' user cannot be removed";
export const aclUnknownCategory = (name: string) => `ERR Unknown category '${name}'`;
export const ACL_GENPASS_BITS = 'ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096';
export const aclDryrunNoUser = (name: string) => `ERR User '${name}' not found`;
export const aclDryrunNoCommand = (name: string) => `ERR Command '${name}' not found`;
export const ACL_NO_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';
export const ACL_SAVE_FAILED = 'ERR There was an error trying to save the ACLs. Please check the server logs for more information';
export const aclFileOpenError = (path: string, reason: string) => `Error loading ACLs, opening file '${path}': ${reason}`;
export const aclFileUserKeyword = (where: string) => `${where} should start with user keyword. `;
export const aclFileUserName = (where: string, name: string) => `'${where}: username '${name}' contains invalid characters. `;
export const aclDuplicateUser = (name: string, line: number) => `WARNING: Duplicate user '${name}' found on line ${line}. `;
export const aclFileUnmatchedParenthesis = (where: string) => `${where}: Unmatched parenthesis in selector definition.`;
export const aclFileLineError = (where: string, reason: string) => `${where}: ${reason}. `;
/** Sent, as a raw line, to a non-loopback client refused by protected mode (with Redis 7.0.15's wording, typo included). */
export const PROTECTED_MODE_DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";
/** The Memcached front's answer to an operation the ACL user may not do (CLIENT_ERROR in text, Auth error in binary). */
export const MEMCACHED_PERMISSION_DENIED = 'NOPERM this user has no permissions for this operation or key';

// ---- SLOWLOG, LATENCY, MONITOR ----
export const SLOWLOG_COUNT_RANGE = 'ERR count should be greater than or equal to -1';
export const LATENCY_NO_SAMPLES = (event: string) => `ERR No samples available for event '${event}'`;
export const MONITOR_DENY_BLOCKING = "ERR MONITOR isn't allowed for DENY BLOCKING client";

// Cluster mode (Redis 7.0.15's cluster.c).
export const CLUSTER_DISABLED = 'ERR This instance has cluster support disabled';
export const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
export const TRYAGAIN = 'TRYAGAIN Multiple keys request during rehashing of slot';
export const CLUSTERDOWN = 'CLUSTERDOWN The cluster is down';
export const CLUSTERDOWN_READONLY = 'CLUSTERDOWN The cluster is down and only accepts read commands';
export const CLUSTERDOWN_UNBOUND = 'CLUSTERDOWN Hash slot not served';
export const redirection = (kind: 'MOVED' | 'ASK', slot: number, host: string, port: number) => `${kind} ${slot} ${host}:${port}`;
export const INVALID_SLOT_RANGE = 'ERR Invalid or out of range slot';
export const INVALID_SLOT = 'ERR Invalid slot';
export const INVALID_SLOT_OR_KEYS = 'ERR Invalid slot or number of keys';
export const unknownNode = (name: string) => `ERR Unknown node ${name}`;
export const dontKnowNode = (name: string) => `ERR I don't know about node ${name}`;
