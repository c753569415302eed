// Scalar functions by name: each resolves its argument types to a result type and a vectorised
// implementation, or fails with PostgreSQL's "function ... does not exist".

import { formatNumeric, formatNumber, isInteger, isNumberBacked, isNumeric, isText, isTime, typeName, type SqlType } from '../types.ts';
import { numbers, strings, type Value, type Vector } from '../vector.ts';
import { SqlError } from './errors.ts';
import { fromDecimal, round, toDecimal } from '../decimal.ts';
import { buildVector, castVector, mapStrict, numericResult } from './vectorops.ts';

export interface Resolved {
  readonly type: SqlType;
  /** Argument types the implementation wants (the binder casts to them). */
  readonly argTypes: readonly SqlType[];
  readonly run: (args: readonly Vector[], n: number) => Vector;
}

export interface FunctionContext {
  /** Start of the current statement, microseconds since the epoch (now() is stable within it). */
  readonly statementStart: number;
  readonly setting: (name: string) => string | null;
}

type Resolver = (types: readonly SqlType[], ctx: FunctionContext) => Resolved | null;

export const noSuchFunction = (name: string, types: readonly SqlType[]) =>
  new SqlError('42883', `function ${name}(${types.map(typeName).join(', ')}) does not exist`);

const textual = (t: SqlType): SqlType => (t === 'unknown' ? 'text' : t);

const strict = (type: SqlType, argTypes: readonly SqlType[], fn: (values: Value[]) => Value): Resolved => ({
  type,
  argTypes,
  run: (args, n) => mapStrict(type, args, n, fn),
});

/** One number argument of any numeric type, result of the same type. */
function numericUnary(fn: (x: number) => number, numericText: (x: string) => string): Resolver {
  return ([t]) => {
    if (t === undefined || !(isNumeric(t) || t === 'unknown')) return null;
    const type = t === 'unknown' ? 'float8' : t;
    if (type === 'numeric') return strict(type, [type], ([x]) => numericText(x as string));
    return strict(type, [type], ([x]) => fn(x as number));
  };
}

/** round(numeric, places): half away from zero; negative places round left of the point. */
function roundDecimal(text: string, places: number): string {
  const value = toDecimal(text);
  if (places >= 0) return fromDecimal(round(value, places));
  const shifted = round({ digits: value.digits, scale: value.scale - places }, 0);
  return fromDecimal({ digits: shifted.digits * 10n ** BigInt(-places), scale: 0 });
}

/** date_trunc units of a fixed length in microseconds (the calendar ones vary). */
const FIXED_UNITS: Record<string, number> = {
  microseconds: 1,
  milliseconds: 1e3,
  second: 1e6,
  minute: 60e6,
  hour: 3600e6,
  day: 86400e6,
};

/** date_trunc to a fixed-length unit over a whole vector. */
function truncateFixed(ts: Vector, width: number): Vector {
  const values = numbers(ts);
  const out = new Float64Array(ts.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(values[i]! / width) * width;
  return { type: ts.type, length: ts.length, data: out, nulls: ts.nulls, dict: null };
}

/** Fields of date_trunc, as PostgreSQL names them. */
function truncate(micros: number, field: string): number {
  const d = new Date(Math.floor(micros / 1000));
  const utc = (y: number, m = 0, day = 1) => Date.UTC(y, m, day) * 1000;
  switch (field) {
    case 'microseconds':
      return micros;
    case 'milliseconds':
      return Math.floor(micros / 1000) * 1000;
    case 'second':
      return Math.floor(micros / 1e6) * 1e6;
    case 'minute':
      return Math.floor(micros / 60e6) * 60e6;
    case 'hour':
      return Math.floor(micros / 3600e6) * 3600e6;
    case 'day':
      return Math.floor(micros / 86400e6) * 86400e6;
    case 'week': {
      const days = Math.floor(micros / 86400e6);
      // 1970-01-01 was a Thursday; weeks start on Monday.
      return (days - ((days + 3) % 7 + 7) % 7) * 86400e6;
    }
    case 'month':
      return utc(d.getUTCFullYear(), d.getUTCMonth());
    case 'quarter':
      return utc(d.getUTCFullYear(), d.getUTCMonth() - (d.getUTCMonth() % 3));
    case 'year':
      return utc(d.getUTCFullYear());
    case 'decade':
      return utc(Math.floor(d.getUTCFullYear() / 10) * 10);
    case 'century':
      return utc(Math.floor((d.getUTCFullYear() - 1) / 100) * 100 + 1);
    case 'millennium':
      return utc(Math.floor((d.getUTCFullYear() - 1) / 1000) * 1000 + 1);
    default:
      throw new SqlError('22023', `unit "${field}" not recognized for type timestamp without time zone`);
  }
}

/** extract(field from ts): the value and the numeric scale PostgreSQL prints it with. */
function extractField(micros: number, field: string, type: SqlType): [number, number] {
  const d = new Date(Math.floor(micros / 1000));
  const withinMinute = micros - Math.floor(micros / 60e6) * 60e6;
  switch (field) {
    case 'year':
      return [d.getUTCFullYear(), 0];
    case 'month':
      return [d.getUTCMonth() + 1, 0];
    case 'day':
      return [d.getUTCDate(), 0];
    case 'hour':
      return [d.getUTCHours(), 0];
    case 'minute':
      return [d.getUTCMinutes(), 0];
    case 'second':
      return [withinMinute / 1e6, 6];
    case 'milliseconds':
      return [withinMinute / 1e3, 3];
    case 'microseconds':
      return [withinMinute, 0];
    case 'dow':
      return [d.getUTCDay(), 0];
    case 'isodow':
      return [d.getUTCDay() === 0 ? 7 : d.getUTCDay(), 0];
    case 'doy':
      return [Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400e3) + 1, 0];
    case 'quarter':
      return [Math.floor(d.getUTCMonth() / 3) + 1, 0];
    case 'epoch':
      return [micros / 1e6, type === 'date' ? 0 : 6];
    default:
      throw new SqlError('22023', `unit "${field}" not recognized for type ${typeName(type)}`);
  }
}

function characterLength(types: readonly SqlType[]): Resolved | null {
  return types.length === 1 && isText(types[0]!) ? strict('int4', ['text'], ([x]) => [...(x as string)].length) : null;
}

const FUNCTIONS: Record<string, Resolver> = {
  abs: numericUnary(Math.abs, (x) => x.replace(/^-/, '')),
  floor: numericUnary(Math.floor, (x) => String(Math.floor(Number(x)))),
  ceil: numericUnary(Math.ceil, (x) => String(Math.ceil(Number(x)))),
  ceiling: numericUnary(Math.ceil, (x) => String(Math.ceil(Number(x)))),
  round: (types) => {
    const [t, s] = types;
    if (t === undefined || !(isNumeric(t) || t === 'unknown')) return null;
    if (s !== undefined) {
      if (!isInteger(s) && s !== 'unknown') return null;
      return strict('numeric', ['numeric', 'int4'], ([x, scale]) => roundDecimal(x as string, scale as number));
    }
    if (t === 'numeric' || isInteger(t)) return strict('numeric', ['numeric'], ([x]) => roundDecimal(x as string, 0));
    // round(double precision) rounds half to even, as rint() does.
    return strict('float8', ['float8'], ([x]) => {
      const v = x as number;
      const r = Math.round(v);
      return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
    });
  },
  sqrt: (types) => (types.length === 1 && (isNumeric(types[0]!) || types[0] === 'unknown') ? strict('float8', ['float8'], ([x]) => {
    if ((x as number) < 0) throw new SqlError('2201F', 'cannot take square root of a negative number');
    return Math.sqrt(x as number);
  }) : null),
  power: (types) => (types.length === 2 ? strict('float8', ['float8', 'float8'], ([x, y]) => (x as number) ** (y as number)) : null),
  mod: (types) => {
    if (types.length !== 2 || !types.every((t) => isInteger(t) || t === 'unknown')) return null;
    const type = numericResult(types[0] === 'unknown' ? 'int4' : types[0]!, types[1] === 'unknown' ? 'int4' : types[1]!);
    return strict(type, [type, type], ([x, y]) => {
      if (y === 0) throw new SqlError('22012', 'division by zero');
      return (x as number) % (y as number);
    });
  },
  // The C locale changes the case of ASCII letters only (upper('straße') keeps its ß).
  lower: (types) => (types.length === 1 && isText(types[0]!) ? strict('text', ['text'], ([x]) => (x as string).replace(/[A-Z]+/g, (m) => m.toLowerCase())) : null),
  upper: (types) => (types.length === 1 && isText(types[0]!) ? strict('text', ['text'], ([x]) => (x as string).replace(/[a-z]+/g, (m) => m.toUpperCase())) : null),
  length: characterLength,
  char_length: characterLength,
  substr: (types) => {
    if (types.length < 2 || types.length > 3 || !isText(types[0]!)) return null;
    return strict('text', types.length === 2 ? ['text', 'int4'] : ['text', 'int4', 'int4'], ([x, from, count]) => {
      const chars = [...(x as string)];
      const start = (from as number) - 1;
      if (count !== undefined && (count as number) < 0) throw new SqlError('22011', 'negative substring length not allowed');
      const end = count === undefined ? chars.length : start + (count as number);
      return chars.slice(Math.max(0, start), Math.max(0, end)).join('');
    });
  },
  substring: (types, ctx) => FUNCTIONS.substr!(types, ctx),
  replace: (types) => (types.length === 3 && types.every(isText) ? strict('text', ['text', 'text', 'text'], ([x, from, to]) => (from === '' ? x : (x as string).split(from as string).join(to as string))) : null),
  trim: (types) => (types.length === 1 && isText(types[0]!) ? strict('text', ['text'], ([x]) => (x as string).replace(/^ +| +$/g, '')) : null),
  btrim: (types, ctx) => FUNCTIONS.trim!(types, ctx),
  concat: (types) => ({
    type: 'text',
    argTypes: types.map((t) => (t === 'unknown' ? 'text' : t)),
    run: (args, n) =>
      buildVector('text', n, (i) => {
        let text = '';
        for (const arg of args) {
          if (arg.nulls !== null && arg.nulls[i] === 1) continue;
          const value = arg.dict !== null ? arg.dict[(arg.data as Int32Array)[i]!]! : arg.data[i]!;
          text += typeof value === 'number' ? formatNumber(arg.type, value) : value;
        }
        return text;
      }),
  }),
  coalesce: (types) => {
    const type = commonType(types, 'COALESCE');
    return {
      type,
      argTypes: types.map(() => type),
      run: (args, n) => {
        if (isNumberBacked(type)) {
          const out = new Float64Array(n);
          let nulls: Uint8Array | null = null;
          for (let i = 0; i < n; i++) {
            const arg = args.find((a) => a.nulls === null || a.nulls[i] === 0);
            if (arg === undefined) (nulls ??= new Uint8Array(n))[i] = 1;
            else out[i] = numbers(arg)[i]!;
          }
          return { type, length: n, data: out, nulls, dict: null };
        }
        return buildVector(type, n, (i) => {
          const arg = args.find((a) => a.nulls === null || a.nulls[i] === 0);
          return arg === undefined ? null : (arg.dict !== null ? arg.dict[(arg.data as Int32Array)[i]!]! : arg.data[i]!);
        });
      },
    };
  },
  nullif: (types) => {
    if (types.length !== 2) return null;
    // NULLIF(a, b) has a's type (it returns a).
    const type = types[0] === 'unknown' ? commonType(types, 'NULLIF') : types[0]!;
    return {
      type,
      argTypes: [type, types[1] === 'unknown' ? type : types[1]!],
      run: ([a, b], n) =>
        buildVector(type, n, (i) => {
          if (a!.nulls !== null && a!.nulls[i] === 1) return null;
          const x = a!.dict !== null ? a!.dict[(a!.data as Int32Array)[i]!]! : a!.data[i]!;
          if (b!.nulls !== null && b!.nulls[i] === 1) return x;
          const y = b!.dict !== null ? b!.dict[(b!.data as Int32Array)[i]!]! : b!.data[i]!;
          return type === 'numeric' ? (Number(x) === Number(y) ? null : x) : x === y ? null : x;
        }),
    };
  },
  greatest: (types) => extreme(types, 'GREATEST', true),
  least: (types) => extreme(types, 'LEAST', false),
  now: (types, ctx) => (types.length === 0 ? { type: 'timestamptz', argTypes: [], run: (_args, n) => buildVector('timestamptz', n, () => ctx.statementStart) } : null),
  current_timestamp: (types, ctx) => FUNCTIONS.now!(types, ctx),
  transaction_timestamp: (types, ctx) => FUNCTIONS.now!(types, ctx),
  localtimestamp: (types, ctx) => (types.length === 0 ? { type: 'timestamp', argTypes: [], run: (_args, n) => buildVector('timestamp', n, () => ctx.statementStart) } : null),
  current_date: (types, ctx) => (types.length === 0 ? { type: 'date', argTypes: [], run: (_args, n) => buildVector('date', n, () => Math.floor(ctx.statementStart / 86400e6)) } : null),
  date_trunc: (types) => {
    if (types.length !== 2 || !isText(types[0]!)) return null;
    const source = types[1]!;
    const type: SqlType = source === 'timestamp' ? 'timestamp' : source === 'timestamptz' || source === 'date' || source === 'unknown' ? 'timestamptz' : 'unknown';
    if (type === 'unknown') return null;
    const rowByRow = strict(type, ['text', type], ([field, ts]) => truncate(ts as number, (field as string).toLowerCase()));
    return {
      ...rowByRow,
      run: (args, n) => {
        const [field, ts] = args as [Vector, Vector];
        const width = field.constant === true && field.nulls === null ? FIXED_UNITS[strings(field)[0]!.toLowerCase()] : undefined;
        return width === undefined ? rowByRow.run(args, n) : truncateFixed(ts, width);
      },
    };
  },
  extract: (types) => {
    const source = types[1]!;
    if (!(isTime(source) || source === 'date')) return null;
    return strict('numeric', ['text', source], ([field, value]) => {
      const micros = source === 'date' ? (value as number) * 86400e6 : (value as number);
      const [number, scale] = extractField(micros, field as string, source);
      return formatNumeric(number, scale);
    });
  },
  date_part: (types) => {
    if (types.length !== 2 || !isText(types[0]!)) return null;
    const source = types[1] === 'unknown' ? 'timestamptz' : types[1]!;
    if (!(isTime(source) || source === 'date')) return null;
    const type: SqlType = source === 'date' ? 'timestamp' : source;
    return strict('float8', ['text', type], ([field, value]) => extractField(value as number, (field as string).toLowerCase(), type)[0]);
  },
  version: (types) => (types.length === 0 ? strict('text', [], () => 'PostgreSQL 15.0 (Mnemo analytics) on x86_64-pc-linux-gnu, 64-bit') : null),
  current_setting: (types, ctx) =>
    types.length === 1 && isText(types[0]!)
      ? strict('text', ['text'], ([name]) => {
          const value = ctx.setting((name as string).toLowerCase());
          if (value === null) throw new SqlError('42704', `unrecognized configuration parameter "${name}"`);
          return value;
        })
      : null,
  current_database: (types) => (types.length === 0 ? strict('text', [], () => 'mnemo') : null),
  current_schema: (types) => (types.length === 0 ? strict('text', [], () => 'public') : null),
  current_user: (types) => (types.length === 0 ? strict('text', [], () => 'default') : null),
  pg_backend_pid: (types) => (types.length === 0 ? strict('int4', [], () => process.pid) : null),
};

function extreme(types: readonly SqlType[], name: string, greatest: boolean): Resolved {
  const type = commonType(types, name);
  return {
    type,
    argTypes: types.map(() => type),
    run: (args, n) =>
      buildVector(type, n, (i) => {
        let best: Value = null;
        for (const arg of args) {
          if (arg.nulls !== null && arg.nulls[i] === 1) continue;
          const value = arg.dict !== null ? arg.dict[(arg.data as Int32Array)[i]!]! : arg.data[i]!;
          const better = best === null || (type === 'numeric' ? Number(value) > Number(best) === greatest : value > best === greatest);
          if (better && value !== best) best = value;
        }
        return best;
      }),
  };
}

/** Implicit-cast chains within a category: a type converts implicitly to any later one. */
const CHAINS: readonly (readonly SqlType[])[] = [
  ['int2', 'int4', 'int8', 'numeric', 'float4', 'float8'],
  ['date', 'timestamp', 'timestamptz'],
];

/**
 * The type a list of expressions resolves to (CASE, COALESCE, GREATEST), as PostgreSQL's
 * select_common_type picks it: the first known type, replaced by a later one only when the
 * cast goes one way; text and varchar convert both ways, so the first of them stays.
 */
export function commonType(types: readonly SqlType[], construct: string): SqlType {
  const known = types.filter((t) => t !== 'unknown');
  if (known.length === 0) return 'text';
  let type: SqlType = known[0]!;
  for (const t of known.slice(1)) {
    if (t === type || (isText(t) && isText(type))) continue;
    const chain = CHAINS.find((c) => c.includes(t) && c.includes(type));
    if (chain === undefined) throw new SqlError('42804', `${construct} types ${typeName(type)} and ${typeName(t)} cannot be matched`);
    if (chain.indexOf(t) > chain.indexOf(type)) type = t;
  }
  return textual(type);
}

export function resolveFunction(name: string, types: readonly SqlType[], ctx: FunctionContext): Resolved {
  const resolver = FUNCTIONS[name];
  const resolved = resolver?.(types, ctx) ?? null;
  if (resolved === null) throw noSuchFunction(name, types);
  return resolved;
}

/** Runs a resolved function after casting its arguments to the types it asked for. */
export function callResolved(resolved: Resolved, args: readonly Vector[], n: number): Vector {
  return resolved.run(args.map((arg, i) => castVector(arg, resolved.argTypes[i] ?? arg.type)), n);
}
