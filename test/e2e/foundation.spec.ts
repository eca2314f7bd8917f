/* eslint-disable @typescript-eslint/no-explicit-any */
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('foundation (PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close({ drop: true });
  });

  it('reports health with the database up', async () => {
    const res = await fetch(`${t.baseUrl}/health`);
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body).toMatchObject({ success: true, status: 'ok', database: { status: 'up' } });
  });

  it('echoes a given x-request-id and makes one otherwise', async () => {
    const given = await fetch(`${t.baseUrl}/health`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await fetch(`${t.baseUrl}/health`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes in the error shape', async () => {
    const res = await fetch(`${t.baseUrl}/no-such-route`, { headers: { 'x-request-id': 'rid-1' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'Route not found' }, message: 'Route not found', requestId: 'rid-1' });
  });

  it('rejects malformed JSON and oversized bodies in the error shape', async () => {
    const malformed = await fetch(`${t.baseUrl}/health`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error.code).toBe('BAD_REQUEST');
    const huge = await fetch(`${t.baseUrl}/health`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 'x'.repeat(t.config.http.bodyLimit + 10) }),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as any).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('sends security headers and serves the OpenAPI document and Swagger UI', async () => {
    const docs = await fetch(`${t.baseUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await docs.text()).toContain('swagger');
    const spec: any = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/health', '/metrics']));
    expect(spec.components.securitySchemes).toMatchObject({ bearer: { scheme: 'bearer' }, 'api-key': { name: 'x-api-key' } });
  });

  it('exposes Prometheus metrics with an HTTP duration histogram by route and status', async () => {
    await fetch(`${t.baseUrl}/health`);
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/health"[^}]*status_code="200"/);
  });

  it('answers CORS preflight', async () => {
    const res = await fetch(`${t.baseUrl}/health`, {
      method: 'OPTIONS',
      headers: { origin: 'http://spa.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-user-id' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://spa.example');
  });
});

describe('foundation (embedded database)', () => {
  it('boots with no database server, runs migrations and serves /health', async () => {
    const t = await startTestApp({ embedded: true });
    try {
      const res = await fetch(`${t.baseUrl}/health`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).database.status).toBe('up');
    } finally {
      await t.close({ drop: true });
    }
  });
});
