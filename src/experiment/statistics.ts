/** A mean with its 95% confidence interval, and how many values it rests on. */
export interface MeanCi {
  mean: number;
  low: number;
  high: number;
  n: number;
}

/**
 * Student's t at 97.5% (two-sided 95%) for 1 to 30 degrees of freedom: seeds are few, so the
 * normal 1.96 would make the intervals too narrow.
 */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
  2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
] as const;

/** The normal quantile, used past the table (more than 30 degrees of freedom). */
const Z_975 = 1.96;

/** The arithmetic mean; NaN for no values. */
export function mean(xs: readonly number[]): number {
  return xs.reduce((sum, x) => sum + x, 0) / xs.length;
}

/**
 * The mean of `xs` (one value per seed) with its 95% confidence interval from Student's t.
 * One value gives no spread to estimate: low = high = mean, with n = 1 telling the reader so.
 * No values give NaN throughout and n = 0.
 */
export function meanCi(xs: readonly number[]): MeanCi {
  const n = xs.length;
  const m = mean(xs);
  if (n < 2) {
    return { mean: m, low: m, high: m, n };
  }
  const variance = xs.reduce((sum, x) => sum + (x - m) ** 2, 0) / (n - 1);
  const halfWidth = tCritical(n - 1) * Math.sqrt(variance / n);
  return { mean: m, low: m - halfWidth, high: m + halfWidth, n };
}

/**
 * The mean of per-seed ratios numerator / denominator with its 95% interval: each seed's runs are
 * compared with each other first, so that what the seeds share (the physiology, the phases)
 * cancels. Pairs with a zero denominator have no ratio and are skipped (n counts the rest).
 */
export function ratioCi(pairs: ReadonlyArray<readonly [numerator: number, denominator: number]>): MeanCi {
  return meanCi(pairs.filter(([, denominator]) => denominator !== 0).map(([numerator, denominator]) => numerator / denominator));
}

/** The 97.5% quantile of Student's t with `df` degrees of freedom (≥ 1). */
function tCritical(df: number): number {
  return T_975[df - 1] ?? Z_975;
}
