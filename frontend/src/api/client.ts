// The one way the dashboard reads the API: typed by the generated schema,
// with the session's bearer token, and a 401 ending the session.

import type { paths } from './schema';
import { clearSession, readSession } from '../features/auth/api/session';

/** An answer other than 2xx, with the API's stable code. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Called when the API refuses the token; the app sends the user to login. */
let onUnauthorized: () => void = () => undefined;

export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

type GetPath = {
  [P in keyof paths]: paths[P] extends { get: unknown } ? P : never;
}[keyof paths];

type Operation<P extends GetPath> = paths[P] extends { get: infer O } ? O : never;

/** The query parameters of a GET route. */
export type QueryOf<P extends GetPath> =
  Operation<P> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** The JSON body of a GET route's 200 answer. */
export type AnswerOf<P extends GetPath> =
  Operation<P> extends { responses: { 200: { content: { 'application/json': infer A } } } }
    ? A
    : never;

interface GetOptions<P extends GetPath> {
  query?: QueryOf<P>;
  path?: Record<string, string | number>;
  signal?: AbortSignal;
}

function buildUrl(template: string, options: GetOptions<GetPath>): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = options.path?.[name];
    if (value === undefined) {
      throw new Error(`missing path parameter ${name}`);
    }
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== '') {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

async function errorOf(answer: Response): Promise<ApiError> {
  try {
    const body = (await answer.json()) as { code?: unknown; message?: unknown };
    return new ApiError(
      answer.status,
      typeof body.code === 'string' ? body.code : 'error',
      typeof body.message === 'string' ? body.message : answer.statusText,
    );
  } catch {
    return new ApiError(answer.status, 'error', answer.statusText || 'request failed');
  }
}

/** GETs a route under the session's token. */
export async function apiGet<P extends GetPath>(
  route: P,
  options: GetOptions<P> = {},
): Promise<AnswerOf<P>> {
  const session = readSession();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session) {
    headers.authorization = `Bearer ${session.token}`;
  }
  const url = buildUrl(route, options as GetOptions<GetPath>);
  const answer = await fetch(url, { headers, signal: options.signal });
  if (answer.status === 401) {
    clearSession();
    onUnauthorized();
  }
  if (!answer.ok) {
    throw await errorOf(answer);
  }
  return (await answer.json()) as AnswerOf<P>;
}

/** POSTs JSON to a route without a token (the login). */
export async function apiPost<T>(route: keyof paths, body: unknown): Promise<T> {
  const answer = await fetch(route, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (!answer.ok) {
    throw await errorOf(answer);
  }
  return (await answer.json()) as T;
}
