/**
 * A session's pacing (PATCH sessions/:id { pacing }) and, while it is paced, its send queue
 * (GET sessions/:id/queue, DELETE sessions/:id/queue/:id to cancel one), kept current by the
 * `session.messages.update` events of source `queue`.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { t } from './i18n.js';
import { store, type Pacing, type Session } from './store.js';
import { useAction } from './use-action.js';

interface QueueItem {
  id: string;
  chatJid: string;
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';
  scheduledAt: string;
  content: string | null;
  mediaId: string | null;
}

const queueListeners = new Map<string, Set<() => void>>();

/** Called by realtime.ts for each queue move of a session. */
export function onQueueChanged(sessionId: string): void {
  queueListeners.get(sessionId)?.forEach((l) => l());
}

function useQueue(sessionId: string, enabled: boolean): { items: QueueItem[] | null; reload: () => void } {
  const [items, setItems] = useState<QueueItem[] | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    const listeners = queueListeners.get(sessionId) ?? new Set<() => void>();
    queueListeners.set(sessionId, listeners);
    const bump = () => setVersion((v) => v + 1);
    listeners.add(bump);
    return () => void listeners.delete(bump);
  }, [sessionId, enabled]);
  useEffect(() => {
    if (!enabled) return;
    let current = true;
    // One read per change; a later answer replaces an earlier one only if it is the newest asked.
    void api<{ data: QueueItem[] }>('GET', `sessions/${sessionId}/queue?limit=200`)
      .then((page) => current && setItems(page.data))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [sessionId, enabled, version]);
  return { items, reload: () => setVersion((v) => v + 1) };
}

export function PacingPanel({ session }: { session: Session }) {
  const pacing = session.pacing ?? null;
  const [min, setMin] = useState(String(pacing?.minIntervalMs ?? 3000));
  const [max, setMax] = useState(String(pacing?.maxIntervalMs ?? 8000));
  const [typing, setTyping] = useState(pacing?.typing ?? true);
  const { busy, error, run } = useAction();
  const { items, reload } = useQueue(session.id, pacing !== null);

  const save = (next: Pacing | null) =>
    run(async () => {
      const { data } = await api<{ data: Session }>('PATCH', `sessions/${session.id}`, { pacing: next });
      store.patch(session.id, { pacing: data.pacing ?? null });
    });
  const submit = (e: Event) => {
    e.preventDefault();
    void save({ minIntervalMs: Number(min), maxIntervalMs: Number(max), typing });
  };
  const cancel = (id: string) => run(async () => {
    await api('DELETE', `sessions/${session.id}/queue/${id}`);
    reload();
  });

  return (
    <details class="pacing" data-testid="pacing-panel" open={pacing !== null}>
      <summary>⏱ {t('pacing.title')}: {pacing ? t('pacing.on', { min: pacing.minIntervalMs, max: pacing.maxIntervalMs }) : t('pacing.off')}</summary>
      <p class="muted">{t('pacing.help')}</p>
      <form onSubmit={submit} class="row">
        <label>
          {t('pacing.min')}
          <input name="minIntervalMs" type="number" min={0} max={3600000} required value={min} onInput={(e) => setMin(e.currentTarget.value)} />
        </label>
        <label>
          {t('pacing.max')}
          <input name="maxIntervalMs" type="number" min={0} max={3600000} required value={max} onInput={(e) => setMax(e.currentTarget.value)} />
        </label>
        <label class="row">
          <input name="typing" type="checkbox" checked={typing} onChange={(e) => setTyping(e.currentTarget.checked)} />
          {t('pacing.typing')}
        </label>
        <button type="submit" disabled={busy}>{t('pacing.save')}</button>
        {pacing && <button type="button" class="danger-outline" disabled={busy} onClick={() => void save(null)}>{t('pacing.disable')}</button>}
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {pacing && items && (
        <ul aria-label={t('pacing.queue')} data-testid="send-queue">
          {items.length === 0 && <li class="muted">{t('pacing.empty')}</li>}
          {items.map((item) => (
            <li key={item.id} class="row spread" data-testid="queue-item" data-status={item.status}>
              <span>
                <strong>{item.chatJid.split('@')[0]}</strong> {item.content ?? (item.mediaId ? '📎' : '')}{' '}
                <span class="muted">{t(`pacing.status.${item.status}`)} · {new Date(item.scheduledAt).toLocaleTimeString()}</span>
              </span>
              {item.status === 'queued' && <button type="button" disabled={busy} onClick={() => void cancel(item.id)}>{t('pacing.cancel')}</button>}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
