import { type ChildProcess, execFile, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The path of one of the bench's scripts, a file beside this one. */
function benchScript(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

/**
 * Runs one of the bench's scripts (`name`) in a process of its own, on a fresh heap, and returns
 * the JSON it prints: a measurement there pays for no garbage or JIT state of the ones before it.
 */
export async function inOwnProcess<T>(name: string, args: readonly string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, [benchScript(name), ...args]);
  return JSON.parse(stdout) as T;
}

/**
 * One of the bench's scripts (`name`) in a process of its own that stays up and answers requests,
 * one at a time ({@link serveBenchRequests} on its side): two of them can take turns measuring,
 * each keeping its own heap and compiled code between turns.
 */
export class BenchProcess<Request, Response> implements Disposable {
  private constructor(private readonly child: ChildProcess) {}

  /** Starts the script and resolves once it is ready for requests. */
  static async start<Request, Response>(name: string, args: readonly string[]): Promise<BenchProcess<Request, Response>> {
    const child = fork(benchScript(name), args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const ready = once(child, "message");
    const exited = once(child, "exit").then(([code]) => {
      throw new Error(`bench process ${name} ${args.join(" ")} exited (${code as number}) before it was ready`);
    });
    await Promise.race([ready, exited]);
    return new BenchProcess(child);
  }

  async request(req: Request): Promise<Response> {
    const answer = once(this.child, "message");
    this.child.send(req as object);
    const [res] = await answer;
    return res as Response;
  }

  [Symbol.dispose](): void {
    this.child.kill();
  }
}

/** The script's side of a {@link BenchProcess}: says it is ready, then answers each request in turn. */
export function serveBenchRequests<Request, Response>(answer: (req: Request) => Promise<Response>): void {
  // The parent gone, nothing is left to answer.
  process.on("disconnect", () => process.exit(0));
  let queue = Promise.resolve();
  process.on("message", (req: Request) => {
    queue = queue.then(async () => void process.send!(await answer(req) as object));
  });
  process.send!({ ready: true });
}
