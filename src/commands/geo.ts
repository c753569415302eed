// Geo commands over sorted sets whose scores are Redis's 52-bit geohashes (src/store/geohash.ts).
// GEOADD is ZADD with computed scores (and propagates as that ZADD, as Redis does); searches
// scan the geohash cells that cover the shape, in Redis's order, and keep the members inside.

import { Buffer } from 'node:buffer';
import {
  CommandError,
  GEO_ANY_NEEDS_COUNT,
  GEO_BOX_NEGATIVE,
  GEO_COUNT_POSITIVE,
  GEO_MEMBER_UNDECODABLE,
  GEO_NEED_HEIGHT,
  GEO_NEED_RADIUS,
  GEO_NEED_WIDTH,
  GEO_RADIUS_NEGATIVE,
  GEO_UNIT,
  geoNeedsBy,
  geoNeedsFrom,
  geoStoreWithOptions,
  invalidLongLat,
  NOT_FLOAT,
  NOT_INTEGER,
  quoteArg,
  SYNTAX,
} from '../errors.ts';
import {
  cellOutside,
  decodeScore,
  distanceWithin,
  geoDistance,
  geohashString,
  geoScore,
  searchRanges,
  validLongLat,
  type GeoShape,
} from '../store/geohash.ts';
import { STOP } from '../store/types/set.ts';
import type { ZSetValue } from '../store/types/zset.ts';
import { NOT_A_NUMBER, parseDouble, parseInt64 } from '../util/numbers.ts';
import { partialSort } from '../util/pqsort.ts';
import type { ReplyWriter } from '../protocol/resp/writer.ts';
import { isWord } from './args.ts';
import { isCWord, KeyFlag, type KeyResult } from './keyspec.ts';
import type { CommandContext, CommandSpec } from './spec.ts';
import { findZset, storeZset, zaddArgs } from './zsets.ts';

const ZADD_WORD = Buffer.from('zadd');
const position = new Float64Array(4);

function doubleArg(arg: Buffer, error = NOT_FLOAT): number {
  const value = parseDouble(arg);
  if (value === NOT_A_NUMBER) throw new CommandError(error);
  return value;
}

/** printf("%f"), as the invalid-pair error prints coordinates. */
function fixed6(value: number): string {
  if (Number.isNaN(value)) return value < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Object.is(value, -0)) return '-0.000000';
  if (Math.abs(value) >= 1e21) return `${BigInt(value)}.000000`;
  return value.toFixed(6);
}

/** A longitude, latitude argument pair within Redis's limits, into out[0], out[1]. */
function longLatArgs(argv: readonly Buffer[], at: number, out: { longitude: number; latitude: number }): void {
  const longitude = doubleArg(argv[at]!);
  const latitude = doubleArg(argv[at + 1]!);
  if (!validLongLat(longitude, latitude)) throw new CommandError(invalidLongLat(fixed6(longitude), fixed6(latitude)));
  out.longitude = longitude;
  out.latitude = latitude;
}

/** Meters per unit. */
function unitArg(arg: Buffer): number {
  if (isWord(arg, 'm')) return 1;
  if (isWord(arg, 'km')) return 1000;
  if (isWord(arg, 'ft')) return 0.3048;
  if (isWord(arg, 'mi')) return 1609.34;
  throw new CommandError(GEO_UNIT);
}

/** Redis's %.17Lf with trailing zeros cut: how positions are replied (addReplyHumanLongDouble). */
function humanDouble(value: number): string {
  let text = value.toFixed(17);
  let end = text.length;
  while (text.charCodeAt(end - 1) === 0x30) end--;
  if (text.charCodeAt(end - 1) === 0x2e) end--;
  text = text.slice(0, end);
  return text === '-0' ? '0' : text;
}

/** A distance with four decimals, rounded half to even on the scaled double (fixedpoint_d2string). */
function distanceText(distance: number): string {
  if (distance === 0) return '0.0000';
  const scaled = distance * 10000;
  let rounded = Math.round(scaled);
  if (rounded - scaled === 0.5 && rounded % 2 !== 0) rounded--;
  const negative = rounded < 0;
  const digits = String(Math.abs(rounded)).padStart(5, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

function replyPosition(w: ReplyWriter, score: number): void {
  decodeScore(score, position);
  w.array(2);
  w.doubleText(humanDouble(position[0]!));
  w.doubleText(humanDouble(position[1]!));
}

function zsetOf(ctx: CommandContext, key: Buffer): ZSetValue | null {
  const id = findZset(ctx, key, true);
  return id < 0 ? null : (ctx.db.objectOf(id) as ZSetValue);
}

// ---- GEOADD, GEOPOS, GEODIST, GEOHASH ------------------------------------------------------

function geoadd(ctx: CommandContext): void {
  const { argv } = ctx;
  let nx = false;
  let xx = false;
  let at = 2;
  for (; at < argv.length; at++) {
    const option = argv[at]!;
    if (isWord(option, 'nx')) nx = true;
    else if (isWord(option, 'xx')) xx = true;
    else if (!isWord(option, 'ch')) break;
  }
  if ((argv.length - at) % 3 !== 0 || (xx && nx)) throw new CommandError(SYNTAX);
  const zaddArgv: Buffer[] = [ZADD_WORD, ...argv.slice(1, at)];
  const pair = { longitude: 0, latitude: 0 };
  for (let i = at; i < argv.length; i += 3) {
    longLatArgs(argv, i, pair);
    zaddArgv.push(Buffer.from(String(geoScore(pair.longitude, pair.latitude))), argv[i + 2]!);
  }
  // Redis replaces the command with this ZADD before running it: replicas get the ZADD.
  ctx.propagateAs(zaddArgv);
  zaddArgs(ctx, zaddArgv);
}

/** An array with one reply per member argument: `found` with its score, or `missing` (GEOPOS, GEOHASH). */
function replyPerMember(ctx: CommandContext, missing: () => void, found: (score: number) => void): void {
  const { argv, w } = ctx;
  const z = zsetOf(ctx, argv[1]!);
  w.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = z?.score(argv[i]!);
    if (score === undefined) missing();
    else found(score);
  }
}

function geopos(ctx: CommandContext): void {
  const { w } = ctx;
  replyPerMember(ctx, () => w.nullArray(), (score) => replyPosition(w, score));
}

function geodist(ctx: CommandContext): void {
  const { argv, w } = ctx;
  let toMeters = 1;
  if (argv.length === 5) toMeters = unitArg(argv[4]!);
  else if (argv.length > 5) throw new CommandError(SYNTAX);
  const z = zsetOf(ctx, argv[1]!);
  const first = z?.score(argv[2]!);
  const second = z?.score(argv[3]!);
  if (first === undefined || second === undefined) return w.null();
  decodeScore(first, position);
  const lon1 = position[0]!;
  const lat1 = position[1]!;
  decodeScore(second, position);
  w.bulkString(distanceText(geoDistance(lon1, lat1, position[0]!, position[1]!) / toMeters));
}

function geohash(ctx: CommandContext): void {
  const { w } = ctx;
  replyPerMember(ctx, () => w.null(), (score) => w.bulkString(geohashString(score)));
}

// ---- searches ------------------------------------------------------------------------------

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const NO_STORE = 4;
const SEARCH = 8;
const SEARCH_STORE = 16;

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

interface Found {
  /** The member's bytes as latin1 text. */
  member: string;
  longitude: number;
  latitude: number;
  distance: number;
  score: number;
}

function memberPosition(z: ZSetValue, member: Buffer, shape: GeoShape): void {
  const score = z.score(member);
  if (score === undefined) throw new CommandError(GEO_MEMBER_UNDECODABLE);
  decodeScore(score, position);
  shape.longitude = position[0]!;
  shape.latitude = position[1]!;
}

/** A radius and unit argument pair into the shape. */
function radiusArgs(argv: readonly Buffer[], at: number, shape: GeoShape): void {
  const radius = doubleArg(argv[at]!, GEO_NEED_RADIUS);
  if (radius < 0) throw new CommandError(GEO_RADIUS_NEGATIVE);
  shape.radius = radius;
  shape.conversion = unitArg(argv[at + 1]!);
  shape.box = false;
}

/** georadiusGeneric: GEORADIUS[BYMEMBER][_RO], GEOSEARCH and GEOSEARCHSTORE. */
function search(ctx: CommandContext, sourceAt: number, flags: number): void {
  const { argv, w } = ctx;
  const z = zsetOf(ctx, argv[sourceAt]!);
  const shape: GeoShape = { longitude: 0, latitude: 0, conversion: 1, box: false, radius: 0, width: 0, height: 0 };
  let storeKey: Buffer | null = null;
  let storeDist = false;
  let base: number;
  if (flags & RADIUS_COORDS) {
    base = 6;
    longLatArgs(argv, 2, shape);
    radiusArgs(argv, 4, shape);
  } else if (flags & RADIUS_MEMBER) {
    base = 5;
    // Without the key the options are still parsed, for the reply that STORE asks for.
    if (z !== null) {
      memberPosition(z, argv[2]!, shape);
      radiusArgs(argv, 3, shape);
    }
  } else {
    base = 2;
    if (flags & SEARCH_STORE) {
      base = 3;
      storeKey = argv[1]!;
    }
  }

  let withDist = false;
  let withHash = false;
  let withCoord = false;
  let fromMember = false;
  let fromLonLat = false;
  let byRadius = false;
  let byBox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const remaining = argv.length - base;
  for (let i = 0; i < remaining; i++) {
    const arg = argv[base + i]!;
    const searching = (flags & SEARCH) !== 0;
    const storing = !(flags & NO_STORE) && !searching;
    if (isWord(arg, 'withdist')) withDist = true;
    else if (isWord(arg, 'withhash')) withHash = true;
    else if (isWord(arg, 'withcoord')) withCoord = true;
    else if (isWord(arg, 'any')) any = true;
    else if (isWord(arg, 'asc')) sort = SORT_ASC;
    else if (isWord(arg, 'desc')) sort = SORT_DESC;
    else if (isWord(arg, 'count') && i + 1 < remaining) {
      const n = parseInt64(argv[base + i + 1]!);
      if (n === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
      if (n <= 0) throw new CommandError(GEO_COUNT_POSITIVE);
      count = Number(n);
      i++;
    } else if ((isWord(arg, 'store') || isWord(arg, 'storedist')) && i + 1 < remaining && storing) {
      storeKey = argv[base + i + 1]!;
      storeDist = arg.length === 9;
      i++;
    } else if (isWord(arg, 'storedist') && searching && flags & SEARCH_STORE) {
      storeDist = true;
    } else if (isWord(arg, 'frommember') && i + 1 < remaining && searching && !fromLonLat) {
      if (z !== null) memberPosition(z, argv[base + i + 1]!, shape);
      fromMember = true;
      i++;
    } else if (isWord(arg, 'fromlonlat') && i + 2 < remaining && searching && !fromMember) {
      longLatArgs(argv, base + i + 1, shape);
      fromLonLat = true;
      i += 2;
    } else if (isWord(arg, 'byradius') && i + 2 < remaining && searching && !byBox) {
      radiusArgs(argv, base + i + 1, shape);
      byRadius = true;
      i += 2;
    } else if (isWord(arg, 'bybox') && i + 3 < remaining && searching && !byRadius) {
      const width = doubleArg(argv[base + i + 1]!, GEO_NEED_WIDTH);
      const height = doubleArg(argv[base + i + 2]!, GEO_NEED_HEIGHT);
      if (height < 0 || width < 0) throw new CommandError(GEO_BOX_NEGATIVE);
      shape.width = width;
      shape.height = height;
      shape.conversion = unitArg(argv[base + i + 3]!);
      shape.box = true;
      byBox = true;
      i += 3;
    } else {
      throw new CommandError(SYNTAX);
    }
  }

  if (storeKey !== null && (withDist || withHash || withCoord)) {
    throw new CommandError(geoStoreWithOptions(flags & SEARCH_STORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'));
  }
  if (flags & SEARCH && !(fromMember || fromLonLat)) throw new CommandError(geoNeedsFrom(quoteArg(argv[0]!)));
  if (flags & SEARCH && !(byRadius || byBox)) throw new CommandError(geoNeedsBy(quoteArg(argv[0]!)));
  if (any && count === 0) throw new CommandError(GEO_ANY_NEEDS_COUNT);

  if (z === null) {
    if (storeKey === null) return w.array(0);
    return w.int(storeZset(ctx, storeKey, new Map(), 'del'));
  }
  // COUNT means the nearest ones, unless ANY asks for whichever come first.
  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  const found = membersInShape(z, shape, any ? count : 0);
  if (found.length === 0 && storeKey === null) return w.array(0);
  const returned = count === 0 || found.length < count ? found.length : count;
  if (sort !== SORT_NONE) {
    const compare = sort === SORT_ASC ? nearerFirst : fartherFirst;
    // A whole sort is glibc's qsort, a merge sort, stable as Array.prototype.sort is; a partial
    // one is Redis's pqsort, whose order among equal distances only its own steps give.
    if (returned === found.length) found.sort(compare);
    else partialSort(found, compare, 0, returned - 1);
  }

  if (storeKey !== null) {
    const members = new Map<string, number>();
    for (let i = 0; i < returned; i++) {
      const point = found[i]!;
      members.set(point.member, storeDist ? point.distance / shape.conversion : point.score);
    }
    return w.int(storeZset(ctx, storeKey, members, flags & SEARCH ? 'geosearchstore' : 'georadiusstore'));
  }
  const options = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoord ? 1 : 0);
  w.array(returned);
  for (let i = 0; i < returned; i++) {
    const point = found[i]!;
    if (options > 0) w.array(options + 1);
    w.bulkLatin1(point.member);
    if (withDist) w.bulkString(distanceText(point.distance / shape.conversion));
    if (withHash) w.int(Math.trunc(point.score));
    if (withCoord) {
      w.array(2);
      w.doubleText(humanDouble(point.longitude));
      w.doubleText(humanDouble(point.latitude));
    }
  }
}

const nearerFirst = (a: Found, b: Found): number => (a.distance > b.distance ? 1 : a.distance === b.distance ? 0 : -1);
const fartherFirst = (a: Found, b: Found): number => -nearerFirst(a, b);

/** A cell's members are looked at in sub-cells of about this many, each passed by when wholly outside the shape. */
const MEMBERS_PER_SUBCELL = 8;

/**
 * The members inside the shape, cell by cell in Redis's order; with a limit (ANY), the first
 * that many. Redis decodes and measures every member of the cells; here a sub-cell that
 * cellOutside proves out of reach is passed by unmeasured, which drops only members the
 * exact test would drop, so the members found and their order are Redis's.
 */
function membersInShape(z: ZSetValue, shape: GeoShape, limit: number): Found[] {
  const found: Found[] = [];
  const ranges = searchRanges(shape);
  for (let r = 0; r < ranges.length; r += 2) {
    if (limit > 0 && found.length >= limit) break;
    const from = z.firstRankByScore(ranges[r]!, false);
    const to = z.endRankByScore(ranges[r + 1]!, true);
    if (from >= to) continue;
    // The cell's step from its score width, 4^(2 * (26 - step)); each level finer splits a cell in four.
    const step = (52 - Math.log2(ranges[r + 1]! - ranges[r]!)) / 2;
    const finer = Math.min(26 - step, Math.max(0, Math.floor(Math.log2((to - from) / MEMBERS_PER_SUBCELL) / 2)));
    const subStep = step + finer;
    const subWidth = 2 ** (52 - 2 * subStep);
    let subEnd = finer === 0 ? Infinity : -1;
    let outside = false;
    z.scoresInRange(from, to - 1, (score, rank) => {
      if (score >= subEnd) {
        const subCell = Math.floor(score / subWidth);
        subEnd = (subCell + 1) * subWidth;
        outside = cellOutside(shape, subCell, subStep);
      }
      if (outside) return;
      const distance = distanceWithin(shape, score, position);
      if (distance >= 0) {
        found.push({ member: z.memberTextAt(rank), longitude: position[0]!, latitude: position[1]!, distance, score });
      }
      if (limit > 0 && found.length >= limit) return STOP;
    });
  }
  return found;
}

/** georadiusGetKeys: the source key, and the last STORE / STOREDIST destination if any. */
function georadiusKeys(argv: readonly Uint8Array[], out: KeyResult): void {
  let store = -1;
  for (let i = 5; i < argv.length; i++) {
    if ((isCWord(argv[i]!, 'store') || isCWord(argv[i]!, 'storedist')) && i + 1 < argv.length) store = ++i;
  }
  out.add(1, KeyFlag.RO | KeyFlag.Access);
  if (store >= 0) out.add(store, KeyFlag.OW | KeyFlag.Update);
}

export const geoCommands: CommandSpec[] = [
  { name: 'geoadd', handler: geoadd },
  { name: 'geopos', handler: geopos },
  { name: 'geodist', handler: geodist },
  { name: 'geohash', handler: geohash },
  { name: 'georadius', handler: (ctx) => search(ctx, 1, RADIUS_COORDS), getKeys: georadiusKeys },
  { name: 'georadiusbymember', handler: (ctx) => search(ctx, 1, RADIUS_MEMBER), getKeys: georadiusKeys },
  { name: 'georadius_ro', handler: (ctx) => search(ctx, 1, RADIUS_COORDS | NO_STORE) },
  { name: 'georadiusbymember_ro', handler: (ctx) => search(ctx, 1, RADIUS_MEMBER | NO_STORE) },
  { name: 'geosearch', handler: (ctx) => search(ctx, 1, SEARCH) },
  { name: 'geosearchstore', handler: (ctx) => search(ctx, 2, SEARCH | SEARCH_STORE) },
];
