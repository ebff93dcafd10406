/**
 * What a strategy observed of each process type's availability (workers.ts watches it), in the
 * operation's result and state. Its own module so types.ts can name it without importing workers.ts.
 */
/** How long a process type had no running instance after the operation's last disruptive step. */
export interface ProcessAvailability {
  type: string
  /** Desired instances of the type. */
  instances: number
  /** Milliseconds at 0 running instances, as observed by polling; 0 when one was running at the first look. */
  zeroMs: number
  /** Whether a running instance was seen again before cfzd stopped watching. */
  recovered: boolean
}
