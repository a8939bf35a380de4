import type { VoiceLanguage } from './types.js';

/** Vietnamese, in the providers' vi-VN voice (standard northern Vietnamese). */
export const vi: VoiceLanguage = {
  tag: 'vi-VN',
  text: {
    notInService: 'Số máy quý vị vừa gọi hiện không hoạt động. Xin tạm biệt.',
    unavailable: 'Hiện chúng tôi không thể nhận cuộc gọi của quý vị. Xin vui lòng gọi lại sau. Xin tạm biệt.',
    chooseLanguage: 'Để nghe tiếng Việt, xin bấm phím {n}.',
    captchaIntro: 'Để tiếp tục, xin bấm lần lượt các chữ số sau, từng số một khi được yêu cầu: {digits}.',
    captchaDigit: 'Xin bấm chữ số thứ {n}.',
    captchaFailed: 'Không đúng. Xin tạm biệt.',
    hold: 'Cảm ơn quý vị đã gọi. Xin vui lòng giữ máy; một tình nguyện viên sẽ nói chuyện với quý vị trong giây lát.',
    stillWaiting: 'Cảm ơn quý vị đã chờ. Xin vui lòng giữ máy.',
    positionInLine: 'Quý vị đang ở vị trí số {n} trong hàng chờ.',
    waitUnderAMinute: 'Thời gian chờ dự kiến dưới một phút.',
    voicemail:
      'Hiện không có ai nhận được cuộc gọi của quý vị. Xin để lại lời nhắn sau tiếng bíp, rồi gác máy.',
    thanks: 'Cảm ơn quý vị. Lời nhắn của quý vị đã được ghi lại. Xin tạm biệt.',
    screen: 'Cuộc gọi từ đường dây Llamenos. Bấm phím 1 để nhận cuộc gọi này.',
    taken: 'Một tình nguyện viên khác đã nhận cuộc gọi này. Cảm ơn bạn.',
    over: 'Cuộc gọi này đã kết thúc. Cảm ơn.',
    goodbye: 'Xin tạm biệt.',
    connecting: 'Đang kết nối bạn với người gọi.',
  },
  counted: {
    waitMinutes: {
      other: 'Thời gian chờ dự kiến khoảng {n} phút.',
    },
  },
};
