/**
 * Seed 004's WhatsAppConnection on the seed 000 SSE flow: `GET sessions/add-sse` creates the
 * session and streams its QRs until `open` or a final `close`; the pairing-code alternative asks
 * `POST sessions/:id/pairing-code` for the same session, on the same stream. The stream
 * stays open while the QR is shown (closing it before the scan cancels the session). Status and
 * QR expiries also come over Socket.io into the same store, which is what this panel renders.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, getToken } from './api.js';
import { t } from './i18n.js';
import { QRCodeDisplay, QrExpired } from './qr.js';
import { SandboxPhone } from './sandbox.js';
import { loadQrExpiry, loadSession, runAction } from './sessions-api.js';
import { formatPhone, nextStep, SessionStatusIndicator } from './status.js';
import { store, useStore } from './store.js';
import { useAction } from './use-action.js';

interface SseMessage {
  sessionId: string;
  connection?: 'connecting' | 'open' | 'close';
  qr?: string;
  phoneNumber?: string;
  deviceName?: string | null;
  reason?: string;
}

export interface ConnectOptions {
  sandbox: boolean;
  pairing: boolean;
  onClose: () => void;
  /** The account linked: the panel is done (seed 000: the QR modal closes and the dashboard shows). */
  onLinked: (id: string) => void;
  /** Tells the list which session this panel shows (so it is not shown twice). */
  onSession: (id: string | null) => void;
}

export function ConnectPanel({ sandbox, pairing, onClose, onLinked, onSession }: ConnectOptions) {
  const { sessions } = useStore();
  const [sessionId, setSessionId] = useState<string | null>(null);
  const [pairingCode, setPairingCode] = useState<string | null>(null);
  const [mode, setMode] = useState<'qr' | 'pairing'>('qr');
  const [phone, setPhone] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [streaming, setStreaming] = useState(false);
  const source = useRef<EventSource | null>(null);
  const retry = useAction();
  const pairingAction = useAction();

  const closeStream = () => {
    source.current?.close();
    source.current = null;
    setStreaming(false);
  };

  const handle = (m: SseMessage) => {
    const id = m.sessionId;
    setSessionId(id);
    onSession(id);
    if (!m.connection) return store.patch(id, {});
    if (m.qr) {
      if (store.sessions.get(id)?.qr !== m.qr) {
        store.patch(id, { qr: m.qr, qrExpiresAt: null, status: 'qr_required' });
        void loadQrExpiry(id).catch(() => undefined);
      }
    } else if (m.connection === 'connecting') {
      store.patch(id, { status: 'connecting', qr: null });
    } else if (m.connection === 'open') {
      closeStream();
      store.patch(id, { status: 'connected', qr: null, phone: m.phoneNumber ?? null, deviceName: m.deviceName ?? null });
      void loadSession(id).catch(() => undefined);
    } else if (m.connection === 'close' && m.reason) {
      closeStream();
      if (m.reason === 'qr_expired') store.patch(id, { status: 'expired', qr: null });
      else {
        store.patch(id, { status: m.reason === 'logged_out' ? 'logged_out' : 'error', qr: null });
        setFailure(m.reason);
      }
    }
  };

  const start = () => {
    closeStream();
    setFailure(null);
    setPairingCode(null);
    const query = new URLSearchParams({ accessToken: getToken() ?? '' });
    const es = new EventSource(`sessions/add-sse?${query.toString()}`);
    source.current = es;
    setStreaming(true);
    es.onmessage = (event) => handle(JSON.parse(event.data) as SseMessage);
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        setStreaming(false);
        setFailure(t('error.generic'));
      }
    };
  };

  useEffect(() => {
    start();
    return closeStream;
  }, []);

  const requestCode = () => void pairingAction.run(async () => {
    const answer = await api<{ code: string }>('POST', `sessions/${sessionId}/pairing-code`, { phoneNumber: phone.replace(/\D/g, '') });
    setPairingCode(answer.code);
  });

  const session = sessionId ? sessions.get(sessionId) : undefined;
  const status = session?.status ?? 'init';
  const pairingShown = mode === 'pairing' ? pairingCode : null;
  useEffect(() => {
    if (status !== 'connected' || !sessionId) return;
    closeStream();
    onLinked(sessionId);
  }, [status, sessionId]);
  const cancel = () => {
    closeStream();
    onSession(null);
    onClose();
  };

  return (
    <section class="card connect" aria-labelledby="connect-title" data-testid="connect-panel" data-session-id={sessionId ?? undefined}>
      <div class="row spread">
        <h2 id="connect-title">{t('connect.title')}</h2>
        <SessionStatusIndicator status={status} phoneNumber={session?.phone ?? null} />
      </div>

      {status === 'connected' ? (
        <div class="success" data-testid="connect-success">
          <p class="big">✅ {t('connect.success')}</p>
          <p class="phone" data-testid="connected-phone">{formatPhone(session?.phone ?? null)}</p>
          {session?.deviceName && <p>{t('sessions.profile')}: <strong data-testid="connected-name">{session.deviceName}</strong></p>}
        </div>
      ) : status === 'expired' && session ? (
        <QrExpired busy={retry.busy} onRetry={() => void retry.run(async () => {
          // A fresh onboarding on the same stream flow; the expired session is removed, not left behind.
          await runAction(session.id, 'delete');
          start();
        })} />
      ) : status === 'logged_out' || status === 'error' || failure ? (
        <div class="failure" role="alert">
          <p class="big">{t('connect.failed')}</p>
          <p>{nextStep(status) ?? failure}</p>
          <button type="button" class="primary" onClick={() => start()}>{t('connect.button')}</button>
        </div>
      ) : pairingCode && mode === 'pairing' ? (
        <div class="pairing">
          <p>{t('connect.pairingHelp')}</p>
          <p class="pairing-code" data-testid="pairing-code" aria-label={pairingCode.split('').join(' ')}>
            {pairingCode.slice(0, 4)}-{pairingCode.slice(4)}
          </p>
        </div>
      ) : session?.qr && status === 'qr_required' && mode === 'qr' ? (
        <div class="qr-block">
          <p>{t('connect.scan')}</p>
          <QRCodeDisplay qrCode={session.qr} expiresAt={session.qrExpiresAt} />
        </div>
      ) : (
        <p class="loading" aria-live="polite"><span class="spinner" aria-hidden="true" /> {status === 'connecting' ? t('connect.negotiating') : t('connect.starting')}</p>
      )}

      {pairing && status !== 'connected' && streaming && (
        mode === 'qr' ? (
          <button type="button" class="link" onClick={() => setMode('pairing')}>{t('connect.usePairing')}</button>
        ) : !pairingCode ? (
          <form class="row" onSubmit={(e) => { e.preventDefault(); requestCode(); }}>
            <label>
              {t('connect.phone')}
              <input name="pairingPhone" inputMode="numeric" required pattern="\+?\d{6,15}" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
            </label>
            <button type="submit" disabled={!sessionId || pairingAction.busy}>{t('connect.getCode')}</button>
            <button type="button" class="link" onClick={() => setMode('qr')}>{t('connect.useQr')}</button>
          </form>
        ) : null
      )}

      {sandbox && session && status !== 'connected' && (status === 'qr_required' || pairingShown) && (
        <SandboxPhone session={session} inbox={false} pairingCode={pairingShown} />
      )}
      {retry.error && <p class="error" role="alert">{retry.error}</p>}
      {pairingAction.error && <p class="error" role="alert">{pairingAction.error}</p>}

      <div class="row end">
        <button type="button" onClick={cancel}>{status === 'connected' ? t('connect.close') : t('connect.cancel')}</button>
      </div>
    </section>
  );
}
