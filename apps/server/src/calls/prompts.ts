import type { Instruction, Prompt } from '../telephony/provider.js';

/**
 * What the hotline says, per language. Languages without a translation here speak English:
 * a caller must always hear something they can act on. Text only ever comes from this file,
 * never from a request.
 */
const TEXT = {
  en: {
    notInService: 'The number you have called is not in service. Goodbye.',
    unavailable: 'We cannot take your call right now. Please try again later. Goodbye.',
    chooseLanguage: 'For English, press {n}.',
    captchaIntro: 'To continue, enter these digits, one at a time when asked: {digits}.',
    captchaDigit: 'Enter digit {n}.',
    captchaFailed: 'That was not correct. Goodbye.',
    hold: 'Thank you for calling. Please stay on the line; a volunteer will be with you shortly.',
    stillWaiting: 'Thank you for waiting. Please stay on the line.',
    voicemail: 'No one can take your call right now. Please leave a message after the tone, then hang up.',
    thanks: 'Thank you. Your message has been recorded. Goodbye.',
    screen: 'Llamenos hotline call. Press 1 to take this call.',
    taken: 'Another volunteer took this call. Thank you.',
    over: 'This call has ended. Thank you.',
    goodbye: 'Goodbye.',
    connecting: 'Connecting you to the caller.',
  },
  es: {
    notInService: 'El número que ha marcado no está en servicio. Adiós.',
    unavailable: 'No podemos atender su llamada en este momento. Por favor, intente más tarde. Adiós.',
    chooseLanguage: 'Para español, marque {n}.',
    captchaIntro: 'Para continuar, marque estos dígitos, uno a la vez cuando se le pida: {digits}.',
    captchaDigit: 'Marque el dígito {n}.',
    captchaFailed: 'No es correcto. Adiós.',
    hold: 'Gracias por llamar. Por favor, no cuelgue; una persona voluntaria le atenderá en breve.',
    stillWaiting: 'Gracias por esperar. Por favor, no cuelgue.',
    voicemail: 'Nadie puede atender su llamada ahora. Deje su mensaje después del tono y luego cuelgue.',
    thanks: 'Gracias. Su mensaje ha sido grabado. Adiós.',
    screen: 'Llamada de la línea Llamenos. Marque 1 para atender esta llamada.',
    taken: 'Otra persona voluntaria atendió esta llamada. Gracias.',
    over: 'Esta llamada terminó. Gracias.',
    goodbye: 'Adiós.',
    connecting: 'Conectando con la persona que llama.',
  },
} as const;

type PromptKey = keyof (typeof TEXT)['en'];

/** BCP 47 voices for the languages we know; others fall back to English. */
const VOICE_TAG: Record<string, string> = { en: 'en-US', es: 'es-MX' };

function textIn(language: string): { lang: keyof typeof TEXT; tag: string } {
  const base = language.split('-')[0] ?? 'en';
  return base in TEXT
    ? { lang: base as keyof typeof TEXT, tag: VOICE_TAG[base] ?? 'en-US' }
    : { lang: 'en', tag: 'en-US' };
}

export function say(language: string, key: PromptKey, vars: Record<string, string | number> = {}): Prompt {
  const { lang, tag } = textIn(language);
  let text: string = TEXT[lang][key];
  for (const [name, value] of Object.entries(vars)) text = text.replace(`{${name}}`, String(value));
  return { kind: 'say', text, language: tag };
}

export const hangupWith = (language: string, key: PromptKey): Instruction[] => [
  say(language, key),
  { kind: 'hangup' },
];
