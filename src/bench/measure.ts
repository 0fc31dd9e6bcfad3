/** Seconds since `start` (a process.hrtime.bigint() reading): wall time, whatever clock is installed. */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** A ratio or rate with two decimals, as BENCHMARKS.md prints them. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
