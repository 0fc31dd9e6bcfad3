import path from "node:path";
import { fileURLToPath } from "node:url";

import { InvalidArgumentError } from "commander";

import { parseDuration } from "../util/duration.js";

/** The package's root, to find the bundled topologies from any working directory. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A duration argument (`30s`, `10m`; a bare number is seconds), in ms. */
export function durationArg(text: string): number {
  try {
    return parseDuration(text, "s");
  } catch (err: unknown) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function numberArg(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`${JSON.stringify(text)} is not a non-negative number`);
  }
  return n;
}

export function intArg(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`${JSON.stringify(text)} is not an integer`);
  }
  return n;
}

/** A comma-separated list of values, each checked by `parse` (e.g. `1,2,4,8`). */
export function listArg(parse: (text: string) => number, what: string): (text: string) => number[] {
  return (text) => {
    const items = text.split(",").map((x) => x.trim());
    if (items.some((x) => x === "")) {
      throw new InvalidArgumentError(`${JSON.stringify(text)}: expected comma-separated ${what}, e.g. 1,2,4`);
    }
    return [...new Set(items.map(parse))];
  };
}

/** ms as m:ss. */
export function minutes(ms: number): string {
  return `${Math.floor(ms / 60_000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, "0")}`;
}
