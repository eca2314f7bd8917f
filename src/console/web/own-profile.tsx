/**
 * The account's own WhatsApp profile on its card (GET/PATCH sessions/:id/profile): push name and
 * about text, and the picture (an image uploaded with POST media, then PUT sessions/:id/profile/picture;
 * "Quitar foto" DELETEs it). Read when opened.
 */
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { initialOf } from './avatar.js';
import { uploadMedia } from './chats-api.js';
import { t } from './i18n.js';
import type { Session } from './store.js';
import { useAction } from './use-action.js';

interface OwnProfile {
  name: string | null;
  about: string | null;
  pictureUrl: string | null;
}

export function OwnProfilePanel({ session }: { session: Session }) {
  const [profile, setProfile] = useState<OwnProfile | null>(null);
  const [name, setName] = useState('');
  const [about, setAbout] = useState('');
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();
  const path = `sessions/${encodeURIComponent(session.id)}/profile`;
  const show = (p: OwnProfile) => {
    setProfile(p);
    setName(p.name ?? '');
    setAbout(p.about ?? '');
  };
  const load = () => void run(async () => show(await api<OwnProfile>('GET', path)));
  const save = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const changes: Partial<OwnProfile> = {};
    if (name.trim() && name.trim() !== profile?.name) changes.name = name.trim();
    if (about !== (profile?.about ?? '')) changes.about = about;
    if (Object.keys(changes).length === 0) return;
    void run(async () => {
      show(await api<OwnProfile>('PATCH', path, changes));
      setSaved(true);
    });
  };
  const upload = (file: File | undefined) => file && void run(async () => {
    const media = await uploadMedia(session.id, file);
    show(await api<OwnProfile>('PUT', `${path}/picture`, { mediaId: media.id }));
  });
  const removePicture = () => void run(async () => {
    await api('DELETE', `${path}/picture`);
    show(await api<OwnProfile>('GET', path));
  });

  return (
    <details class="own-profile" data-testid="own-profile" onToggle={(e) => e.currentTarget.open && load()}>
      <summary>👤 {t('ownProfile.title')}</summary>
      {!profile && busy && <p class="muted">{t('chat.loading')}</p>}
      {profile && (
        <div class="row">
          <span class="avatar large" aria-hidden="true">
            {profile.pictureUrl ? <img src={profile.pictureUrl} alt="" referrerpolicy="no-referrer" data-testid="own-picture" /> : <span>{initialOf(profile.name ?? '')}</span>}
          </span>
          <form onSubmit={save} class="grow">
            <label>
              {t('ownProfile.name')}
              <input name="ownName" maxLength={25} value={name} onInput={(e) => setName(e.currentTarget.value)} />
            </label>
            <label>
              {t('ownProfile.about')}
              <input name="ownAbout" maxLength={139} value={about} onInput={(e) => setAbout(e.currentTarget.value)} />
            </label>
            <div class="row">
              <button type="submit" disabled={busy}>{t('ownProfile.save')}</button>
              {saved && <span class="muted" role="status">{t('ownProfile.saved')}</span>}
            </div>
          </form>
          <div>
            <label>
              {t('ownProfile.picture')}
              <input type="file" accept="image/*" disabled={busy} onChange={(e) => { upload(e.currentTarget.files?.[0]); e.currentTarget.value = ''; }} />
            </label>
            {profile.pictureUrl && <button type="button" class="danger-outline" disabled={busy} onClick={removePicture}>{t('ownProfile.removePicture')}</button>}
          </div>
        </div>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </details>
  );
}
