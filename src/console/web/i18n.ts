/** Spanish first (as the seeds are: i18n-es.ts), English second (i18n-en.ts). The choice is kept in localStorage. */
import { useEffect, useState } from 'preact/hooks';
import { en } from './i18n-en.js';
import { es, type MessageKey } from './i18n-es.js';

export type Lang = 'es' | 'en';

export type { MessageKey };

const dictionaries: Record<Lang, Record<MessageKey, string>> = { es, en };
const listeners = new Set<() => void>();

function initialLang(): Lang {
  const saved = localStorage.getItem('console.lang');
  if (saved === 'es' || saved === 'en') return saved;
  return 'es';
}

let current: Lang = initialLang();
document.documentElement.lang = current;

export function setLang(lang: Lang): void {
  current = lang;
  localStorage.setItem('console.lang', lang);
  document.documentElement.lang = lang;
  listeners.forEach((l) => l());
}

export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return dictionaries[current][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}

/** Re-renders the calling component when the language changes; returns the current one. */
export function useLang(): Lang {
  const [lang, setState] = useState(current);
  useEffect(() => {
    const listener = () => setState(current);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return lang;
}
