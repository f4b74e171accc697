import crypto from 'node:crypto';
import type Stripe from 'stripe';
import type { Store } from './store';

/** The Stripe-Signature header for a payload: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`. */
export function signPayload(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const signature = crypto.createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

function listens(endpoint: Stripe.WebhookEndpoint, type: string): boolean {
  return endpoint.status === 'enabled' && (endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type));
}

/** One POST of an event to an endpoint, as reported to `onDelivery`. */
export interface WebhookAttempt {
  eventId: string;
  type: string;
  url: string;
  /** HTTP status, 0 for a network error or timeout. */
  status: number;
  /** first: the automatic delivery; retry: one of `retryDelaysMs`; manual: `deliverEvent`. */
  kind: 'first' | 'retry' | 'manual';
  at: Date;
}

/**
 * Delivers events to webhook endpoints: first attempts in creation order per endpoint, one at a time;
 * a failed attempt (non-2xx or network error) is retried later on the retry schedule without holding
 * back the events behind it, as Stripe does.
 */
export class WebhookDispatcher {
  private readonly queues = new Map<string, Stripe.Event[]>();
  private readonly running = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly opts: {
      retryDelaysMs: number[];
      autoDeliver: boolean;
      startDelayMs?: number;
      timeoutMs?: number;
      onDelivery?: (attempt: WebhookAttempt) => void;
    },
  ) {}

  /** Queues a new event for every endpoint that listens to its type. */
  enqueue(event: Stripe.Event): void {
    if (!this.opts.autoDeliver || this.stopped) return;
    for (const endpoint of Object.values(this.store.state.webhookEndpoints)) {
      if (!listens(endpoint, event.type)) continue;
      const queue = this.queues.get(endpoint.id) ?? [];
      queue.push(event);
      this.queues.set(endpoint.id, queue);
      if (!this.running.has(endpoint.id)) {
        this.running.add(endpoint.id);
        // "Shortly after": the API answer that caused the event goes out first.
        this.later(() => void this.drain(endpoint.id), this.opts.startDelayMs ?? 20);
      }
    }
  }

  private later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  private async drain(endpointId: string): Promise<void> {
    const queue = this.queues.get(endpointId) ?? [];
    while (!this.stopped && queue.length > 0) {
      const event = queue.shift()!;
      const endpoint = this.store.state.webhookEndpoints[endpointId];
      if (!endpoint) break;
      const status = await this.post(endpoint, event, 'first');
      if (!isSuccess(status)) this.retry(endpointId, event, 0);
    }
    this.running.delete(endpointId);
    // An event queued while the last POST was finishing starts a new run.
    if (!this.stopped && queue.length > 0 && !this.running.has(endpointId)) {
      this.running.add(endpointId);
      void this.drain(endpointId);
    }
  }

  private retry(endpointId: string, event: Stripe.Event, attempt: number): void {
    const delay = this.opts.retryDelaysMs[attempt];
    if (delay === undefined) return;
    this.later(() => {
      const endpoint = this.store.state.webhookEndpoints[endpointId];
      if (!endpoint) return;
      void this.post(endpoint, event, 'retry').then((status) => {
        if (!isSuccess(status)) this.retry(endpointId, event, attempt + 1);
      });
    }, delay);
  }

  /** POSTs one event to one endpoint now; resolves to the HTTP status (0 for a network error). */
  post(endpoint: Stripe.WebhookEndpoint, event: Stripe.Event, kind: WebhookAttempt['kind'] = 'manual'): Promise<number> {
    const payload = JSON.stringify(event, null, 2);
    const request = fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'Stripe-Signature': signPayload(payload, endpoint.secret ?? ''),
      },
      body: payload,
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    })
      .then(async (res) => {
        await res.arrayBuffer().catch(() => undefined);
        return res.status;
      })
      .catch(() => 0)
      .then((status) => {
        this.opts.onDelivery?.({ eventId: event.id, type: event.type, url: endpoint.url, status, kind, at: new Date() });
        return status;
      });
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
    return request;
  }

  /**
   * Sends an event again now to every endpoint that listens to its type, or only to the one at `url`;
   * resolves to the first answer that was not 2xx, else the last one (0 when none answered).
   */
  async deliverNow(event: Stripe.Event, url?: string): Promise<number> {
    const endpoints = Object.values(this.store.state.webhookEndpoints).filter((e) => (url === undefined ? listens(e, event.type) : e.url === url));
    let status = 0;
    let failure: number | undefined;
    for (const endpoint of endpoints) {
      status = await this.post(endpoint, event, 'manual');
      if (!isSuccess(status)) failure ??= status;
    }
    return failure ?? status;
  }

  /** Stops retries and queued deliveries and waits for requests already on the wire. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
