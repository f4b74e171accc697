import { Writable } from 'node:stream';
import { createLogger } from '../../src/lib/logger';
import { jobDataOf, splitJobData } from '../../src/lib/outbox';
import { acceptRequestId, currentRequestId, outsideRequest, runWithRequestId } from '../../src/lib/request-context';

describe('request ids', () => {
  test('when an inbound id is short and plain, then it is kept; otherwise a new UUID is made', () => {
    expect(acceptRequestId('abc-123_X.y')).toBe('abc-123_X.y');
    expect(acceptRequestId('a'.repeat(64))).toBe('a'.repeat(64));
    for (const bad of ['a'.repeat(65), '', 'a b', 'a\nb', 'a\u0000b', '<b>x</b>', 'ü', 'a,b', undefined, 42, ['a']]) {
      expect(acceptRequestId(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  test('when work runs under an id, then its async continuations see it, and a timer started outside does not', async () => {
    let inTimer: string | undefined = 'unset';
    await runWithRequestId('req-1', async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentRequestId()).toBe('req-1');
      outsideRequest(() => setTimeout(() => (inTimer = currentRequestId()), 1));
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(inTimer).toBeUndefined();
    expect(currentRequestId()).toBeUndefined();
  });

  test('when a log line is written under an id, then it carries requestId', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write: (chunk, _enc, done) => {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const logger = createLogger('info', sink);
    runWithRequestId('req-2', () => logger.info({ a: 1 }, 'inside'));
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', a: 1, requestId: 'req-2' });
    expect(lines[1]).not.toHaveProperty('requestId');
  });

  test('when a job carries a request id, then the worker gets the payload back as it was written', () => {
    const data = jobDataOf({ emailId: 5 }, 'req-3');
    expect(data).toEqual({ emailId: 5, _requestId: 'req-3' });
    expect(splitJobData(data)).toEqual({ payload: { emailId: 5 }, requestId: 'req-3' });
    expect(jobDataOf({ emailId: 5 }, null)).toEqual({ emailId: 5 });
    expect(splitJobData({ emailId: 5 })).toEqual({ payload: { emailId: 5 }, requestId: undefined });
    // An id that is not plain is dropped, never logged.
    expect(splitJobData({ emailId: 5, _requestId: '<x>' })).toEqual({ payload: { emailId: 5 }, requestId: undefined });
  });
});
