/** Spanish first (as the seeds are), English second. The choice is kept in localStorage. */
import { useEffect, useState } from 'preact/hooks';

export type Lang = 'es' | 'en';

const es = {
  'app.title': 'Consola de WhatsApp',
  'app.language': 'English',
  'app.languageLabel': 'Cambiar idioma a inglés',
  'app.live': 'En vivo',
  'app.reconnecting': 'Reconectando…',
  'app.logout': 'Salir',
  'app.docs': 'API (Swagger)',
  'auth.login': 'Iniciar sesión',
  'auth.signup': 'Crear cuenta',
  'auth.email': 'Correo electrónico',
  'auth.password': 'Contraseña',
  'auth.name': 'Nombre',
  'auth.submitLogin': 'Entrar',
  'auth.submitSignup': 'Crear cuenta y entrar',
  'auth.passwordHint': 'Al menos 8 caracteres.',
  'auth.checking': 'Comprobando la sesión…',
  'status.init': 'Iniciando...',
  'status.qr_required': 'Esperando escaneo',
  'status.connecting': 'Conectando...',
  'status.connected': 'Conectado',
  'status.disconnected': 'Desconectado',
  'status.expired': 'QR expirado',
  'status.logged_out': 'Sesión cerrada en el teléfono',
  'status.error': 'Error',
  'next.disconnected': 'La sesión está detenida o esperando reconectar. Pulsa «Reiniciar» para volver a conectarla.',
  'next.expired': 'Nadie escaneó el QR a tiempo. Pulsa «Regenerar QR» para obtener uno nuevo.',
  'next.logged_out': 'El dispositivo se desvinculó y sus datos se borraron. Elimina esta sesión y vincula de nuevo con «Conectar WhatsApp».',
  'next.error': 'Se agotaron los reintentos de conexión. Pulsa «Reiniciar» para intentarlo otra vez.',
  'sessions.title': 'Tus cuentas de WhatsApp',
  'sessions.empty': 'Todavía no vinculaste ninguna cuenta.',
  'sessions.created': 'Creada',
  'sessions.profile': 'Perfil',
  'sessions.business': 'Empresa',
  'sessions.personal': 'Personal',
  'connect.button': 'Conectar WhatsApp',
  'connect.title': 'Conectar WhatsApp',
  'connect.starting': 'Generando QR…',
  'connect.scan': 'Abre WhatsApp en tu teléfono › Dispositivos vinculados › Vincular un dispositivo, y escanea este código.',
  'connect.negotiating': 'QR escaneado. Conectando...',
  'connect.success': 'WhatsApp conectado',
  'connect.cancel': 'Cancelar',
  'connect.close': 'Cerrar',
  'connect.failed': 'No se pudo conectar',
  'connect.usePairing': 'Vincular con número de teléfono',
  'connect.useQr': 'Vincular con código QR',
  'connect.phone': 'Número con código de país (solo dígitos)',
  'connect.getCode': 'Obtener código',
  'connect.pairingHelp': 'En WhatsApp: Dispositivos vinculados › Vincular con número de teléfono, e ingresa este código.',
  'qr.alt': 'Código QR para vincular WhatsApp',
  'qr.expiresIn': 'Expira en {s} s',
  'qr.rotating': 'Generando un QR nuevo…',
  'qr.expired': 'QR expirado',
  'qr.retry': 'Regenerar QR',
  'action.stop': 'Detener',
  'action.restart': 'Reiniciar',
  'action.logout': 'Desvincular',
  'action.delete': 'Eliminar',
  'action.showQr': 'Ver QR',
  'confirm.title': '¿Confirmas?',
  'confirm.stop': 'Detener la sesión {phone}? Se desconecta y conserva las credenciales.',
  'confirm.restart': 'Reiniciar la sesión {phone}?',
  'confirm.logout': 'Desvincular {phone}? El dispositivo se elimina del teléfono y se borran sus datos.',
  'confirm.delete': 'Eliminar la sesión {phone}? Se desvincula y se borra todo.',
  'confirm.yes': 'Sí, continuar',
  'confirm.no': 'No',
  'sandbox.title': 'Simular el teléfono (sandbox)',
  'sandbox.phone': 'Número del teléfono simulado',
  'sandbox.scan': 'Escanear el QR',
  'sandbox.remove': 'Quitar el dispositivo desde el teléfono',
  'sandbox.contact': 'Número del contacto',
  'sandbox.text': 'Mensaje del contacto',
  'sandbox.send': 'El contacto envía',
  'sandbox.sent': 'Enviado.',
  'sandbox.inbox': 'Bandeja del contacto',
  'sandbox.refreshInbox': 'Ver lo que recibió el contacto',
  'sandbox.inboxEmpty': 'El contacto no recibió nada todavía.',
  'messages.title': 'Mensajes en vivo',
  'messages.empty': 'Los mensajes nuevos aparecen aquí al llegar.',
  'messages.to': 'Para (número)',
  'messages.text': 'Mensaje',
  'messages.send': 'Enviar',
  'messages.me': 'Yo',
  'messages.reply': 'Responder',
  'error.generic': 'Algo salió mal',
} as const;

export type MessageKey = keyof typeof es;

const en: Record<MessageKey, string> = {
  'app.title': 'WhatsApp console',
  'app.language': 'Español',
  'app.languageLabel': 'Switch language to Spanish',
  'app.live': 'Live',
  'app.reconnecting': 'Reconnecting…',
  'app.logout': 'Log out',
  'app.docs': 'API (Swagger)',
  'auth.login': 'Log in',
  'auth.signup': 'Sign up',
  'auth.email': 'Email',
  'auth.password': 'Password',
  'auth.name': 'Name',
  'auth.submitLogin': 'Log in',
  'auth.submitSignup': 'Sign up and log in',
  'auth.passwordHint': 'At least 8 characters.',
  'auth.checking': 'Checking your session…',
  'status.init': 'Starting...',
  'status.qr_required': 'Waiting for scan',
  'status.connecting': 'Connecting...',
  'status.connected': 'Connected',
  'status.disconnected': 'Disconnected',
  'status.expired': 'QR expired',
  'status.logged_out': 'Logged out on the phone',
  'status.error': 'Error',
  'next.disconnected': 'The session is stopped or waiting to reconnect. Press “Restart” to connect it again.',
  'next.expired': 'Nobody scanned the QR in time. Press “New QR” to get another one.',
  'next.logged_out': 'The device was unlinked and its data wiped. Delete this session and link again with “Connect WhatsApp”.',
  'next.error': 'The connection retries ran out. Press “Restart” to try again.',
  'sessions.title': 'Your WhatsApp accounts',
  'sessions.empty': 'You have not linked any account yet.',
  'sessions.created': 'Created',
  'sessions.profile': 'Profile',
  'sessions.business': 'Business',
  'sessions.personal': 'Personal',
  'connect.button': 'Connect WhatsApp',
  'connect.title': 'Connect WhatsApp',
  'connect.starting': 'Generating QR…',
  'connect.scan': 'Open WhatsApp on your phone › Linked devices › Link a device, and scan this code.',
  'connect.negotiating': 'QR scanned. Connecting...',
  'connect.success': 'WhatsApp connected',
  'connect.cancel': 'Cancel',
  'connect.close': 'Close',
  'connect.failed': 'Could not connect',
  'connect.usePairing': 'Link with phone number',
  'connect.useQr': 'Link with QR code',
  'connect.phone': 'Number with country code (digits only)',
  'connect.getCode': 'Get code',
  'connect.pairingHelp': 'In WhatsApp: Linked devices › Link with phone number, and enter this code.',
  'qr.alt': 'QR code to link WhatsApp',
  'qr.expiresIn': 'Expires in {s} s',
  'qr.rotating': 'Generating a new QR…',
  'qr.expired': 'QR expired',
  'qr.retry': 'New QR',
  'action.stop': 'Stop',
  'action.restart': 'Restart',
  'action.logout': 'Unlink',
  'action.delete': 'Delete',
  'action.showQr': 'Show QR',
  'confirm.title': 'Are you sure?',
  'confirm.stop': 'Stop session {phone}? It disconnects and keeps its credentials.',
  'confirm.restart': 'Restart session {phone}?',
  'confirm.logout': 'Unlink {phone}? The device is removed from the phone and its data wiped.',
  'confirm.delete': 'Delete session {phone}? It is unlinked and everything is erased.',
  'confirm.yes': 'Yes, go ahead',
  'confirm.no': 'No',
  'sandbox.title': 'Simulate the phone (sandbox)',
  'sandbox.phone': "Simulated phone's number",
  'sandbox.scan': 'Scan the QR',
  'sandbox.remove': 'Remove the device from the phone',
  'sandbox.contact': "Contact's number",
  'sandbox.text': "Contact's message",
  'sandbox.send': 'The contact sends',
  'sandbox.sent': 'Sent.',
  'sandbox.inbox': "Contact's inbox",
  'sandbox.refreshInbox': 'See what the contact received',
  'sandbox.inboxEmpty': 'The contact has received nothing yet.',
  'messages.title': 'Live messages',
  'messages.empty': 'New messages show up here as they arrive.',
  'messages.to': 'To (number)',
  'messages.text': 'Message',
  'messages.send': 'Send',
  'messages.me': 'Me',
  'messages.reply': 'Reply',
  'error.generic': 'Something went wrong',
};

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
