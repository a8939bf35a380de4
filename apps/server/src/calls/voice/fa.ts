import type { VoiceLanguage } from './types.js';

/**
 * Persian (Farsi), in the standard Iranian register callers from Iran and Afghanistan read alike.
 * Few providers' built-in voices speak Persian (Amazon Polly has none), so check that the
 * configured provider has a fa-IR voice before offering Persian on the phone; on Asterisk a local
 * engine (espeak-ng or Piper) has one. No other voice reads Persian script acceptably, so the tag
 * stays fa-IR rather than a neighbour's.
 */
export const fa: VoiceLanguage = {
  tag: 'fa-IR',
  text: {
    notInService: 'شماره‌ای که گرفته‌اید در دسترس نیست. خدانگهدار.',
    unavailable: 'در حال حاضر نمی‌توانیم به تماس شما پاسخ دهیم. لطفاً بعداً دوباره تماس بگیرید. خدانگهدار.',
    chooseLanguage: 'برای فارسی، {n} را فشار دهید.',
    captchaIntro: 'برای ادامه، وقتی از شما خواسته شد، این رقم‌ها را یکی‌یکی وارد کنید: {digits}.',
    captchaDigit: 'رقم شمارهٔ {n} را وارد کنید.',
    captchaFailed: 'درست نبود. خدانگهدار.',
    hold: 'از تماس شما سپاسگزاریم. لطفاً پشت خط بمانید؛ به‌زودی یک داوطلب پاسخ می‌دهد.',
    stillWaiting: 'از صبر شما سپاسگزاریم. لطفاً پشت خط بمانید.',
    positionInLine: 'شمارهٔ شما در صف {n} است.',
    waitUnderAMinute: 'زمان تقریبی انتظار کمتر از یک دقیقه است.',
    voicemail:
      'اکنون کسی نمی‌تواند به تماس شما پاسخ دهد. لطفاً پس از صدای بوق پیام خود را بگذارید و سپس تماس را قطع کنید.',
    thanks: 'سپاسگزاریم. پیام شما ضبط شد. خدانگهدار.',
    screen: 'تماس از خط امداد Llamenos. برای پاسخ به این تماس، 1 را فشار دهید.',
    taken: 'داوطلب دیگری به این تماس پاسخ داد. سپاسگزاریم.',
    over: 'این تماس پایان یافت. سپاسگزاریم.',
    goodbye: 'خدانگهدار.',
    connecting: 'در حال وصل کردن شما به تماس‌گیرنده.',
  },
  counted: {
    waitMinutes: {
      one: 'زمان تقریبی انتظار حدود {n} دقیقه است.',
      other: 'زمان تقریبی انتظار حدود {n} دقیقه است.',
    },
  },
};
