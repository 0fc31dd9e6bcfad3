/**
 * A handler for a promise nobody awaits (a callback started with `void`): the failure is reported
 * with its context instead of crashing the process as an unhandled rejection.
 */
export function reportFailure(context: string): (err: unknown) => void {
  return (err) => console.error(`${context}: ${err instanceof Error ? err.stack : String(err)}`);
}
