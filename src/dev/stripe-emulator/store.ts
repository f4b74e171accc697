import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Stripe from 'stripe';
import { nowSeconds } from '../../lib/clock';

export const API_VERSION = '2026-10-28.endive';

/** What the emulator remembers about a card behind a payment method (Stripe never returns the number). */
export interface CardRecord {
  number: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

/** What a checkout session passes on that Stripe does not show on the session object. */
export interface CheckoutOptions {
  subscriptionMetadata: Stripe.Metadata;
  subscriptionDescription: string | null;
  paymentIntentMetadata: Stripe.Metadata;
  paymentIntentDescription: string | null;
}

/** A stored answer to a request made with an Idempotency-Key. */
export interface IdempotentRecord {
  method: string;
  path: string;
  body: string;
  status: number;
  response: unknown;
  at: number;
}

/** Every object the emulator holds; persisted as one JSON document. */
export interface State {
  customers: Record<string, Stripe.Customer>;
  products: Record<string, Stripe.Product>;
  prices: Record<string, Stripe.Price>;
  paymentMethods: Record<string, Stripe.PaymentMethod>;
  checkoutSessions: Record<string, Stripe.Checkout.Session>;
  subscriptions: Record<string, Stripe.Subscription>;
  invoices: Record<string, Stripe.Invoice>;
  invoicePayments: Record<string, Stripe.InvoicePayment>;
  paymentIntents: Record<string, Stripe.PaymentIntent>;
  charges: Record<string, Stripe.Charge>;
  balanceTransactions: Record<string, Stripe.BalanceTransaction>;
  refunds: Record<string, Stripe.Refund>;
  disputes: Record<string, Stripe.Dispute>;
  portalSessions: Record<string, Stripe.BillingPortal.Session>;
  portalConfigurations: Record<string, Stripe.BillingPortal.Configuration>;
  webhookEndpoints: Record<string, Stripe.WebhookEndpoint>;
  /** Line items of each checkout session, by session id. */
  sessionLineItems: Record<string, Stripe.LineItem[]>;
  /** subscription_data and payment_intent_data of each checkout session, by session id. */
  checkoutOptions: Record<string, CheckoutOptions>;
  /** The card behind each payment method, by payment method id. */
  cards: Record<string, CardRecord>;
  events: Stripe.Event[];
  idempotency: Record<string, IdempotentRecord>;
}

export type Collection = Exclude<keyof State, 'sessionLineItems' | 'checkoutOptions' | 'cards' | 'events' | 'idempotency'>;

/** An object held in one of the collections. */
export type StoredObject = State[Collection][string];

const collections: Collection[] = [
  'customers',
  'products',
  'prices',
  'paymentMethods',
  'checkoutSessions',
  'subscriptions',
  'invoices',
  'invoicePayments',
  'paymentIntents',
  'charges',
  'balanceTransactions',
  'refunds',
  'disputes',
  'portalSessions',
  'portalConfigurations',
  'webhookEndpoints',
];

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const MAX_IDEMPOTENT_RECORDS = 2000;

/** An empty state. */
export function emptyState(): State {
  return {
    customers: {},
    products: {},
    prices: {},
    paymentMethods: {},
    checkoutSessions: {},
    subscriptions: {},
    invoices: {},
    invoicePayments: {},
    paymentIntents: {},
    charges: {},
    balanceTransactions: {},
    refunds: {},
    disputes: {},
    portalSessions: {},
    portalConfigurations: {},
    webhookEndpoints: {},
    sessionLineItems: {},
    checkoutOptions: {},
    cards: {},
    events: [],
    idempotency: {},
  };
}

// Stripe objects are dated on the app's clock, so a test that moves it sees gifts dated to match.
export { nowSeconds };

/** A deep copy of a JSON-shaped value. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random id with Stripe's prefix style, e.g. cus_Q2bF4kP9sX1aZr8mT3vW6yLc. */
export function newId(prefix: string, length = 24): string {
  const bytes = crypto.randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `${prefix}_${out}`;
}

/** In-memory state with optional debounced persistence to a JSON file. */
export class Store {
  state: State;
  private saveTimer: NodeJS.Timeout | undefined;
  private eventListeners: ((event: Stripe.Event) => void)[] = [];

  constructor(
    private readonly stateFile?: string,
    private readonly saveDelayMs = 50,
  ) {
    this.state = emptyState();
    if (stateFile && fs.existsSync(stateFile)) {
      const loaded = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Partial<State>;
      this.state = { ...emptyState(), ...loaded };
    }
  }

  /** Finds an object by id in any collection. */
  find(id: string): StoredObject | undefined {
    for (const name of collections) {
      const found = this.state[name][id];
      if (found) return found;
    }
    return undefined;
  }

  /** Inserts or replaces an object and schedules a save. */
  put<C extends Collection>(name: C, object: State[C][string]): State[C][string] {
    (this.state[name] as Record<string, State[C][string]>)[object.id] = object;
    this.changed();
    return object;
  }

  /** Registers a listener for every new event. */
  onEvent(listener: (event: Stripe.Event) => void): void {
    this.eventListeners.push(listener);
  }

  /** Records an event about a snapshot of `object` and tells the listeners. */
  emit(type: Stripe.Event['type'], object: object, previousAttributes?: Record<string, unknown>): Stripe.Event {
    const data: { object: object; previous_attributes?: Record<string, unknown> } = { object: clone(object) };
    if (previousAttributes) data.previous_attributes = clone(previousAttributes);
    const enabled = Object.values(this.state.webhookEndpoints).filter((e) => e.status === 'enabled' && (e.enabled_events.includes('*') || e.enabled_events.includes(type)));
    const event = {
      id: newId('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: nowSeconds(),
      data,
      livemode: false,
      pending_webhooks: enabled.length,
      request: { id: null, idempotency_key: null },
      type,
    } as Stripe.Event;
    this.state.events.push(event);
    this.changed();
    for (const listener of this.eventListeners) listener(event);
    return event;
  }

  /** The stored answer for an idempotency key, dropping those older than Stripe's 24 hours. */
  idempotent(key: string): IdempotentRecord | undefined {
    const limit = nowSeconds() - IDEMPOTENCY_TTL_SECONDS;
    for (const [k, record] of Object.entries(this.state.idempotency)) {
      if (record.at < limit) delete this.state.idempotency[k];
    }
    return this.state.idempotency[key];
  }

  /** Remembers the answer given for an idempotency key. */
  rememberIdempotent(key: string, record: IdempotentRecord): void {
    this.state.idempotency[key] = record;
    // The SDK keys every POST, so keep the file small: only the most recent answers are remembered.
    const keys = Object.keys(this.state.idempotency);
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_IDEMPOTENT_RECORDS))) delete this.state.idempotency[old];
    this.changed();
  }

  /** Schedules a debounced write of the state file. */
  changed(): void {
    if (!this.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveNow();
    }, this.saveDelayMs);
  }

  /** Writes the state file now (atomically through a temporary file). */
  saveNow(): void {
    if (!this.stateFile) return;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    fs.mkdirSync(path.dirname(this.stateFile), { recursive: true });
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state));
    fs.renameSync(tmp, this.stateFile);
  }
}
