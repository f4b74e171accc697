import type { NextFunction, Request, Response } from 'express';

// A cap on how many requests of one kind a web process works on at once. Stripe retries every webhook
// it could not deliver, so after an outage thousands arrive together; each holds a database connection
// for its transaction, and without a cap they would take the whole pool and make a supporter's join
// wait behind them. A few run, a bounded number wait their turn, and the rest are told to come back
// (503 with Retry-After), which Stripe does on its own schedule.

export interface ConcurrencyLimitOptions {
  /** Requests handled at the same time. */
  active: number;
  /** Requests that may wait for a free slot; any more are refused at once. */
  waiting: number;
  /** Seconds a refused client is asked to wait (Retry-After). */
  retryAfterSeconds: number;
  /** Called once for every refused request (a metric, a log line). */
  onRefused?: () => void;
}

export interface ConcurrencyLimit {
  (req: Request, res: Response, next: NextFunction): void;
  /** Requests being handled and waiting right now. */
  readonly state: () => { active: number; waiting: number };
}

/**
 * Express middleware: lets `active` requests through at a time, queues up to `waiting` more in arrival
 * order, and answers the rest 503 with Retry-After without reading their bodies. A slot is given back
 * when the response finishes or the connection closes, whichever comes first, exactly once.
 */
export function concurrencyLimit(options: ConcurrencyLimitOptions): ConcurrencyLimit {
  let active = 0;
  const queue: Array<() => void> = [];

  function release() {
    const next = queue.shift();
    if (next)
      next(); // the slot passes straight to the next in line
    else active--;
  }

  const middleware = ((req: Request, res: Response, next: NextFunction) => {
    const start = () => {
      let released = false;
      const done = () => {
        if (released) return;
        released = true;
        release();
      };
      res.once('finish', done);
      res.once('close', done);
      next();
    };
    if (active < options.active) {
      active++;
      return start();
    }
    if (queue.length >= options.waiting) {
      options.onRefused?.();
      res.set('Retry-After', String(options.retryAfterSeconds));
      res.set('Connection', 'close'); // the unread body is not worth keeping the connection for
      res.status(503).json({ error: 'busy, retry later' });
      return;
    }
    // A client that gives up while waiting leaves the line without ever taking a slot.
    const entry = () => {
      res.off('close', leave);
      start();
    };
    const leave = () => {
      const i = queue.indexOf(entry);
      if (i >= 0) queue.splice(i, 1);
    };
    res.once('close', leave);
    queue.push(entry);
  }) as ConcurrencyLimit;
  Object.defineProperty(middleware, 'state', { value: () => ({ active, waiting: queue.length }) });
  return middleware;
}
