import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The path of one of the bench's scripts, a file beside this one. */
function benchScript(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

/**
 * Runs one of the bench's scripts (`name`) in a process of its own, on a fresh heap, and returns
 * the JSON it prints: a measurement there pays for no garbage or JIT state of the ones before it.
 * `nodeFlags` go to Node.js before the script.
 */
export async function inOwnProcess<T>(name: string, args: readonly string[], nodeFlags: readonly string[] = []): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeFlags, benchScript(name), ...args]);
  return JSON.parse(stdout) as T;
}
