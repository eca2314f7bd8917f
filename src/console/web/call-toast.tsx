/** Incoming calls (`session.call` over Socket.io) as toasts while they ring, each with "Rechazar" (POST calls/:id/reject). */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { t } from './i18n.js';
import { formatPhone } from './status.js';
import { useAction } from './use-action.js';

export interface CallSummary {
  id: string;
  from: string;
  fromPhone: string | null;
  isVideo: boolean;
  status: string;
}

interface Ringing extends CallSummary {
  sessionId: string;
}

let ringing: Ringing[] = [];
const listeners = new Set<() => void>();

/** Called by realtime.ts for each `session.call`: offers ring, any other step ends the call. */
export function onCalls(sessionId: string, calls: CallSummary[]): void {
  for (const c of calls) {
    ringing = ringing.filter((r) => r.id !== c.id);
    if (c.status === 'offer' || c.status === 'ringing') ringing = [...ringing, { ...c, sessionId }];
  }
  listeners.forEach((l) => l());
}

function CallToast({ call }: { call: Ringing }) {
  const { busy, error, run } = useAction();
  const reject = () => void run(async () => {
    await api('POST', `calls/${encodeURIComponent(call.id)}/reject?sessionId=${encodeURIComponent(call.sessionId)}`, {});
    onCalls(call.sessionId, [{ ...call, status: 'reject' }]);
  });
  return (
    <div class="card toast row spread" role="alert" data-testid="call-toast" data-call-id={call.id}>
      <span>{call.isVideo ? '📹' : '📞'} {t('calls.incoming')} <strong>{call.fromPhone ? formatPhone(call.fromPhone) : call.from}</strong></span>
      <button type="button" class="danger-outline" disabled={busy} onClick={reject}>{t('calls.reject')}</button>
      {error && <p class="error">{error}</p>}
    </div>
  );
}

export function CallToasts() {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    listeners.add(bump);
    return () => void listeners.delete(bump);
  }, []);
  if (ringing.length === 0) return null;
  return <div class="toasts" aria-live="assertive">{ringing.map((c) => <CallToast key={c.id} call={c} />)}</div>;
}
