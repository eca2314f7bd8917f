/** A contact's picture (its profile's `pictureUrl`, read once per page and cached), or its initial while there is none. */
import { useEffect, useState } from 'preact/hooks';
import { contactProfile } from './contacts-api.js';

export const initialOf = (title: string): string => (title.replace(/^[^\p{L}\p{N}]+/u, '')[0] ?? '#').toUpperCase();

export function Avatar({ sessionId, jid, title, size = 'small' }: { sessionId: string; jid: string; title: string; size?: 'small' | 'large' }) {
  const [url, setUrl] = useState<string | null>(null);
  const [broken, setBroken] = useState(false);
  useEffect(() => {
    let live = true;
    setUrl(null);
    setBroken(false);
    void contactProfile(sessionId, jid).then((p) => live && setUrl(p?.pictureUrl ?? null));
    return () => void (live = false);
  }, [sessionId, jid]);
  return (
    <span class={`avatar ${size}`} aria-hidden="true" data-testid="avatar" data-jid={jid}>
      {url && !broken ? <img src={url} alt="" referrerpolicy="no-referrer" data-testid="avatar-picture" onError={() => setBroken(true)} /> : <span data-testid="avatar-initial">{initialOf(title)}</span>}
    </span>
  );
}
