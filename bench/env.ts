// Knobs of the benchmarks, read from the environment.

/**
 * A positive integer setting, or `fallback` when it is unset or empty; 0 too where `zeroSkips`
 * (a knob documented as "0 skips it").
 */
export function envInt(name: string, fallback: number, zeroSkips = false): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < (zeroSkips ? 0 : 1)) throw new Error(`${name} must be a ${zeroSkips ? 'non-negative' : 'positive'} integer, not ${text}`);
  return value;
}
