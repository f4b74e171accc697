/** The body Stripe answers with when a request fails. */
export interface StripeErrorBody {
  type: string;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  charge?: string;
  payment_intent?: unknown;
  doc_url?: string;
}

/** A request failure rendered as Stripe's `{ error: { … } }` JSON with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }

  /** The JSON Stripe sends for this failure. */
  toJSON(): { error: StripeErrorBody } {
    return { error: this.body };
  }
}

/** 404 for an id that does not exist. */
export function noSuch(kind: string, id: string, param = 'id'): ApiError {
  return new ApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${id}'`,
    param,
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
  });
}

/** 400 for a missing required parameter. */
export function missingParam(param: string): ApiError {
  return new ApiError(400, {
    type: 'invalid_request_error',
    code: 'parameter_missing',
    message: `Missing required param: ${param}.`,
    param,
    doc_url: 'https://stripe.com/docs/error-codes/parameter-missing',
  });
}

/** 400 for a parameter with a value Stripe would refuse. */
export function invalidParam(param: string, message: string, code = 'parameter_invalid'): ApiError {
  return new ApiError(400, { type: 'invalid_request_error', code, message, param });
}

/** 400 for a request that is valid in form but not in the object's current state. */
export function invalidRequest(message: string, code?: string): ApiError {
  return new ApiError(400, { type: 'invalid_request_error', message, ...(code ? { code } : {}) });
}

/** 401 for a missing or wrong API key. */
export function badApiKey(given: string | undefined): ApiError {
  if (!given) {
    return new ApiError(401, {
      type: 'invalid_request_error',
      message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    });
  }
  const masked = given.length > 12 ? `${given.slice(0, 8)}${'*'.repeat(given.length - 12)}${given.slice(-4)}` : '********';
  return new ApiError(401, {
    type: 'invalid_request_error',
    code: 'api_key_invalid',
    message: `Invalid API Key provided: ${masked}`,
  });
}
