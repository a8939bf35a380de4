import type { VoiceLanguage } from './types.js';

/**
 * French, in a France French voice: every provider offers fr-FR, and callers from Canada,
 * Africa or the Caribbean understand it (a fr-CA voice would suit Quebec better, but not
 * every provider has one).
 */
export const fr: VoiceLanguage = {
  tag: 'fr-FR',
  text: {
    notInService: "Le numéro que vous avez composé n'est pas en service. Au revoir.",
    unavailable:
      'Nous ne pouvons pas prendre votre appel pour le moment. Veuillez rappeler plus tard. Au revoir.',
    chooseLanguage: 'Pour le français, appuyez sur {n}.',
    captchaIntro: 'Pour continuer, tapez ces chiffres, un par un quand on vous le demande : {digits}.',
    captchaDigit: 'Tapez le chiffre numéro {n}.',
    captchaFailed: "Ce n'est pas correct. Au revoir.",
    hold: 'Merci de votre appel. Veuillez rester en ligne ; une personne bénévole va vous répondre dans un instant.',
    stillWaiting: 'Merci de patienter. Veuillez rester en ligne.',
    positionInLine: "Vous êtes en position {n} dans la file d'attente.",
    waitUnderAMinute: "Le temps d'attente estimé est de moins d'une minute.",
    voicemail:
      'Personne ne peut prendre votre appel pour le moment. Veuillez laisser un message après le bip, puis raccrocher.',
    thanks: 'Merci. Votre message a été enregistré. Au revoir.',
    screen: 'Appel de la ligne Llamenos. Appuyez sur 1 pour prendre cet appel.',
    taken: 'Une autre personne bénévole a pris cet appel. Merci.',
    over: 'Cet appel est terminé. Merci.',
    goodbye: 'Au revoir.',
    connecting: 'Mise en relation avec la personne qui appelle.',
  },
  counted: {
    waitMinutes: {
      one: "Le temps d'attente estimé est d'environ {n} minute.",
      many: "Le temps d'attente estimé est d'environ {n} minutes.",
      other: "Le temps d'attente estimé est d'environ {n} minutes.",
    },
  },
};
