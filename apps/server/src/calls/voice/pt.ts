import type { VoiceLanguage } from './types.js';

/** Portuguese, in a Brazilian voice (the web client's pt-BR): most Portuguese-speaking callers. */
export const pt: VoiceLanguage = {
  tag: 'pt-BR',
  text: {
    notInService: 'O número para o qual você ligou não está em serviço. Até logo.',
    unavailable: 'Não podemos atender sua ligação agora. Por favor, tente de novo mais tarde. Até logo.',
    chooseLanguage: 'Para português, digite {n}.',
    captchaIntro: 'Para continuar, digite estes números, um de cada vez quando for pedido: {digits}.',
    captchaDigit: 'Digite o dígito número {n}.',
    captchaFailed: 'Não está correto. Até logo.',
    hold: 'Agradecemos sua ligação. Por favor, continue na linha; uma pessoa voluntária vai atender você em breve.',
    stillWaiting: 'Agradecemos a espera. Por favor, continue na linha.',
    positionInLine: 'Você é o número {n} na fila.',
    waitUnderAMinute: 'O tempo de espera estimado é de menos de um minuto.',
    voicemail: 'Ninguém pode atender sua ligação agora. Deixe sua mensagem depois do sinal e desligue.',
    thanks: 'Sua mensagem foi gravada. Agradecemos o contato. Até logo.',
    screen: 'Ligação da linha Llamenos. Digite 1 para atender esta ligação.',
    taken: 'Outra pessoa voluntária atendeu esta ligação. Obrigado.',
    over: 'Esta ligação terminou. Obrigado.',
    goodbye: 'Até logo.',
    connecting: 'Conectando você com a pessoa que ligou.',
  },
  counted: {
    waitMinutes: {
      one: 'O tempo de espera estimado é de cerca de {n} minuto.',
      many: 'O tempo de espera estimado é de cerca de {n} minutos.',
      other: 'O tempo de espera estimado é de cerca de {n} minutos.',
    },
  },
};
