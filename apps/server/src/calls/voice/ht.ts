import type { VoiceLanguage } from './types.js';

/**
 * Haitian Creole. No provider's text-to-speech has a Haitian Creole voice (Twilio, SignalWire,
 * Plivo, Vonage and Asterisk's engines offer none), so a French voice reads the Creole text:
 * the common practice for Creole phone lines, and Creole spelling is close enough to French
 * sounds to be understood. The text itself is Creole, written plainly for callers.
 */
export const ht: VoiceLanguage = {
  tag: 'fr-FR',
  text: {
    notInService: 'Nimewo ou rele a pa an sèvis. Orevwa.',
    unavailable: 'Nou pa ka pran apèl ou kounye a. Tanpri, eseye ankò pita. Orevwa.',
    chooseLanguage: 'Pou kreyòl, peze {n}.',
    captchaIntro: 'Pou kontinye, peze chif sa yo, youn apre lòt lè yo mande ou: {digits}.',
    captchaDigit: 'Peze chif nimewo {n} an.',
    captchaFailed: 'Sa pa bon. Orevwa.',
    hold: 'Mèsi paske ou rele. Tanpri, rete nan liy lan; yon volontè ap pale avè ou talè.',
    stillWaiting: 'Mèsi paske ou tann. Tanpri, rete nan liy lan.',
    positionInLine: 'Ou se nimewo {n} nan liy lan.',
    waitUnderAMinute: 'Tan pou w tann lan se mwens pase yon minit.',
    voicemail: 'Pèsonn pa ka pran apèl ou kounye a. Tanpri, kite yon mesaj apre son an, epi rakwoche.',
    thanks: 'Mèsi. Mesaj ou a anrejistre. Orevwa.',
    screen: 'Apèl liy Llamenos. Peze 1 pou pran apèl sa a.',
    taken: 'Yon lòt volontè pran apèl sa a. Mèsi.',
    over: 'Apèl sa a fini. Mèsi.',
    goodbye: 'Orevwa.',
    connecting: 'N ap konekte ou ak moun k ap rele a.',
  },
  counted: {
    waitMinutes: {
      one: 'Tan pou w tann lan se anviwon {n} minit.',
      other: 'Tan pou w tann lan se anviwon {n} minit.',
    },
  },
};
