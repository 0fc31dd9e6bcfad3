/** Seconds since `start` (a process.hrtime.bigint() reading): wall time, whatever clock is installed. */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** A ratio or rate with two decimals, as BENCHMARKS.md prints them. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * The round whose ratio is the median of the rounds'. For figures measured in alternating rounds,
 * ours then the baseline's: this machine's speed drifts by a tenth or more within seconds, and a
 * round's ratio is taken under one set of conditions, where the best of each side may not be.
 */
export function medianRound<T>(rounds: readonly T[], ratio: (round: T) => number): T {
  return rounds.toSorted((x, y) => ratio(x) - ratio(y))[rounds.length >> 1]!;
}
