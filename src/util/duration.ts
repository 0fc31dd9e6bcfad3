const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * Parse a duration such as `500ms`, `30s`, `10m`, `1.5h`; a bare number is in `bareUnit`.
 * @throws Error saying what was expected.
 */
export function parseDuration(text: string, bareUnit: "ms" | "s" = "ms"): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/.exec(text.trim());
  if (!m) {
    throw new Error(`invalid duration ${JSON.stringify(text)}: expected e.g. 500ms, 30s, 10m, 1h`);
  }
  return Number(m[1]) * UNITS[m[2] ?? bareUnit]!;
}
