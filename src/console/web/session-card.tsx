/** One session: its status, what to do next, its QR while it waits, its actions (confirmed), sandbox and chats. */
import { useState } from 'preact/hooks';
import { t, type MessageKey } from './i18n.js';
import { ChatsPanel } from './chats.js';
import { QRCodeDisplay, QrExpired } from './qr.js';
import { OwnProfilePanel } from './own-profile.js';
import { PacingPanel } from './pacing.js';
import { SandboxPhone } from './sandbox.js';
import { ConfirmDialog } from './confirm.js';
import { ProxySetting } from './proxy-setting.js';
import { runAction, type SessionAction } from './sessions-api.js';
import { formatPhone, nextStep, SessionStatusIndicator } from './status.js';
import type { Session } from './store.js';
import { useAction } from './use-action.js';

function actionsFor(s: Session): SessionAction[] {
  const actions: SessionAction[] = [];
  if (s.status !== 'logged_out' && s.status !== 'disconnected' && s.status !== 'expired' && s.status !== 'error') actions.push('stop');
  if (s.status !== 'logged_out') actions.push('restart');
  if (s.phone && s.status !== 'logged_out') actions.push('logout');
  actions.push('delete');
  return actions;
}

export interface CardOptions {
  sandbox: boolean;
  inbox: boolean;
  canAttach: boolean;
}

export function SessionCard({ session, options }: { session: Session; options: CardOptions }) {
  const { sandbox, inbox, canAttach } = options;
  const [confirming, setConfirming] = useState<SessionAction | null>(null);
  const { busy, error, run } = useAction();
  const next = nextStep(session.status);
  const label = formatPhone(session.phone) || session.id.slice(0, 8);

  return (
    <article class={`card ${session.status === 'connected' ? 'wide' : ''}`} aria-label={label} data-testid="session-card" data-session-id={session.id}>
      <header class="row spread">
        <SessionStatusIndicator status={session.status} phoneNumber={session.phone} />
        <span class="muted mono" title={session.id}>{session.id.slice(0, 8)}</span>
      </header>
      <dl class="facts">
        {session.deviceName && (<><dt>{t('sessions.profile')}</dt><dd data-testid="profile-name">{session.deviceName}</dd></>)}
        {session.accountType && (<><dt>WhatsApp</dt><dd>{t(`sessions.${session.accountType}` as MessageKey)}</dd></>)}
        <dt>{t('sessions.created')}</dt><dd>{new Date(session.createdAt).toLocaleString()}</dd>
      </dl>
      {session.status === 'expired' ? (
        <QrExpired busy={busy} onRetry={() => void run(() => runAction(session.id, 'restart'))} />
      ) : (
        next && <p class="next" data-testid="next-step">{next}</p>
      )}
      {session.lastError && session.status !== 'connected' && <p class="muted">{session.lastError}</p>}
      {session.status === 'qr_required' && session.qr && <QRCodeDisplay qrCode={session.qr} expiresAt={session.qrExpiresAt} />}

      <div class="row actions">
        {actionsFor(session).map((action) => (
          <button type="button" key={action} class={action === 'delete' || action === 'logout' ? 'danger-outline' : ''} disabled={busy} onClick={() => setConfirming(action)}>
            {t(`action.${action}`)}
          </button>
        ))}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {session.status !== 'logged_out' && <ProxySetting session={session} />}
      {confirming && (
        <ConfirmDialog
          message={t(`confirm.${confirming}`, { phone: label })}
          onConfirm={() => void run(() => runAction(session.id, confirming))}
          onClose={() => setConfirming(null)}
        />
      )}
      {session.status === 'connected' && <OwnProfilePanel session={session} />}
      {(session.status === 'connected' || session.pacing) && <PacingPanel session={session} />}
      {sandbox && (session.status === 'qr_required' || session.status === 'connected') && <SandboxPhone session={session} inbox={inbox} />}
      {session.status === 'connected' && <ChatsPanel session={session} canAttach={canAttach} />}
    </article>
  );
}
