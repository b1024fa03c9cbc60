import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '../generated/schema';
import { withCappedBody } from './read-body';

/**
 * The low-level client generated from `openapi/digilocker-revocation.yaml`: openapi-fetch's
 * `createClient<paths>()`. This module is the only place that knows the API's paths; every wire type
 * below comes from `generated/schema.d.ts`, so a change of the spec surfaces here as a type error.
 */
export type RawClient = Client<paths>;

/** The path of the revocation operation (`getTokenRevocationId`), relative to the base URL. */
export const REVOKE_PATH = '/oauth2/1/revoke' satisfies keyof paths;

/** The spec's `getTokenRevocationId` operation. */
type RevokeOperation = paths[typeof REVOKE_PATH]['post'];

/** The revoke operation's request bodies (the body is optional in the listing, hence NonNullable). */
type RevokeContent = NonNullable<RevokeOperation['requestBody']>['content'];

/**
 * The JSON request body, as the published listing shows it. The spec's JSON and form bodies share one
 * schema (so that openapi-generator's clients compile), whose client_id/client_secret are for the form
 * body (client_secret_post): the JSON body is the listing's, without them.
 */
export type RevocationJsonBody = Omit<RevokeContent['application/json'], 'client_id' | 'client_secret'>;

/** The form-urlencoded request body (DigiLocker's partner specification), with client_secret_post fields. */
export type RevocationFormBody = RevokeContent['application/x-www-form-urlencoded'];

/** `access_token` or `refresh_token`: the spec's `token_type_hint`. */
export type TokenTypeHint = NonNullable<RevocationJsonBody['token_type_hint']>;

/** The path of the token endpoint (the `oauthsecurity` scheme's tokenUrl), relative to the base URL. */
export const TOKEN_PATH = '/oauth2/1/token' satisfies keyof paths;

/** The spec's token operation (`requestClientCredentialsToken`). */
type TokenOperation = paths[typeof TOKEN_PATH]['post'];

/** The form body of a client-credentials grant request to `POST /oauth2/1/token`. */
export type TokenRequestBody = NonNullable<
  TokenOperation['requestBody']
>['content']['application/x-www-form-urlencoded'];

/** The token endpoint's successful answer: `{ access_token, token_type, expires_in?, scope? }`. */
export type TokenResponseBody = TokenOperation['responses'][200]['content']['application/json'];

/** The OAuth-style error body (`{ error, error_description }`) of the spec's error responses. */
export type OAuthErrorBody = components['schemas']['OAuthError'];

/** The two body encodings the spec describes. */
export type BodyEncoding = 'form' | 'json';

const CONTENT_TYPES: Record<BodyEncoding, string> = {
  form: 'application/x-www-form-urlencoded',
  json: 'application/json',
};

// Chosen explicitly rather than left to openapi-fetch's Content-Type sniffing, which relies on an
// `instanceof Function` check that fails across realms (jest's VM context, some edge sandboxes).
// `undefined`: the body is optional in the spec (as in the listing); postRevocation always sends one.
const SERIALIZERS: Record<
  BodyEncoding,
  (body: RevocationFormBody | RevocationJsonBody | undefined) => string
> = {
  form: (body) => formEncode(body as Record<string, string | undefined>),
  json: (body) => JSON.stringify(body),
};

/** The application/x-www-form-urlencoded serialisation of the fields that are set. */
export function formEncode(fields: Record<string, string | undefined>): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value);
  return form.toString();
}

/**
 * Creates the generated client for a base URL that includes `/public`: what `client.raw` is, a plain
 * openapi-fetch client for users, with no authentication, retries or timeouts. The revocation calls
 * use an instance of their own (`createAttemptClient`): nothing added to this one changes them.
 */
export function createRawClient(baseUrl: string, fetchImpl?: typeof globalThis.fetch): RawClient {
  return createClient<paths>(fetchImpl ? { baseUrl, fetch: fetchImpl } : { baseUrl });
}

/**
 * The generated client that sends the attempts of revocation calls: each request goes straight to
 * `fetchImpl` as `(url, init)`, without redirects, and an error response reaches openapi-fetch (which
 * reads error bodies whole) with at most `LIMITS.maxResponseBodyBytes` of its body, read here. When
 * that body cannot be read (the connection is reset, the attempt's time runs out), the attempt still
 * knows the status it got: {@link BodyUnread}.
 */
export function createAttemptClient(baseUrl: string, fetchImpl: typeof globalThis.fetch): RawClient {
  const send = async (request: OutgoingRequest): Promise<Response> => {
    const { url, method, headers, body, signal } = request;
    const response = await fetchImpl(url, { method, headers, body, signal, redirect: 'manual' });
    if (response.status < 200 || response.status > 599) {
      // e.g. an opaque redirect (status 0) in a browser: never a revocation, and no body to read.
      throw new UnexpectedStatus(response.status);
    }
    if (response.ok) return response;
    try {
      return await withCappedBody(response);
    } catch (cause) {
      throw new BodyUnread(response, cause);
    }
  };
  return createClient<paths>({
    baseUrl,
    fetch: send as unknown as typeof globalThis.fetch,
    Request: OutgoingRequest as unknown as typeof Request,
  });
}

/**
 * An error response whose body could not be read: the server answered this status, and what it said
 * is unknown. The status decides alone; a 400 cut short is not taken for the listing's bare 400.
 */
export class BodyUnread extends Error {
  readonly status: number;
  readonly headers: Headers;

  constructor(response: Response, cause: unknown) {
    super('', { cause }); // never shown: the attempt turns it into an answer
    this.status = response.status;
    this.headers = response.headers;
  }
}

/** The body of an answer whose body could not be read (see {@link BodyUnread}). */
export const BODY_UNREAD: unique symbol = Symbol('body unread');

/** A status outside 200-599, which no Response can be rebuilt with. */
export class UnexpectedStatus extends Error {
  constructor(readonly status: number) {
    super(`DigiLocker answered with status ${status}`);
  }
}

/**
 * What openapi-fetch builds for the attempt client instead of a `Request`: it keeps the URL, method,
 * headers, serialised body and signal as they are, and the attempt hands them to fetch as `(url, init)`.
 * The signal then reaches fetch itself: a `Request` built with a signal can stop following it after a
 * garbage collection (nodejs/node#55428), and an abort that never reaches the socket leaves the
 * connection busy and the fetch unable to say whether its request was sent.
 */
class OutgoingRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;
  readonly signal: AbortSignal | undefined;

  constructor(url: string, init: RequestInit) {
    this.url = url;
    this.method = init.method ?? 'GET';
    // openapi-fetch hands over a Headers object of its own for this one request: no copy needed.
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
    this.body = typeof init.body === 'string' ? init.body : undefined;
    this.signal = init.signal ?? undefined;
  }
}

/** What one attempt of a revocation hands to the generated client. */
interface RevocationCall {
  /** The body; `client_id`/`client_secret` only with form encoding (client_secret_post). */
  body: RevocationFormBody;
  encoding: BodyEncoding;
  /** Extra request headers (`User-Agent`, `Authorization`). */
  headers?: Record<string, string>;
  /** Aborts the request. */
  signal?: AbortSignal | undefined;
}

/**
 * Sends `POST /oauth2/1/revoke` through the generated client: one call of the spec-typed operation.
 * openapi-fetch serialises the body as a form exactly when the Content-Type is
 * `application/x-www-form-urlencoded`, as JSON otherwise. A 2xx body is handed back unread (`data`, a
 * stream or undefined): success is decided on the status, whatever the body; an error body comes back
 * parsed (`error`: JSON, or text when it is not JSON, or undefined when empty).
 */
export function postRevocation(wire: RawClient, call: RevocationCall) {
  const { body, encoding, headers, signal } = call;
  return wire.POST(REVOKE_PATH, {
    body: encoding === 'json' ? toJsonBody(body) : body,
    headers: { ...headers, 'Content-Type': CONTENT_TYPES[encoding], Accept: 'application/json' },
    parseAs: 'stream',
    bodySerializer: SERIALIZERS[encoding],
    signal,
  });
}

function toJsonBody(body: RevocationFormBody): RevocationJsonBody {
  const json: RevocationJsonBody = { token: body.token };
  if (body.token_type_hint !== undefined) json.token_type_hint = body.token_type_hint;
  return json;
}
