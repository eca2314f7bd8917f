/**
 * Every operation of the running app's OpenAPI document (so routes added later are covered
 * without touching this file), tried as an attacker and a careless client would:
 *  - fuzz: no auth, wrong auth, malformed and deeply nested JSON, wrong types, huge strings, lone
 *    surrogates (a 400 in every string field) and BOMs, huge and negative numbers, odd path
 *    parameters; never a 5xx, the one error shape
 *    (with requestId) on every 4xx, an answer within 5 s;
 *  - tenant isolation: every operation with a path id, called with tenant A's ids by tenant B's
 *    bearer, `?accessToken=` and service key, is a 403/404 that carries none of A's data.
 */
import { adminHeaders, TEST_ADMIN_ENV } from '../support/admin-auth.js';
import { call, craftJwt, logIn, signUp } from '../support/auth-helpers.js';
import {
  BAD_HEADER_VALUES, BAD_QUERY_VALUES, BAD_SCALARS, badBodies, exampleBody, fillPath, inBatches, ODD_PATH_VALUES, oddStringsAround, operationsOf, send,
  type Operation, type RawRequest, type RawResponse,
} from '../support/openapi-fuzz.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ANSWER_WITHIN_MS = 5000;
const PARALLEL = 8;
const EXAMPLE_ID = '00000000-0000-4000-8000-000000000000';
/** A lone surrogate in any string field: refused by validation (issue 30). */
const LONE_SURROGATE_ANSWERS = [400];

interface Case {
  label: string;
  op: Operation;
  req: RawRequest;
  /** Statuses this case must get, when it must get a particular one. */
  expect?: number[];
}

function problemsOf(c: Case, res: RawResponse): string[] {
  const where = `${c.op.method} ${c.op.path} [${c.label}] → ${res.status}`;
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`${where}: 5xx ${res.text.slice(0, 200)}`);
  if (res.elapsedMs > ANSWER_WITHIN_MS) problems.push(`${where}: answered after ${res.elapsedMs} ms`);
  if (c.expect && !c.expect.includes(res.status)) problems.push(`${where}: expected ${c.expect.join('/')}`);
  if (res.status >= 400 && res.status < 500) {
    const b = res.json;
    const shaped =
      b && b.success === false && typeof b.error?.code === 'string' && typeof b.error?.message === 'string' && typeof b.requestId === 'string' && b.requestId.length > 0;
    if (!shaped) problems.push(`${where}: not the error shape: ${res.text.slice(0, 200)}`);
    else if (res.headers['x-request-id'] !== b.requestId) problems.push(`${where}: x-request-id header differs from requestId`);
    if (/at .*\.(ts|js):\d+/.test(res.text)) problems.push(`${where}: stack trace in the body`);
  }
  return problems;
}

/** Path parameters filled with plausible values (ids as UUIDs, phone numbers as digits). */
function plausiblePath(op: Operation): string {
  return fillPath(op, Object.fromEntries(op.pathParams.map((p) => [p, /phone/i.test(p) ? '5491100000001' : /jid/i.test(p) ? '5491100000001' : EXAMPLE_ID])));
}

function jsonRequest(op: Operation, path: string, auth: Record<string, string>, body?: string, contentType = 'application/json'): RawRequest {
  return { method: op.method, path, headers: { ...auth, ...(body !== undefined ? { 'content-type': contentType } : {}) }, body };
}

function fuzzCases(op: Operation, admin: Record<string, string>, secret: string): Case[] {
  const cases: Case[] = [];
  const path = plausiblePath(op);
  const auth = op.isPublic ? {} : admin;
  const validBody = op.bodySchema ? JSON.stringify(exampleBody(op)) : undefined;
  if (!op.isPublic) {
    const unauthorized = [401];
    cases.push({ label: 'no auth', op, req: jsonRequest(op, path, {}, validBody), expect: unauthorized });
    const forged = craftJwt({ sub: EXAMPLE_ID, tid: EXAMPLE_ID, role: 'admin', exp: Math.floor(Date.now() / 1000) + 600 }, `${secret}-wrong`);
    for (const [label, headers] of [
      ['garbage bearer', { authorization: 'Bearer not-a-token' }],
      ['forged bearer', { authorization: `Bearer ${forged}` }],
      ['alg none', { authorization: `Bearer ${forged.split('.').slice(0, 2).join('.')}.` }],
      ['basic auth', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
      ['wrong api key', { 'x-api-key': 'wak_wrong', 'x-user-id': EXAMPLE_ID }],
      ['huge header', { authorization: `Bearer ${'a'.repeat(8000)}` }],
    ] as const) {
      cases.push({ label, op, req: jsonRequest(op, path, headers, validBody), expect: unauthorized });
    }
  }
  for (const param of op.pathParams) {
    for (const value of ODD_PATH_VALUES) {
      const odd = fillPath(op, Object.fromEntries(op.pathParams.map((p) => [p, p === param ? value : EXAMPLE_ID])));
      cases.push({ label: `path ${param}=${value.slice(0, 20)}`, op, req: jsonRequest(op, odd, auth, validBody) });
    }
  }
  for (const header of op.headerParams.filter((h) => h === 'Idempotency-Key')) {
    for (const value of BAD_HEADER_VALUES) {
      const req = jsonRequest(op, path, auth, validBody);
      cases.push({ label: `header ${header}=${JSON.stringify(value).slice(0, 20)}`, op, req: { ...req, headers: { ...req.headers, [header]: value } }, expect: [400] });
    }
  }
  for (const q of op.queryParams) {
    if (q.name === 'accessToken' || q.name === 'userId') continue; // credentials, covered by the auth cases
    for (const value of BAD_QUERY_VALUES) {
      cases.push({ label: `query ${q.name}=${value.slice(0, 20)}`, op, req: jsonRequest(op, `${path}?${q.name}=${value}`, auth) });
    }
    cases.push({ label: `query ${q.name} twice`, op, req: jsonRequest(op, `${path}?${q.name}=1&${q.name}=2`, auth) });
  }
  if (op.bodySchema) {
    for (const bad of badBodies()) {
      cases.push({ label: `body ${bad.label}`, op, req: jsonRequest(op, path, auth, bad.body, bad.contentType) });
    }
    const properties = Object.keys(op.bodySchema.properties ?? {});
    for (const property of properties) {
      for (const value of BAD_SCALARS) {
        const body = { ...exampleBody(op), [property]: value };
        // JSON.stringify writes a lone surrogate as the escape \ud800, as a client would send it.
        cases.push({ label: `body ${property}=${JSON.stringify(value)?.slice(0, 20)}`, op, req: jsonRequest(op, path, auth, JSON.stringify(body)) });
      }
    }
    for (const property of properties) {
      const example = exampleBody(op)[property];
      if (typeof example !== 'string') continue;
      for (const { value, lone } of oddStringsAround(example)) {
        const body = JSON.stringify({ ...exampleBody(op), [property]: value });
        // A lone surrogate is refused by validation, whatever the field, once the caller is let in.
        cases.push({ label: `body ${property}=${JSON.stringify(value).slice(0, 24)}`, op, req: jsonRequest(op, path, auth, body), expect: lone ? LONE_SURROGATE_ANSWERS : undefined });
      }
    }
    for (const property of properties) {
      // A number literal past every integer type, as written by the client (JSON.stringify would shorten it).
      const body = JSON.stringify({ ...exampleBody(op), [property]: 0 }).replace(`"${property}":0`, `"${property}":99999999999999999999999`);
      cases.push({ label: `body ${property}=99999999999999999999999`, op, req: jsonRequest(op, path, auth, body) });
    }
    cases.push({ label: 'body unknown field', op, req: jsonRequest(op, path, auth, JSON.stringify({ ...exampleBody(op), unexpected: 1 })) });
  }
  return cases;
}

describe('every OpenAPI operation', () => {
  let t: TestApp;
  let operations: Operation[];
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...TEST_ADMIN_ENV, WA_SANDBOX: 'true', LOGIN_MAX_FAILURES_PER_IP: '100000', LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '100000', LOGIN_ACCOUNT_SLOWDOWN_AFTER: '100000' } });
    admin = await adminHeaders(t.baseUrl);
    const doc = await call(t, 'GET', '/docs-json');
    operations = operationsOf(doc.body);
  });

  afterAll(async () => {
    await t?.close({ drop: true });
  });

  it('never answers bad input with a 5xx, always in the error shape, within 5 s', async () => {
    expect(operations.length).toBeGreaterThan(30);
    const cases = operations.flatMap((op) => fuzzCases(op, admin, t.jwtSecret));
    // Not tied to one operation: URLs and headers past Node's limits.
    const any = operations[0];
    cases.push(
      { label: '20 kB URL', op: any, req: { method: 'GET', path: `/sessions?x=${'a'.repeat(20_000)}` }, expect: [431] },
      { label: 'OPTIONS without preflight headers', op: any, req: { method: 'OPTIONS', path: '/sessions' } },
      { label: 'unknown route', op: any, req: { method: 'GET', path: '/no/such/route' }, expect: [404] },
      { label: 'lone %', op: any, req: { method: 'GET', path: '/sessions/%' }, expect: [400] },
    );
    const problems: string[] = [];
    const results = await inBatches(
      cases.map((c) => async () => {
        const res = await send(t.baseUrl, c.req, ANSWER_WITHIN_MS + 1000).catch((err: Error) => err);
        if (res instanceof Error) problems.push(`${c.op.method} ${c.op.path} [${c.label}]: ${res.message}`);
        else problems.push(...problemsOf(c, res));
        return res;
      }),
      PARALLEL,
    );
    expect(problems).toEqual([]);
    process.stdout.write(`fuzz: ${cases.length} requests over ${operations.length} operations\n`);
    // Bad input was refused (4xx) far more often than not: the cases reach validation.
    const refused = results.filter((r) => !(r instanceof Error) && r.status >= 400).length;
    expect(refused / results.length).toBeGreaterThan(0.9);
  });

  describe('tenant isolation', () => {
    it("gives another tenant's bearer, ?accessToken= and service key a 403/404 and none of the data", async () => {
      const a = await signUp(t);
      const aToken = (await logIn(t, a.email)).accessToken;
      const aSession = await call(t, 'POST', '/sessions', { token: aToken });
      expect(aSession.status).toBe(201);
      // API keys are the platform's (admin-made): the service key acts for B through x-user-id.
      const platformKey = await send(t.baseUrl, { method: 'POST', path: '/api-keys', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'main-backend' }) });
      expect(platformKey.status).toBe(201);
      const b = await signUp(t);
      const bToken = (await logIn(t, b.email)).accessToken;
      // A webhook of A's (an IP-literal public URL: the private-URL guard needs no DNS for it).
      const aWebhook = await call(t, 'POST', '/webhooks', { token: aToken, body: { url: 'https://203.0.113.10/hook', events: ['*'] } });
      expect(aWebhook.status).toBe(201);
      const aIds = { session: aSession.body.id as string, apiKey: platformKey.json.id as string, user: a.id, tenant: a.tenantId, webhook: aWebhook.body.id as string };

      const idFor = (op: Operation, param: string): string => {
        if (/^\/(sandbox\/)?sessions\//.test(op.path) && param === 'id') return aIds.session;
        if (op.path.startsWith('/api-keys/')) return aIds.apiKey;
        if (/^\/webhooks\/\{id\}/.test(op.path) && param === 'id') return aIds.webhook;
        if (op.path.startsWith('/users/')) return aIds.user;
        if (/session/i.test(param)) return aIds.session;
        return EXAMPLE_ID;
      };
      const withPathId = operations.filter((op) => !op.isPublic && op.pathParams.some((p) => p === 'id' || /Id$/.test(p)));
      expect(withPathId.length).toBeGreaterThanOrEqual(10);
      const credentials: Array<[string, Record<string, string>, string]> = [
        ['bearer', { authorization: `Bearer ${bToken}` }, ''],
        ['?accessToken=', {}, `accessToken=${encodeURIComponent(bToken)}`],
        ['service key', { 'x-api-key': platformKey.json.key as string, 'x-user-id': b.id }, ''],
      ];

      const cases: Case[] = [];
      for (const op of withPathId) {
        const path = fillPath(op, Object.fromEntries(op.pathParams.map((p) => [p, idFor(op, p)])));
        const body = op.bodySchema ? exampleBody(op) : undefined;
        if (body && typeof body === 'object') for (const k of Object.keys(body)) if (/^sessionId$/.test(k)) body[k] = aIds.session;
        const query = op.queryParams.filter((q) => q.name === 'sessionId').map(() => `sessionId=${aIds.session}`);
        for (const [label, headers, tokenQuery] of credentials) {
          const qs = [...query, ...(tokenQuery ? [tokenQuery] : [])].join('&');
          cases.push({
            label,
            op,
            req: jsonRequest(op, qs ? `${path}?${qs}` : path, headers, body === undefined ? undefined : JSON.stringify(body)),
            expect: [403, 404],
          });
        }
      }
      const problems: string[] = [];
      await inBatches(
        cases.map((c) => async () => {
          const res = await send(t.baseUrl, c.req, ANSWER_WITHIN_MS + 1000);
          problems.push(...problemsOf(c, res));
          for (const [name, value] of Object.entries(aIds)) {
            if (res.text.includes(value) && !(name === 'session' || name === 'apiKey' || name === 'user')) problems.push(`${c.op.method} ${c.op.path} [${c.label}]: leaks A's ${name}`);
            // An id the caller sent may be echoed in a not-found message; nothing else of A's may appear.
            if (res.status < 400 && res.text.includes(value)) problems.push(`${c.op.method} ${c.op.path} [${c.label}]: data of A's ${name}`);
          }
          return res;
        }),
        PARALLEL,
      );
      expect(problems).toEqual([]);

      // Tenant A's session and key are untouched by all of that.
      expect((await call(t, 'GET', `/sessions/${aIds.session}`, { token: aToken })).status).toBe(200);
      const keys = await call(t, 'GET', '/api-keys', { token: bToken });
      expect(keys.status).toBe(403);
      expect(JSON.stringify((await call(t, 'GET', '/api-keys', { headers: admin })).body)).toContain(aIds.apiKey);
      expect((await call(t, 'GET', `/webhooks/${aIds.webhook}`, { token: aToken })).body).toMatchObject({ id: aIds.webhook, enabled: true });
    });
  });
});
