/**
 * Admin credentials for e2e tests. The auth module creates the platform admin from ADMIN_EMAIL /
 * ADMIN_PASSWORD; `adminHeaders` logs in as it. While /auth/login does not exist (404), it sends
 * no header (the routes are then unguarded).
 */
export const TEST_ADMIN_ENV = { ADMIN_EMAIL: 'admin@wa-orchestrator.test', ADMIN_PASSWORD: 'Admin-Password-123!' };

export async function adminHeaders(baseUrl: string): Promise<Record<string, string>> {
  const res = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: TEST_ADMIN_ENV.ADMIN_EMAIL, password: TEST_ADMIN_ENV.ADMIN_PASSWORD }),
  });
  if (res.status === 404) return {};
  if (!res.ok) throw new Error(`admin login failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { accessToken: string };
  return { authorization: `Bearer ${body.accessToken}` };
}
