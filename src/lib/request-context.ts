import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';

// The request id of the work in progress: an HTTP request, or a job that request caused. It follows
// the async calls made on its behalf, so log lines and outbox rows pick it up without being handed it.
const storage = new AsyncLocalStorage<{ requestId: string }>();

// What an id from outside may look like: short and printable, safe in a header, a log line and a page.
const saneId = /^[A-Za-z0-9._-]{1,64}$/;

/** True when a request id given from outside (a header, job data) can be used as it is. */
export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && saneId.test(value);
}

/** The inbound id when it is sane, otherwise a new one. */
export function acceptRequestId(inbound: unknown): string {
  return isSaneRequestId(inbound) ? inbound : crypto.randomUUID();
}

/** Runs fn (and everything it starts) under this request id. */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

/** The request id of the work in progress, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs fn outside any request: for timers and loops that outlive the request that started them. */
export function outsideRequest<T>(fn: () => T): T {
  return storage.exit(fn);
}
