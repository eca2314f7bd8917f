/** Seed 004's QRCodeDisplay: the QR image with a countdown to its expiry; replaced when it rotates. */
import { useEffect, useState } from 'preact/hooks';
import { t } from './i18n.js';

function secondsLeft(expiresAt: string | null): number | null {
  if (!expiresAt) return null;
  return Math.max(0, Math.ceil((Date.parse(expiresAt) - Date.now()) / 1000));
}

export function QRCodeDisplay({ qrCode, expiresAt }: { qrCode: string; expiresAt: string | null }) {
  const [left, setLeft] = useState(secondsLeft(expiresAt));
  useEffect(() => {
    setLeft(secondsLeft(expiresAt));
    const timer = setInterval(() => setLeft(secondsLeft(expiresAt)), 250);
    return () => clearInterval(timer);
  }, [expiresAt]);
  return (
    <figure class="qr">
      <img src={qrCode} alt={t('qr.alt')} data-testid="qr-code" width={264} height={264} class={left === 0 ? 'qr-stale' : ''} />
      <figcaption aria-live="polite" data-testid="qr-countdown">
        {left === null ? '' : left > 0 ? t('qr.expiresIn', { s: left }) : t('qr.rotating')}
      </figcaption>
    </figure>
  );
}

export function QrExpired({ onRetry, busy }: { onRetry: () => void; busy: boolean }) {
  return (
    <div class="qr-expired" data-testid="qr-expired">
      <p class="big">⌛ {t('qr.expired')}</p>
      <p>{t('next.expired')}</p>
      <button type="button" class="primary" onClick={onRetry} disabled={busy}>
        {t('qr.retry')}
      </button>
    </div>
  );
}
