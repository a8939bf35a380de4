import type { VoiceLanguage } from './types.js';

/**
 * Ukrainian. uk-UA is a Google text-to-speech voice (Amazon Polly has no Ukrainian voice), so a
 * provider must be set to use Google voices for callers to hear it read well.
 */
export const uk: VoiceLanguage = {
  tag: 'uk-UA',
  text: {
    notInService: 'Номер, який ви набрали, не обслуговується. До побачення.',
    unavailable:
      'Зараз ми не можемо відповісти на ваш дзвінок. Будь ласка, зателефонуйте пізніше. До побачення.',
    chooseLanguage: 'Для української мови натисніть {n}.',
    captchaIntro: 'Щоб продовжити, введіть ці цифри по одній, коли вас попросять: {digits}.',
    captchaDigit: 'Введіть цифру номер {n}.',
    captchaFailed: 'Неправильно. До побачення.',
    hold: 'Дякуємо за дзвінок. Будь ласка, залишайтеся на лінії; волонтер незабаром вам відповість.',
    stillWaiting: 'Дякуємо за очікування. Будь ласка, залишайтеся на лінії.',
    voicemail:
      'Зараз ніхто не може відповісти на ваш дзвінок. Залиште повідомлення після сигналу, потім покладіть слухавку.',
    thanks: 'Дякуємо. Ваше повідомлення записано. До побачення.',
    screen: 'Дзвінок на гарячу лінію Llamenos. Натисніть 1, щоб прийняти цей дзвінок.',
    taken: 'На цей дзвінок уже відповів інший волонтер. Дякуємо.',
    over: 'Цей дзвінок завершено. Дякуємо.',
    goodbye: 'До побачення.',
    connecting: 'З’єднуємо вас з абонентом.',
  },
};
