/** Seed 004's SessionStatusIndicator: colour, emoji and label per status, plus what to do next. */
import { t, type MessageKey } from './i18n.js';
import type { SessionStatus } from './store.js';

const LOOK: Record<SessionStatus, { emoji: string; tone: 'red' | 'yellow' | 'green' }> = {
  init: { emoji: '🟡', tone: 'yellow' },
  qr_required: { emoji: '🟡', tone: 'yellow' },
  connecting: { emoji: '🟡', tone: 'yellow' },
  connected: { emoji: '🟢', tone: 'green' },
  disconnected: { emoji: '🔴', tone: 'red' },
  expired: { emoji: '🔴', tone: 'red' },
  logged_out: { emoji: '🔴', tone: 'red' },
  error: { emoji: '🔴', tone: 'red' },
};

export const formatPhone = (phone: string | null): string => (phone ? `+${phone}` : '');

export function statusLabel(status: SessionStatus, phone: string | null): string {
  const label = t(`status.${status}` as MessageKey);
  return status === 'connected' && phone ? `${label} (${formatPhone(phone)})` : label;
}

export function SessionStatusIndicator({ status, phoneNumber }: { status: SessionStatus; phoneNumber: string | null }) {
  const look = LOOK[status];
  return (
    <span class={`status status-${look.tone}`} data-testid="session-status" data-status={status} role="status">
      <span aria-hidden="true">{look.emoji}</span> {statusLabel(status, phoneNumber)}
    </span>
  );
}

/** The next step for a terminal or stopped state; null while things are on their way. */
export function nextStep(status: SessionStatus): string | null {
  switch (status) {
    case 'disconnected':
    case 'expired':
    case 'logged_out':
    case 'error':
      return t(`next.${status}`);
    case 'init':
    case 'qr_required':
    case 'connecting':
    case 'connected':
      return null;
  }
}
