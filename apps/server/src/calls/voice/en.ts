/** English: the voice every language falls back to. */
export const en = {
  tag: 'en-US',
  text: {
    notInService: 'The number you have called is not in service. Goodbye.',
    unavailable: 'We cannot take your call right now. Please try again later. Goodbye.',
    chooseLanguage: 'For English, press {n}.',
    captchaIntro: 'To continue, enter these digits, one at a time when asked: {digits}.',
    captchaDigit: 'Enter digit {n}.',
    captchaFailed: 'That was not correct. Goodbye.',
    hold: 'Thank you for calling. Please stay on the line; a volunteer will be with you shortly.',
    stillWaiting: 'Thank you for waiting. Please stay on the line.',
    positionInLine: 'You are number {n} in line.',
    waitUnderAMinute: 'The expected wait is less than a minute.',
    voicemail: 'No one can take your call right now. Please leave a message after the tone, then hang up.',
    thanks: 'Thank you. Your message has been recorded. Goodbye.',
    screen: 'Llamenos hotline call. Press 1 to take this call.',
    taken: 'Another volunteer took this call. Thank you.',
    over: 'This call has ended. Thank you.',
    goodbye: 'Goodbye.',
    connecting: 'Connecting you to the caller.',
  },
  counted: {
    waitMinutes: {
      one: 'The expected wait is about {n} minute.',
      other: 'The expected wait is about {n} minutes.',
    },
  },
} as const;
