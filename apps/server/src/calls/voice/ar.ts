import type { VoiceLanguage } from './types.js';

/**
 * Arabic, in Modern Standard Arabic: callers from every Arabic-speaking country understand it,
 * and it is what the providers' Arabic voices speak. "arb" is the tag Twilio, SignalWire and
 * Plivo (Amazon Polly voices) take for it; Google-backed voices call the same language ar-XA.
 */
export const ar: VoiceLanguage = {
  tag: 'arb',
  text: {
    notInService: 'الرقم الذي طلبته غير موجود في الخدمة. مع السلامة.',
    unavailable: 'لا يمكننا الرد على مكالمتك الآن. يُرجى المحاولة مرة أخرى لاحقًا. مع السلامة.',
    chooseLanguage: 'للعربية، اضغط {n}.',
    captchaIntro: 'للمتابعة، أدخل هذه الأرقام، رقمًا واحدًا في كل مرة عندما يُطلب منك ذلك: {digits}.',
    captchaDigit: 'أدخل الرقم رقم {n}.',
    captchaFailed: 'هذا غير صحيح. مع السلامة.',
    hold: 'شكرًا لاتصالك. يُرجى البقاء على الخط؛ سيرد عليك أحد المتطوعين قريبًا.',
    stillWaiting: 'شكرًا لانتظارك. يُرجى البقاء على الخط.',
    positionInLine: 'رقمك في قائمة الانتظار هو {n}.',
    waitUnderAMinute: 'مدة الانتظار المتوقعة أقل من دقيقة.',
    voicemail: 'لا يمكن لأحد الرد على مكالمتك الآن. يُرجى ترك رسالة بعد سماع الصفارة، ثم إنهاء المكالمة.',
    thanks: 'شكرًا لك. تم تسجيل رسالتك. مع السلامة.',
    screen: 'مكالمة من خط Llamenos. اضغط 1 للرد على هذه المكالمة.',
    taken: 'ردّ متطوع آخر على هذه المكالمة. شكرًا لك.',
    over: 'انتهت هذه المكالمة. شكرًا لك.',
    goodbye: 'مع السلامة.',
    connecting: 'جارٍ توصيلك بالمتصل.',
  },
  counted: {
    waitMinutes: {
      zero: 'مدة الانتظار المتوقعة أقل من دقيقة.',
      one: 'مدة الانتظار المتوقعة دقيقة واحدة تقريبًا.',
      two: 'مدة الانتظار المتوقعة دقيقتان تقريبًا.',
      few: 'مدة الانتظار المتوقعة {n} دقائق تقريبًا.',
      many: 'مدة الانتظار المتوقعة {n} دقيقة تقريبًا.',
      other: 'مدة الانتظار المتوقعة {n} دقيقة تقريبًا.',
    },
  },
};
