import type { VoiceLanguage } from './types.js';

/**
 * Tagalog, as spoken Filipino: the providers' voices for it are tagged fil-PH (Google-backed
 * voices on Twilio, SignalWire and Vonage; there is no tl-* voice), and they read Tagalog text.
 */
export const tl: VoiceLanguage = {
  tag: 'fil-PH',
  text: {
    notInService: 'Ang numerong tinawagan mo ay hindi na ginagamit. Paalam.',
    unavailable: 'Hindi namin masagot ang iyong tawag sa ngayon. Pakisubukan ulit mamaya. Paalam.',
    chooseLanguage: 'Para sa Tagalog, pindutin ang {n}.',
    captchaIntro: 'Para magpatuloy, pindutin ang mga numerong ito, isa-isa kapag hiniling: {digits}.',
    captchaDigit: 'Pindutin ang numero bilang {n}.',
    captchaFailed: 'Hindi iyon tama. Paalam.',
    hold: 'Salamat sa pagtawag. Pakiusap, manatili sa linya; may boluntaryong sasagot sa iyo sa lalong madaling panahon.',
    stillWaiting: 'Salamat sa paghihintay. Pakiusap, manatili sa linya.',
    positionInLine: 'Ang numero mo sa pila ay {n}.',
    waitUnderAMinute: 'Ang tinatayang paghihintay ay wala pang isang minuto.',
    voicemail:
      'Walang makasagot sa iyong tawag sa ngayon. Mag-iwan ng mensahe pagkatapos ng tunog, saka ibaba ang telepono.',
    thanks: 'Salamat. Naitala na ang iyong mensahe. Paalam.',
    screen: 'Tawag mula sa hotline ng Llamenos. Pindutin ang 1 para sagutin ang tawag na ito.',
    taken: 'Ibang boluntaryo ang sumagot sa tawag na ito. Salamat.',
    over: 'Natapos na ang tawag na ito. Salamat.',
    goodbye: 'Paalam.',
    connecting: 'Ikinokonekta ka sa tumatawag.',
  },
  counted: {
    waitMinutes: {
      one: 'Ang tinatayang paghihintay ay mga {n} minuto.',
      other: 'Ang tinatayang paghihintay ay mga {n} minuto.',
    },
  },
};
