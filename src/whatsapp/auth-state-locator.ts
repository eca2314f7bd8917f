/**
 * Where a session's credentials live. They are rows in Postgres (`wa_auth_creds` + `wa_auth_keys`,
 * keyed by session id), not a folder, so the main backend's `auth_folder_path` carries this stable
 * locator instead (never null). Kept free of Baileys imports so that pure mappers can use it.
 */
export function authStateLocator(sessionId: string): string {
  return `postgres://wa_auth_creds/${sessionId}`;
}
