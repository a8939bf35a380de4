import type { VoiceLanguage } from './types.js';

/** Spanish, in a Latin American voice (most Spanish-speaking callers in the Americas). */
export const es: VoiceLanguage = {
  tag: 'es-MX',
  text: {
    notInService: 'El número que ha marcado no está en servicio. Adiós.',
    unavailable: 'No podemos atender su llamada en este momento. Por favor, intente más tarde. Adiós.',
    chooseLanguage: 'Para español, marque {n}.',
    captchaIntro: 'Para continuar, marque estos dígitos, uno a la vez cuando se le pida: {digits}.',
    captchaDigit: 'Marque el dígito {n}.',
    captchaFailed: 'No es correcto. Adiós.',
    hold: 'Gracias por llamar. Por favor, no cuelgue; una persona voluntaria le atenderá en breve.',
    stillWaiting: 'Gracias por esperar. Por favor, no cuelgue.',
    positionInLine: 'Usted es el número {n} en la fila.',
    waitUnderAMinute: 'El tiempo de espera estimado es de menos de un minuto.',
    voicemail: 'Nadie puede atender su llamada ahora. Deje su mensaje después del tono y luego cuelgue.',
    thanks: 'Gracias. Su mensaje ha sido grabado. Adiós.',
    screen: 'Llamada de la línea Llamenos. Marque 1 para atender esta llamada.',
    taken: 'Otra persona voluntaria atendió esta llamada. Gracias.',
    over: 'Esta llamada terminó. Gracias.',
    goodbye: 'Adiós.',
    connecting: 'Conectando con la persona que llama.',
  },
  counted: {
    waitMinutes: {
      one: 'El tiempo de espera estimado es de unos {n} minuto.',
      many: 'El tiempo de espera estimado es de unos {n} minutos.',
      other: 'El tiempo de espera estimado es de unos {n} minutos.',
    },
  },
};
