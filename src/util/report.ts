/**
 * A handler for a promise nobody awaits (a callback started with `void`): the failure is reported
 * with its context instead of crashing the process as an unhandled rejection. A context given as a
 * function is only made on failure: for handlers made per packet.
 */
export function reportFailure(context: string | (() => string)): (err: unknown) => void {
  return (err) => console.error(`${typeof context === "string" ? context : context()}: ${err instanceof Error ? err.stack : String(err)}`);
}
