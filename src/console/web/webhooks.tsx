/** The Webhooks page: subscribe a URL to events (and sessions), copy its secret once, send a test, browse its deliveries. */
import { useEffect, useState } from 'preact/hooks';
import { ConfirmDialog } from './confirm.js';
import { t } from './i18n.js';
import { loadSessions } from './sessions-api.js';
import { useStore } from './store.js';
import { useAction } from './use-action.js';
import {
  createWebhook, deleteWebhook, fetchEventTypes, listDeliveries, listWebhooks, retryDelivery, rotateSecret, sendTest, setEnabled,
  type Webhook, type WebhookDelivery,
} from './webhooks-api.js';

/** While a delivery list is open it is read again this often (a test or a retry shows its answer). */
const REFRESH_MS = 1000;

function SecretBox({ secret, onClose }: { secret: string; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(secret).catch(() => undefined);
    setCopied(true);
  };
  return (
    <section class="card connect" data-testid="webhook-secret" aria-labelledby="secret-title">
      <h3 id="secret-title">{t('webhooks.secretTitle')}</h3>
      <p>{t('webhooks.secretOnce')}</p>
      <p class="mono" data-testid="webhook-secret-value">{secret}</p>
      <div class="row">
        <button type="button" class="primary" onClick={() => void copy()}>{copied ? t('webhooks.copied') : t('webhooks.copy')}</button>
        <button type="button" onClick={onClose}>{t('webhooks.secretDone')}</button>
      </div>
    </section>
  );
}

function CreateForm({ eventTypes, onCreated }: { eventTypes: string[]; onCreated: (secret: string) => void }) {
  const { sessions } = useStore();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<Set<string>>(new Set());
  const [sessionIds, setSessionIds] = useState<Set<string>>(new Set());
  const { busy, error, run } = useAction();
  const toggle = (set: Set<string>, value: string, update: (s: Set<string>) => void) => {
    const next = new Set(set);
    if (next.has(value)) next.delete(value);
    else next.add(value);
    update(next);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const created = await createWebhook({ url, events: [...events], ...(sessionIds.size > 0 ? { sessionIds: [...sessionIds] } : {}) });
      setUrl('');
      setEvents(new Set());
      setSessionIds(new Set());
      onCreated(created.secret);
    });
  };
  return (
    <form class="card" onSubmit={submit} data-testid="webhook-form">
      <h3>{t('webhooks.new')}</h3>
      <label>
        {t('webhooks.url')}
        <input type="url" required value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} placeholder="https://crm.example.com/hooks/whatsapp" />
      </label>
      <fieldset>
        <legend>{t('webhooks.events')}</legend>
        {eventTypes.map((type) => (
          <label key={type} class="check">
            <input type="checkbox" checked={events.has(type)} onChange={() => toggle(events, type, setEvents)} />
            {type === '*' ? t('webhooks.allEvents') : type}
          </label>
        ))}
      </fieldset>
      {sessions.size > 0 && (
        <fieldset>
          <legend>{t('webhooks.sessions')}</legend>
          {[...sessions.values()].map((s) => (
            <label key={s.id} class="check">
              <input type="checkbox" checked={sessionIds.has(s.id)} onChange={() => toggle(sessionIds, s.id, setSessionIds)} />
              {s.phone ? `+${s.phone}` : s.id.slice(0, 8)}
            </label>
          ))}
        </fieldset>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary" disabled={busy || events.size === 0}>{t('webhooks.create')}</button>
    </form>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const [list, setList] = useState<WebhookDelivery[] | null>(null);
  const { error, run } = useAction();
  useEffect(() => {
    let stopped = false;
    const load = () => void listDeliveries(webhook.id).then((d) => !stopped && setList(d)).catch(() => undefined);
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [webhook.id]);
  if (!list) return <p class="muted">{t('auth.checking')}</p>;
  if (list.length === 0) return <p class="muted">{t('webhooks.noDeliveries')}</p>;
  return (
    <>
      {error && <p class="error" role="alert">{error}</p>}
      <table class="deliveries" data-testid="webhook-deliveries">
        <thead>
          <tr><th>{t('webhooks.when')}</th><th>{t('webhooks.event')}</th><th>{t('webhooks.status')}</th><th>{t('webhooks.attempts')}</th><th>{t('webhooks.code')}</th><th /></tr>
        </thead>
        <tbody>
          {list.map((d) => (
            <tr key={d.id} data-testid="webhook-delivery">
              <td>{new Date(d.createdAt).toLocaleTimeString()}</td>
              <td class="mono">{d.event}</td>
              <td>{d.status}</td>
              <td>{d.attempts}</td>
              <td title={d.lastError ?? ''}>{d.lastStatusCode ?? (d.lastError ? '—' : '')}</td>
              <td>{d.status === 'dead' && <button type="button" class="link" onClick={() => void run(() => retryDelivery(webhook.id, d.id))}>{t('webhooks.retry')}</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function WebhookCard({ webhook, onChange, onSecret }: { webhook: Webhook; onChange: () => void; onSecret: (secret: string) => void }) {
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const act = (fn: () => Promise<unknown>) => void run(fn).then((ok) => ok && onChange());
  return (
    <article class="card" data-testid="webhook-card">
      <div class="row spread">
        <strong class="mono">{webhook.url}</strong>
        <span class={`status ${webhook.enabled ? 'status-green' : 'status-red'}`}>
          {webhook.enabled ? t('webhooks.enabled') : webhook.disabledReason ? t('webhooks.disabledBy', { reason: webhook.disabledReason }) : t('webhooks.disabled')}
        </span>
      </div>
      <p class="muted">{webhook.events.join(', ')}</p>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="row">
        <button type="button" disabled={busy} onClick={() => act(async () => { await sendTest(webhook.id); setOpen(true); })}>{t('webhooks.test')}</button>
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>{t('webhooks.deliveries')}</button>
        <button type="button" disabled={busy} onClick={() => act(() => setEnabled(webhook.id, !webhook.enabled))}>{webhook.enabled ? t('webhooks.disable') : t('webhooks.enable')}</button>
        <button type="button" disabled={busy} onClick={() => act(async () => onSecret((await rotateSecret(webhook.id)).secret))}>{t('webhooks.rotate')}</button>
        <button type="button" class="danger-outline" disabled={busy} onClick={() => setConfirming(true)}>{t('webhooks.delete')}</button>
      </div>
      {open && <Deliveries webhook={webhook} />}
      {confirming && <ConfirmDialog message={t('webhooks.confirmDelete', { url: webhook.url })} onConfirm={() => act(() => deleteWebhook(webhook.id))} onClose={() => setConfirming(false)} />}
    </article>
  );
}

export function WebhooksPage() {
  const [list, setList] = useState<Webhook[]>([]);
  const [eventTypes, setEventTypes] = useState<string[]>(['*']);
  const [secret, setSecret] = useState<string | null>(null);
  const reload = () => void listWebhooks().then(setList).catch(() => undefined);
  useEffect(() => {
    reload();
    void fetchEventTypes().then(setEventTypes);
    void loadSessions().catch(() => undefined);
  }, []);
  return (
    <main>
      <h2>{t('webhooks.title')}</h2>
      <p class="muted">{t('webhooks.intro')}</p>
      {secret && <SecretBox secret={secret} onClose={() => setSecret(null)} />}
      <CreateForm eventTypes={eventTypes} onCreated={(s) => { setSecret(s); reload(); }} />
      {list.length === 0 && <p class="muted">{t('webhooks.empty')}</p>}
      {list.map((w) => <WebhookCard key={w.id} webhook={w} onChange={reload} onSecret={setSecret} />)}
    </main>
  );
}
