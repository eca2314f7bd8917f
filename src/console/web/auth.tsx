/** Log in or sign up (sign-up creates a tenant and its first user, then logs in). */
import { useState } from 'preact/hooks';
import { logIn, signUp } from './api.js';
import { t } from './i18n.js';
import { useAction } from './use-action.js';

export function AuthScreen() {
  const [mode, setMode] = useState<'login' | 'signup'>('login');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(() => (mode === 'login' ? logIn(email, password) : signUp(name, email, password)));
  };
  return (
    <main class="auth card">
      <div class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={mode === 'login'} onClick={() => setMode('login')}>{t('auth.login')}</button>
        <button type="button" role="tab" aria-selected={mode === 'signup'} onClick={() => setMode('signup')}>{t('auth.signup')}</button>
      </div>
      <form onSubmit={submit}>
        <h1>{mode === 'login' ? t('auth.login') : t('auth.signup')}</h1>
        {mode === 'signup' && (
          <label>
            {t('auth.name')}
            <input name="name" autocomplete="name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
        )}
        <label>
          {t('auth.email')}
          <input name="email" type="email" autocomplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          {t('auth.password')}
          <input name="password" type="password" required minLength={8} autocomplete={mode === 'login' ? 'current-password' : 'new-password'}
            aria-describedby={mode === 'signup' ? 'password-hint' : undefined} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {mode === 'signup' && <p id="password-hint" class="muted">{t('auth.passwordHint')}</p>}
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{mode === 'login' ? t('auth.submitLogin') : t('auth.submitSignup')}</button>
      </form>
    </main>
  );
}
