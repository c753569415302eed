// Redis's geohash: a longitude/latitude pair as a 52-bit interleaved integer (26 bits each,
// latitude in the even bits), stored as a sorted-set score; the haversine distance with
// Redis's earth radius; and the search areas (a geohash box and its eight neighbours) that a
// radius or box search scans, computed in the same double arithmetic as geohash_helper.c so
// that results and their order are Redis's. No protocol here.

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;
const TWO_32 = 0x100000000;

const degRad = (angle: number): number => angle * D_R;
const radDeg = (angle: number): number => angle / D_R;

// ---- interleaving ------------------------------------------------------------------------

/** The low 16 bits of x spread to the even bits of a 32-bit word. */
function spread(x: number): number {
  x &= 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  return (x | (x << 1)) & 0x55555555;
}

/** The even bits of a 32-bit word packed into 16 bits. */
function compact(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  return (x | (x >>> 8)) & 0x0000ffff;
}

/** Latitude offset in the even bits, longitude offset in the odd bits (offsets up to 32 bits). */
function interleave(latOffset: number, lonOffset: number): number {
  const low = (spread(latOffset) | (spread(lonOffset) << 1)) >>> 0;
  const high = (spread(latOffset >>> 16) | (spread(lonOffset >>> 16) << 1)) >>> 0;
  return high * TWO_32 + low;
}

interface Range {
  min: number;
  max: number;
}

const WGS84_LONG: Range = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
const WGS84_LAT: Range = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };
const STANDARD_LAT: Range = { min: -90, max: 90 };

/** geohashEncode: the hash of `step` bits per axis (as a number; callers validated the ranges). */
function encode(lonRange: Range, latRange: Range, longitude: number, latitude: number, step: number): number {
  const scale = 2 ** step;
  const latOffset = ((latitude - latRange.min) / (latRange.max - latRange.min)) * scale;
  const lonOffset = ((longitude - lonRange.min) / (lonRange.max - lonRange.min)) * scale;
  return interleave(Math.trunc(latOffset) >>> 0, Math.trunc(lonOffset) >>> 0);
}

/** Whether a pair is one GEOADD accepts (Redis's coordinate limits). */
export function validLongLat(longitude: number, latitude: number): boolean {
  return longitude >= GEO_LONG_MIN && longitude <= GEO_LONG_MAX && latitude >= GEO_LAT_MIN && latitude <= GEO_LAT_MAX;
}

/** The score GEOADD stores for a valid pair: the 52-bit hash. */
export function geoScore(longitude: number, latitude: number): number {
  return encode(WGS84_LONG, WGS84_LAT, longitude, latitude, GEO_STEP_MAX);
}

/**
 * A score as the uint64 Redis casts it to, in 32-bit halves [high, low]. A typed array, not
 * module variables: a search decodes hundreds of scores, and module-level lets written from
 * several functions made each decode several times slower.
 */
const BITS = new Float64Array(2);

/** The cast of a score no GEOADD wrote (ZADD put it there), into BITS. */
function oddScoreBits(score: number): void {
  // As x86-64 code performs the cast: through a signed conversion that yields 2^63 when out
  // of range (minus 2^63 first from 2^63 up).
  const TWO_63 = 2 ** 63;
  let bits: bigint;
  if (score >= TWO_63) bits = score - TWO_63 < TWO_63 ? BigInt(Math.trunc(score - TWO_63)) + (1n << 63n) : 0n;
  else if (score >= -TWO_63) bits = BigInt.asUintN(64, BigInt(Math.trunc(score)));
  else bits = 1n << 63n;
  BITS[0] = Number(bits >> 32n);
  BITS[1] = Number(bits & 0xffffffffn);
}

const CELLS_26 = 2 ** GEO_STEP_MAX;
const LAT_SCALE = GEO_LAT_MAX - GEO_LAT_MIN;

/** The decoded position of a score, as [longitude, latitude], written into `out`. */
export function decodeScore(score: number, out: Float64Array): Float64Array {
  let high: number;
  let low: number;
  if (score >= 0 && score < 9007199254740992) {
    const whole = Math.trunc(score);
    high = Math.floor(whole / TWO_32);
    low = whole >>> 0;
  } else {
    oddScoreBits(score);
    high = BITS[0]!;
    low = BITS[1]!;
  }
  // geohashDecode at 26 bits, then the cell's centre (the same operations, so the same doubles).
  const latCell = (compact(low) | (compact(high) << 16)) >>> 0;
  const lonCell = (compact(low >>> 1) | (compact(high >>> 1) << 16)) >>> 0;
  const lonMin = -180 + ((lonCell * 1.0) / CELLS_26) * 360;
  const lonMax = -180 + (((lonCell + 1) * 1.0) / CELLS_26) * 360;
  const latMin = GEO_LAT_MIN + ((latCell * 1.0) / CELLS_26) * LAT_SCALE;
  const latMax = GEO_LAT_MIN + (((latCell + 1) * 1.0) / CELLS_26) * LAT_SCALE;
  let longitude = (lonMin + lonMax) / 2;
  let latitude = (latMin + latMax) / 2;
  if (longitude > GEO_LONG_MAX) longitude = GEO_LONG_MAX;
  if (longitude < GEO_LONG_MIN) longitude = GEO_LONG_MIN;
  if (latitude > GEO_LAT_MAX) latitude = GEO_LAT_MAX;
  if (latitude < GEO_LAT_MIN) latitude = GEO_LAT_MIN;
  out[0] = longitude;
  out[1] = latitude;
  return out;
}

/** geohashDecode: the box of a hash as [lonMin, lonMax, latMin, latMax] into `area`. */
function decodeBits(high: number, low: number, step: number, area: Float64Array): void {
  const latCell = (compact(low) | (compact(high) << 16)) >>> 0;
  const lonCell = (compact(low >>> 1) | (compact(high >>> 1) << 16)) >>> 0;
  const cells = 2 ** step;
  area[0] = -180 + ((lonCell * 1.0) / cells) * 360;
  area[1] = -180 + (((lonCell + 1) * 1.0) / cells) * 360;
  area[2] = GEO_LAT_MIN + ((latCell * 1.0) / cells) * LAT_SCALE;
  area[3] = GEO_LAT_MIN + (((latCell + 1) * 1.0) / cells) * LAT_SCALE;
}

function decodeHash(hash: number, step: number, area: Float64Array): Float64Array {
  decodeBits(Math.floor(hash / TWO_32), hash >>> 0, step, area);
  return area;
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** GEOHASH's 11-character standard geohash of a score (re-encoded over latitude -90..90). */
export function geohashString(score: number): string {
  const position = decodeScore(score, new Float64Array(4));
  const bits = BigInt(encode(WGS84_LONG, STANDARD_LAT, position[0]!, position[1]!, GEO_STEP_MAX));
  let text = '';
  for (let i = 0; i < 10; i++) text += GEOALPHABET[Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn)];
  // 52 bits make ten characters; Redis pads the eleventh with '0'.
  return text + '0';
}

// ---- distance ----------------------------------------------------------------------------

function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** Haversine great-circle distance in meters. */
export function geoDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const v = Math.sin((degRad(lon2) - degRad(lon1)) / 2);
  if (v === 0.0) return latDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

// ---- search shapes -----------------------------------------------------------------------

/** A search: around (longitude, latitude), a radius or a width x height box, in units of `conversion` meters. */
export interface GeoShape {
  longitude: number;
  latitude: number;
  conversion: number;
  box: boolean;
  radius: number;
  width: number;
  height: number;
}

/**
 * The distance in meters from the shape's centre to the point of `score` if the point lies in
 * the shape, else -1; the point's position is left in `position`.
 */
export function distanceWithin(shape: GeoShape, score: number, position: Float64Array): number {
  decodeScore(score, position);
  const longitude = position[0]!;
  const latitude = position[1]!;
  if (!shape.box) {
    const distance = geoDistance(shape.longitude, shape.latitude, longitude, latitude);
    return distance > shape.radius * shape.conversion ? -1 : distance;
  }
  const width = shape.width * shape.conversion;
  const height = shape.height * shape.conversion;
  if (latDistance(latitude, shape.latitude) > height / 2) return -1;
  if (geoDistance(longitude, latitude, shape.longitude, latitude) > width / 2) return -1;
  return geoDistance(shape.longitude, shape.latitude, longitude, latitude);
}

/** Relative slack on the bounds below: far above the rounding of their few operations. */
const BOUND_SLACK = 1 + 1e-9;
const cellArea = new Float64Array(4);

/** The angle in degrees between two longitudes, the short way round. */
function longitudeGap(a: number, b: number): number {
  const gap = Math.abs(a - b) % 360;
  return gap > 180 ? 360 - gap : gap;
}

/**
 * Whether no point of geohash cell `cell` (`step` bits per axis) can pass distanceWithin, so
 * a scan may pass its members by unread. Every position decoded from a score in the cell lies
 * in the cell's box (the same monotone arithmetic, finer cells), and from a box whose nearest
 * latitude is dLat and nearest longitude dLon away, haversine's
 *   sin^2(d/2) = sin^2(dLat/2) + cos(lat1) cos(lat2) sin^2(dLon/2)
 * is at least the same sum with the box's smallest cosine: a lower bound on every member's
 * distance, compared with BOUND_SLACK to spare so that rounding can never drop a member that
 * the exact test would keep.
 */
export function cellOutside(shape: GeoShape, cell: number, step: number): boolean {
  const area = decodeHash(cell, step, cellArea);
  const { longitude, latitude } = shape;
  const latGap = latitude < area[2]! ? area[2]! - latitude : latitude > area[3]! ? latitude - area[3]! : 0;
  const lonGap = longitude >= area[0]! && longitude <= area[1]! ? 0 : Math.min(longitudeGap(longitude, area[0]!), longitudeGap(longitude, area[1]!));
  const minCos = Math.min(Math.cos(degRad(area[2]!)), Math.cos(degRad(area[3]!)));
  const sinLon = Math.sin(degRad(lonGap) / 2);
  if (!shape.box) {
    const sinLat = Math.sin(degRad(latGap) / 2);
    const a = sinLat * sinLat + Math.cos(degRad(latitude)) * minCos * sinLon * sinLon;
    return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a)) > shape.radius * shape.conversion * BOUND_SLACK;
  }
  // The box test: latitude distance against half the height, then the distance along the
  // member's own latitude against half the width.
  if (EARTH_RADIUS_IN_METERS * degRad(latGap) > ((shape.height * shape.conversion) / 2) * BOUND_SLACK) return true;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(minCos * sinLon) > ((shape.width * shape.conversion) / 2) * BOUND_SLACK;
}

function estimateSteps(rangeMeters: number, latitude: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (latitude > 66 || latitude < -66) {
    step--;
    if (latitude > 80 || latitude < -80) step--;
  }
  return Math.min(26, Math.max(1, step));
}

/**
 * geohash_move_x / _y: the neighbouring cell dx, dy cells away, wrapping around at the edges.
 * As there, only an axis that moves is cut to `step` bits.
 */
function move(hash: number, step: number, dx: number, dy: number): number {
  const high = Math.floor(hash / TWO_32);
  const low = hash >>> 0;
  const latCell = (compact(low) | (compact(high) << 16)) >>> 0;
  const lonCell = (compact(low >>> 1) | (compact(high >>> 1) << 16)) >>> 0;
  const mask = 2 ** step - 1;
  const lat = dy === 0 ? latCell : (latCell + dy) & mask;
  const lon = dx === 0 ? lonCell : (lonCell + dx) & mask;
  return interleave(lat, lon);
}

/** Neighbour directions in the order Redis scans them after the centre cell. */
const NEIGHBOURS: readonly [number, number][] = [
  [0, 1], // north
  [0, -1], // south
  [1, 0], // east
  [-1, 0], // west
  [1, 1], // north-east
  [-1, 1], // north-west
  [1, -1], // south-east
  [-1, -1], // south-west
];

/**
 * The score ranges [min, max) a search scans, in Redis's order (the centre cell, then its
 * neighbours, leaving out those the search cannot reach and one that repeats the cell scanned
 * just before it), flattened as min0, max0, min1, max1, ...
 */
export function searchRanges(shape: GeoShape): number[] {
  const { longitude, latitude } = shape;
  const halfHeight = shape.conversion * (shape.box ? shape.height / 2 : shape.radius);
  const halfWidth = shape.conversion * (shape.box ? shape.width / 2 : shape.radius);
  const latDelta = radDeg(halfHeight / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(halfWidth / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
  const lonDeltaBottom = radDeg(halfWidth / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
  const south = latitude < 0;
  const minLon = south ? longitude - lonDeltaBottom : longitude - lonDeltaTop;
  const maxLon = south ? longitude + lonDeltaBottom : longitude + lonDeltaTop;
  const minLat = latitude - latDelta;
  const maxLat = latitude + latDelta;

  let radiusMeters = shape.box ? Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2)) : shape.radius;
  radiusMeters *= shape.conversion;
  let step = estimateSteps(radiusMeters, latitude);
  let hash = encode(WGS84_LONG, WGS84_LAT, longitude, latitude, step);
  const area = new Float64Array(4);
  const cellOf = (dx: number, dy: number): Float64Array => decodeHash(move(hash, step, dx, dy), step, area);

  // A cell too large for the search near its edge: one step coarser covers it.
  let decrease = cellOf(0, 1)[3]! < maxLat;
  if (cellOf(0, -1)[2]! > minLat) decrease = true;
  if (cellOf(1, 0)[1]! < maxLon) decrease = true;
  if (cellOf(-1, 0)[0]! > minLon) decrease = true;
  if (step > 1 && decrease) {
    step--;
    hash = encode(WGS84_LONG, WGS84_LAT, longitude, latitude, step);
  }
  decodeHash(hash, step, area);
  const cells: (number | null)[] = [hash];
  for (const [dx, dy] of NEIGHBOURS) cells.push(move(hash, step, dx, dy));
  if (step >= 2) {
    // Neighbours wholly outside the search's bounds are not scanned: [N, S, E, W, NE, NW, SE, SW] = 1..8.
    const drop = (...indexes: number[]) => indexes.forEach((i) => (cells[i] = null));
    if (area[2]! < minLat) drop(2, 8, 7);
    if (area[3]! > maxLat) drop(1, 5, 6);
    if (area[0]! < minLon) drop(4, 8, 6);
    if (area[1]! > maxLon) drop(3, 7, 5);
  }
  const ranges: number[] = [];
  const shift = 2 ** (52 - step * 2);
  let last = -1;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === null || cell === undefined) continue;
    if (last > 0 && cell === cells[last]) continue;
    ranges.push(cell * shift, (cell + 1) * shift);
    last = i;
  }
  return ranges;
}
