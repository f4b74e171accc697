// The one clock the app asks for "now": what day, month or fiscal year it is, and every timestamp the
// app records. Tests (and the sandbox) move it to a chosen instant; it then runs on from there, so
// durations, leases and timeouts keep working. Durations alone (deadlines, TTLs) may use Date.now().

let offsetMs = 0;

/** The current instant on the app's clock. */
export function now(): Date {
  return new Date(Date.now() + offsetMs);
}

/** The current instant on the app's clock in Unix seconds (as Stripe counts). */
export function nowSeconds(): number {
  return Math.floor((Date.now() + offsetMs) / 1000);
}

/** Sets the clock so that it reads `instant` now and runs on from there; no argument restores real time. */
export function setClock(instant?: Date): void {
  offsetMs = instant ? instant.getTime() - Date.now() : 0;
}
