import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Prometheus metrics. Each app context has a registry of its own (tests run several apps in one
// process); the Node.js runtime's metrics belong to the process and are collected once per process.
// Web and worker are separate processes in production: each answers /metrics with its own figures.

interface MetricSpec<L extends string> {
  /** Without the prefix, e.g. `http_request_duration_seconds`. */
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export interface Metrics {
  registry: Registry;
  /** The counter of this name, registered on first use (asking again returns the same one). */
  counter<L extends string>(spec: MetricSpec<L>): Counter<L>;
  /** A histogram, registered on first use like counter(). */
  histogram<L extends string>(spec: MetricSpec<L> & { buckets: number[] }): Histogram<L>;
  /** A gauge, registered on first use; `collect` sets its values each time the metrics are read. */
  gauge<L extends string>(spec: MetricSpec<L> & { collect?: (gauge: Gauge<L>) => Promise<void> | void }): Gauge<L>;
  /**
   * A reading taken when the metrics are scraped, for the gauges that report it: at most timeoutMs,
   * shared by every gauge of one scrape, undefined when it failed or was late. `scrape_source_ok`
   * says, for each source, whether this scrape's reading succeeded.
   */
  readAtScrape<T>(source: string, read: () => Promise<T>, timeoutMs?: number): () => Promise<T | undefined>;
  /** The text exposition: the process's runtime metrics, then this registry's. */
  exposition(): Promise<string>;
  contentType: string;
}

const runtimeRegistries = new Map<string, Registry>();

/** The Node.js runtime metrics of this process (CPU, memory, event loop, GC), collected once per prefix. */
function runtimeRegistry(prefix: string): Registry {
  let registry = runtimeRegistries.get(prefix);
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix });
    runtimeRegistries.set(prefix, registry);
  }
  return registry;
}

/** Creates the metrics of one app context; every name gets the prefix (e.g. `welgee_`). */
export function createMetrics(opts: { prefix: string }): Metrics {
  const registry = new Registry();
  const runtime = runtimeRegistry(opts.prefix);
  const named = <M>(name: string, create: (fullName: string) => M): M => (registry.getSingleMetric(`${opts.prefix}${name}`) as M | undefined) ?? create(`${opts.prefix}${name}`);
  const sources = new Map<string, () => Promise<unknown>>();
  const metrics: Metrics = {
    registry,
    counter: (spec) => named(spec.name, (name) => new Counter({ name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [registry] })),
    histogram: (spec) => named(spec.name, (name) => new Histogram({ name, help: spec.help, labelNames: spec.labelNames ?? [], buckets: spec.buckets, registers: [registry] })),
    gauge: (spec) =>
      named(spec.name, (name) => {
        const collect = spec.collect;
        return new Gauge({
          name,
          help: spec.help,
          labelNames: spec.labelNames ?? [],
          registers: [registry],
          ...(collect
            ? {
                collect(this: Gauge) {
                  return collect(this);
                },
              }
            : {}),
        });
      }),
    readAtScrape(source, read, timeoutMs = 1000) {
      const reading = sharedReading(() => withDeadline(read(), timeoutMs).catch(() => undefined));
      sources.set(source, reading);
      metrics.gauge({
        name: 'scrape_source_ok',
        help: '1 when this scrape read the source (queues in Redis, the outbox table) in time, 0 when it did not',
        labelNames: ['source'],
        async collect(gauge) {
          await Promise.all([...sources].map(async ([name, readSource]) => gauge.set({ source: name }, (await readSource()) === undefined ? 0 : 1)));
        },
      });
      return reading;
    },
    async exposition() {
      const [process, app] = await Promise.all([runtime.metrics(), registry.metrics()]);
      return `${process}\n${app}`;
    },
    contentType: registry.contentType,
  };
  return metrics;
}

/** Rejects once ms have passed: a scrape answers with what it has rather than wait for a slow part. */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * One reading shared by every gauge that asks while it runs (the gauges of a scrape are collected
 * together), so a scrape reads Redis or the database once, not once per gauge.
 */
function sharedReading<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= read().finally(() => {
      running = undefined;
    });
    return running;
  };
}

/** Histogram buckets in seconds for request and job durations (5 ms to 10 s). */
export const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
