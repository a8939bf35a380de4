import type { VoiceLanguage } from './types.js';

/**
 * Mandarin Chinese, written in Simplified characters (the zh-Hans web locale). "cmn-CN" is the
 * Mandarin voice tag Twilio, SignalWire and Plivo (Amazon Polly and Google voices) take.
 */
export const zh: VoiceLanguage = {
  tag: 'cmn-CN',
  text: {
    notInService: '您拨打的号码是空号。再见。',
    unavailable: '我们现在无法接听您的电话。请稍后再拨。再见。',
    chooseLanguage: '普通话请按 {n}。',
    captchaIntro: '如需继续，请在听到提示时逐个输入以下数字：{digits}。',
    captchaDigit: '请输入第 {n} 位数字。',
    captchaFailed: '输入不正确。再见。',
    hold: '感谢您的来电。请不要挂机，志愿者很快就会接听。',
    stillWaiting: '感谢您的耐心等待。请不要挂机。',
    positionInLine: '您目前排在第{n}位。',
    waitUnderAMinute: '预计等待时间不到一分钟。',
    voicemail: '现在没有人能接听您的电话。请在提示音后留言，然后挂机。',
    thanks: '谢谢。您的留言已录下。再见。',
    screen: 'Llamenos 热线来电。接听请按 1。',
    taken: '另一位志愿者已接听这通电话。谢谢。',
    over: '这通电话已结束。谢谢。',
    goodbye: '再见。',
    connecting: '正在为您接通来电者。',
  },
  counted: {
    waitMinutes: {
      other: '预计等待时间约为{n}分钟。',
    },
  },
};
