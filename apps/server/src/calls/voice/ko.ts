import type { VoiceLanguage } from './types.js';

/** Korean, in the polite formal register callers expect from a public service line. */
export const ko: VoiceLanguage = {
  tag: 'ko-KR',
  text: {
    notInService: '지금 거신 번호는 없는 번호입니다. 안녕히 계세요.',
    unavailable: '지금은 전화를 받을 수 없습니다. 잠시 후 다시 걸어 주세요. 안녕히 계세요.',
    chooseLanguage: '한국어는 {n}번을 누르세요.',
    captchaIntro: '계속하시려면 안내에 따라 다음 숫자를 하나씩 눌러 주세요: {digits}.',
    captchaDigit: '{n}번째 숫자를 누르세요.',
    captchaFailed: '올바르지 않습니다. 안녕히 계세요.',
    hold: '전화 주셔서 감사합니다. 끊지 말고 기다려 주세요. 곧 자원봉사자가 받겠습니다.',
    stillWaiting: '기다려 주셔서 감사합니다. 끊지 말고 기다려 주세요.',
    positionInLine: '고객님의 대기 순서는 {n}번째입니다.',
    waitUnderAMinute: '예상 대기 시간은 1분 미만입니다.',
    voicemail: '지금은 전화를 받을 사람이 없습니다. 삐 소리가 난 뒤 메시지를 남기고 전화를 끊어 주세요.',
    thanks: '감사합니다. 메시지가 녹음되었습니다. 안녕히 계세요.',
    screen: 'Llamenos 상담 전화입니다. 이 전화를 받으려면 1번을 누르세요.',
    taken: '다른 자원봉사자가 이 전화를 받았습니다. 감사합니다.',
    over: '이 통화는 종료되었습니다. 감사합니다.',
    goodbye: '안녕히 계세요.',
    connecting: '발신자와 연결하고 있습니다.',
  },
  counted: {
    waitMinutes: {
      other: '예상 대기 시간은 약 {n}분입니다.',
    },
  },
};
