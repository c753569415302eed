// How RedisTimeSeries writes a sample's value in RESP2: a status line holding the shortest
// digits that read back as the same double (its dragonbox printer), in plain notation while
// the number has an integer part and no exponent is needed, else in "d.dddE-x" notation. So
// 26.2 is "26.2", 500 is "500", but 0.5 is "5E-1" and 2e16 is "2E16": clients parse either.

const TWO_POW_53 = 2 ** 53;

export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  // toExponential() without a precision gives the shortest round-tripping digits.
  const [mantissa, exponentText] = magnitude.toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  // value = digits × 10^scale
  const scale = exponent - (digits.length - 1);
  if (Number.isInteger(magnitude) && (magnitude < TWO_POW_53 || scale === 0)) {
    return sign + (magnitude < 1e21 ? magnitude.toFixed(0) : digits);
  }
  if (scale < 0 && scale >= -16 && digits.length + scale > 0) {
    const point = digits.length + scale;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
  return `${sign}${digits[0]}${fraction}E${exponent}`;
}
