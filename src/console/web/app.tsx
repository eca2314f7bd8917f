/** The console: sign-in, then the tenant's sessions, live over Socket.io, and its webhooks (#webhooks). */
import { useEffect, useState } from 'preact/hooks';
import { fetchCapabilities, getUser, logOut, onAuthChange, refresh, type User } from './api.js';
import { AuthScreen } from './auth.js';
import { chatStore } from './chat-store.js';
import { CallSettingsPanel } from './call-settings.js';
import { CallToasts } from './call-toast.js';
import { ConnectPanel } from './connect.js';
import { groupStore } from './group-store.js';
import { setLang, t, useLang } from './i18n.js';
import { connectRealtime } from './realtime.js';
import { SessionCard } from './session-card.js';
import { formatPhone } from './status.js';
import { store, useStore } from './store.js';
import { WebhooksPage } from './webhooks.js';

type Page = 'sessions' | 'webhooks';
const pageOf = (hash: string): Page => (hash === '#webhooks' ? 'webhooks' : 'sessions');

const SCAN_PATH = '/sandbox/sessions/{id}/scan';
const PAIRING_PATH = '/sessions/{id}/pairing-code';
const INBOX_PATH = '/sandbox/contacts/{phoneNumber}/inbox';
const MEDIA_PATH = '/media';

function Header({ user, page }: { user: User | null; page: Page }) {
  const lang = useLang();
  const { live } = useStore();
  return (
    <header class="top">
      <h1 class="brand">🟢 {t('app.title')}</h1>
      <nav class="row">
        {user && <a href="#" aria-current={page === 'sessions' ? 'page' : undefined}>{t('app.sessions')}</a>}
        {user && <a href="#webhooks" aria-current={page === 'webhooks' ? 'page' : undefined}>{t('app.webhooks')}</a>}
        {user && page === 'sessions' && <span class={`live ${live ? 'on' : 'off'}`} role="status" data-testid="live">{live ? t('app.live') : t('app.reconnecting')}</span>}
        <a href="docs">{t('app.docs')}</a>
        <button type="button" class="link" aria-label={t('app.languageLabel')} onClick={() => setLang(lang === 'es' ? 'en' : 'es')}>{t('app.language')}</button>
        {user && <span class="muted">{user.email}</span>}
        {user && <button type="button" onClick={() => void logOut()}>{t('app.logout')}</button>}
      </nav>
    </header>
  );
}

function Sessions({ capabilities }: { capabilities: Set<string> }) {
  const { sessions } = useStore();
  const [connecting, setConnecting] = useState(false);
  const [onboarding, setOnboarding] = useState<string | null>(null);
  const [linked, setLinked] = useState<string | null>(null);
  const linkedSession = linked ? sessions.get(linked) : undefined;
  const sandbox = capabilities.has(SCAN_PATH);
  const options = { sandbox, inbox: capabilities.has(INBOX_PATH), canAttach: capabilities.has(MEDIA_PATH) };
  useEffect(() => connectRealtime(), []);
  const list = [...sessions.values()].filter((s) => !connecting || s.id !== onboarding).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return (
    <main>
      <div class="row spread">
        <h2>{t('sessions.title')}</h2>
        {!connecting && <button type="button" class="primary" onClick={() => setConnecting(true)}>{t('connect.button')}</button>}
      </div>
      {connecting && (
        <ConnectPanel
          sandbox={sandbox} pairing={capabilities.has(PAIRING_PATH)} onClose={() => setConnecting(false)} onSession={setOnboarding}
          onLinked={(id) => {
            setConnecting(false);
            setOnboarding(null);
            setLinked(id);
          }}
        />
      )}
      {linkedSession && (
        <div class="card success row spread" role="status" data-testid="link-success">
          <p>
            ✅ {t('connect.success')} <strong data-testid="connected-phone">{formatPhone(linkedSession.phone)}</strong>
            {linkedSession.deviceName && <> · <span data-testid="connected-name">{linkedSession.deviceName}</span></>}
          </p>
          <button type="button" class="link" onClick={() => setLinked(null)}>{t('connect.close')}</button>
        </div>
      )}
      {list.length === 0 && !connecting && <p class="muted">{t('sessions.empty')}</p>}
      <CallToasts />
      {list.length > 0 && <CallSettingsPanel />}
      <div class="grid">
        {list.map((s) => <SessionCard key={s.id} session={s} options={options} />)}
      </div>
    </main>
  );
}

export function App() {
  useLang();
  const [user, setUser] = useState<User | null>(getUser());
  const [checking, setChecking] = useState(true);
  const [capabilities, setCapabilities] = useState<Set<string>>(new Set());
  const [page, setPage] = useState<Page>(pageOf(location.hash));
  useEffect(() => {
    const onHash = () => setPage(pageOf(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    const off = onAuthChange((u) => {
      setUser(u);
      if (!u) {
        store.clear();
        chatStore.clear();
        groupStore.clear();
      }
    });
    void refresh().finally(() => setChecking(false));
    void fetchCapabilities().then(setCapabilities);
    return off;
  }, []);
  return (
    <>
      <Header user={user} page={page} />
      {checking ? <p class="loading">{t('auth.checking')}</p> : !user ? <AuthScreen /> : page === 'webhooks' ? <WebhooksPage /> : <Sessions capabilities={capabilities} />}
    </>
  );
}
