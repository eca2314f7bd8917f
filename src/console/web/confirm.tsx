/** A confirmation in a native modal <dialog> (focus trap, Escape, backdrop). */
import { useEffect, useRef } from 'preact/hooks';
import { t } from './i18n.js';

export function ConfirmDialog({ message, onConfirm, onClose }: { message: string; onConfirm: () => void; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onClose={onClose} data-testid="confirm-dialog">
      <h2 id="confirm-title">{t('confirm.title')}</h2>
      <p>{message}</p>
      <div class="row">
        <button type="button" onClick={() => ref.current?.close()}>
          {t('confirm.no')}
        </button>
        <button type="button" class="danger" onClick={() => { onConfirm(); ref.current?.close(); }}>
          {t('confirm.yes')}
        </button>
      </div>
    </dialog>
  );
}
