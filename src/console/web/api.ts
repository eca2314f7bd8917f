/**
 * The console's only way to the REST API: relative URLs (so it works behind a path prefix), the
 * access token in memory (never in storage), the refresh token in the httpOnly cookie that
 * `POST auth/refresh` rotates. A 401 refreshes once and retries; refreshes are single-flight and
 * scheduled before the token expires.
 */
export interface User {
  id: string;
  email: string;
  name: string;
  tenantId: string;
  role: string;
}

interface TokenAnswer {
  accessToken: string;
  expiresIn: number;
  user: User;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type AuthListener = (user: User | null) => void;

let accessToken: string | null = null;
let currentUser: User | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | null = null;
const authListeners = new Set<AuthListener>();

export const getToken = (): string | null => accessToken;
export const getUser = (): User | null => currentUser;

export function onAuthChange(listener: AuthListener): () => void {
  authListeners.add(listener);
  return () => void authListeners.delete(listener);
}

function setAuth(answer: TokenAnswer | null): void {
  clearTimeout(refreshTimer);
  accessToken = answer?.accessToken ?? null;
  currentUser = answer?.user ?? null;
  if (answer) {
    // Refresh at 80% of the lifetime, so the token (and the socket using it) never lapses.
    refreshTimer = setTimeout(() => void refresh(), Math.max(5, answer.expiresIn * 0.8) * 1000);
  }
  authListeners.forEach((l) => l(currentUser));
}

async function parse(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new ApiError(status, error?.code ?? `HTTP_${status}`, error?.message ?? `HTTP ${status}`);
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  const raw = body instanceof FormData;
  if (body !== undefined && !raw) headers['content-type'] = 'application/json';
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  const payload = body === undefined ? undefined : raw ? body : JSON.stringify(body);
  return fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
}

/** The raw answer of an authenticated call (refreshing once on a 401), for bytes such as media content. */
export async function apiResponse(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await send(method, path, body);
  if (response.status === 401 && accessToken && (await refresh())) return send(method, path, body);
  return response;
}

/** One call to the API; `path` is relative (no leading slash); a FormData body is sent as multipart. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await apiResponse(method, path, body);
  const parsed = await parse(response);
  if (!response.ok) throw toError(response.status, parsed);
  return parsed as T;
}

/** Uses the refresh cookie; true when a new access token was obtained. */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const response = await fetch('auth/refresh', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' });
      if (!response.ok) {
        setAuth(null);
        return false;
      }
      setAuth((await response.json()) as TokenAnswer);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function logIn(email: string, password: string): Promise<void> {
  setAuth(await api<TokenAnswer>('POST', 'auth/login', { email, password }));
}

export async function signUp(name: string, email: string, password: string): Promise<void> {
  await api('POST', 'users', { name, email, password });
  await logIn(email, password);
}

export async function logOut(): Promise<void> {
  try {
    await fetch('auth/logout', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' });
  } finally {
    setAuth(null);
  }
}

/** Which optional endpoints this server has (sandbox, pairing code, chats), from its OpenAPI document. */
export async function fetchCapabilities(): Promise<Set<string>> {
  try {
    const response = await fetch('docs-json');
    if (!response.ok) return new Set();
    const doc = (await response.json()) as { paths?: Record<string, unknown> };
    return new Set(Object.keys(doc.paths ?? {}));
  } catch {
    return new Set();
  }
}
