/**
 * Reads the running app's OpenAPI document and turns every operation into requests: bad input
 * for the fuzz test, and valid requests (from the schemas' examples) for the tenant-isolation
 * matrix. Requests go through node:http so that paths are sent byte for byte (`%zz`, `../`).
 */
import { request as httpRequest } from 'node:http';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface Operation {
  method: string;
  path: string;
  isPublic: boolean;
  pathParams: string[];
  queryParams: Array<{ name: string; schema: Json; required: boolean }>;
  /** Request headers the operation documents (e.g. Idempotency-Key). */
  headerParams: string[];
  /** The JSON body schema (resolved), when the operation takes one. */
  bodySchema?: Json;
  /** Other body content types (multipart…). */
  otherBodyTypes: string[];
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Json;
  elapsedMs: number;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export function operationsOf(document: Json): Operation[] {
  const resolve = (schema: Json): Json => {
    if (schema && typeof schema === 'object' && typeof schema.$ref === 'string') {
      return resolve(document.components.schemas[schema.$ref.split('/').pop()]);
    }
    return schema;
  };
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(document.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      const params: Json[] = op.parameters ?? [];
      const content: Record<string, Json> = op.requestBody?.content ?? {};
      ops.push({
        method: method.toUpperCase(),
        path,
        isPublic: !op.security || op.security.length === 0,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: resolve(p.schema ?? {}), required: !!p.required })),
        headerParams: params.filter((p) => p.in === 'header').map((p) => p.name),
        bodySchema: content['application/json'] ? resolveDeep(content['application/json'].schema, resolve) : undefined,
        otherBodyTypes: Object.keys(content).filter((t) => t !== 'application/json'),
      });
    }
  }
  return ops;
}

function resolveDeep(schema: Json, resolve: (s: Json) => Json, depth = 0): Json {
  const s = resolve(schema);
  if (!s || typeof s !== 'object' || depth > 5) return s;
  const out: Json = { ...s };
  if (s.properties) {
    out.properties = Object.fromEntries(Object.entries<Json>(s.properties).map(([k, v]) => [k, resolveDeep(v, resolve, depth + 1)]));
  }
  if (s.items) out.items = resolveDeep(s.items, resolve, depth + 1);
  if (Array.isArray(s.allOf)) out.allOf = s.allOf.map((part: Json) => resolveDeep(part, resolve, depth + 1));
  return out;
}

/** A value the schema accepts, from its example when it has one. */
export function exampleOf(schema: Json): Json {
  if (!schema) return 'x';
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  // A $ref with a description is wrapped by Nest's Swagger in `allOf: [ref]`.
  if (Array.isArray(schema.allOf)) return exampleOf(Object.assign({}, ...(schema.allOf as Json[])));
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(Object.entries<Json>(schema.properties ?? {}).filter(([k]) => (schema.required ?? []).includes(k)).map(([k, v]) => [k, exampleOf(v)]));
    case 'array':
      return [exampleOf(schema.items)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      return schema.format === 'uuid' ? '00000000-0000-4000-8000-000000000000' : 'x';
  }
}

/** A valid body for the operation, built from the examples of every property. */
export function exampleBody(op: Operation): Json {
  const schema = op.bodySchema;
  if (!schema?.properties) return exampleOf(schema);
  return Object.fromEntries(Object.entries<Json>(schema.properties).map(([k, v]) => [k, exampleOf(v)]));
}

export function fillPath(op: Operation, values: Record<string, string>): string {
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => values[name] ?? '00000000-0000-4000-8000-000000000000');
}

/** The bad values each property, query parameter and path parameter is tried with. */
export const HUGE_STRING = 'x'.repeat(100_000);
export const LONE_SURROGATE = '\ud800';
export const BOM = '\ufeff';
export const BAD_SCALARS: Json[] = [
  123, -1, 1e308, -1e308, 1e23, -2147483649, 0.5, true, null, {}, [], [1, 2], LONE_SURROGATE, `a${LONE_SURROGATE}@b.co`, HUGE_STRING, '',
  { $gt: '' }, '__proto__', '\udfff', 'x\ud83d', '\udc00\ud800', BOM, `${BOM}${BOM}`, [LONE_SURROGATE],
];
/**
 * What every string property is also tried with, around its own example (so that it passes the
 * other checks): a lone surrogate (always a 400) and a BOM before and after (ordinary text).
 */
export function oddStringsAround(example: string): Array<{ value: string; lone: boolean }> {
  return [
    { value: `${example}${LONE_SURROGATE}`, lone: true },
    { value: `\udc00${example}`, lone: true },
    { value: `${BOM}${example}`, lone: false },
    { value: `${example}${BOM}`, lone: false },
  ];
}
export const BAD_QUERY_VALUES = [
  '99999999999999999999999', '-1', '-99999999999999999999999', '1e308', 'NaN', '0x10', '1.5', '%ED%A0%80', '%ED%B0%80', '%00', '%zz', 'x'.repeat(5000), '',
  '%EF%BB%BF', '%EF%BB%BF1',
];
/** Header values a client can put on the wire that no documented header accepts (too long, Latin-1, a tab, a BOM's bytes). */
export const BAD_HEADER_VALUES = ['k'.repeat(300), 'caf\u00e9', 'a\tb', '\u00ef\u00bb\u00bfkey'];

export const ODD_PATH_VALUES = [
  'a'.repeat(150), '%zz', '%', '..%2F..%2Fetc%2Fpasswd', '../../etc/passwd', '%00', '%2e%2e', 'x'.repeat(99), '%ED%A0%80', '%20', '%EF%BB%BF', '%EF%BB%BF5491100000001',
];

/** The whole-body variants every JSON body is tried with. */
export function badBodies(): Array<{ label: string; body: string; contentType?: string }> {
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  const deepObject = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
  return [
    { label: 'malformed', body: '{"a":' },
    { label: 'truncated string', body: '{"a":"\\u12' },
    { label: 'deep array', body: deep },
    { label: 'deep object', body: deepObject },
    { label: 'null', body: 'null' },
    { label: 'number', body: '42' },
    { label: 'string', body: '"text"' },
    { label: 'array', body: '[]' },
    { label: 'proto', body: '{"__proto__":{"admin":true}}' },
    { label: 'constructor', body: '{"constructor":{"prototype":{"admin":true}}}' },
    { label: 'lone surrogate escape', body: '{"x":"\\ud800"}' },
    { label: 'lone surrogate key', body: '{"\\udc00":"x"}' },
    { label: 'leading BOM', body: '\ufeff{}' },
    { label: 'text/plain', body: 'hello', contentType: 'text/plain' },
    { label: 'form', body: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded' },
    { label: 'octet-stream', body: '\u0000\u0001', contentType: 'application/octet-stream' },
  ];
}

export function send(baseUrl: string, req: RawRequest, timeoutMs = 5000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const r = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (): void => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, elapsedMs: Date.now() - started });
      };
      // A stream (SSE) answered: its headers are the answer; stop reading.
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.destroy();
        finish();
        return;
      }
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 256_000) chunks.push(c);
      });
      res.on('end', finish);
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms: ${req.method} ${req.path.slice(0, 120)}`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Runs `tasks` with at most `width` in flight. */
export async function inBatches<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}
