/**
 * The browser's connections here (the call's audio, a warm transfer's consult, the training line,
 * silent supervision) send their description once, with the candidates in it, rather than trickle
 * them through the server: so each waits for the gathering first, but never longer than
 * GATHER_LIMIT_MS (a slow STUN server), and then goes with what there is.
 */
export const GATHER_LIMIT_MS = 3_000;

/** Resolves once the candidates are gathered, or after GATHER_LIMIT_MS with what there is. */
export function gathered(pc: RTCPeerConnection): Promise<void> {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(resolve, GATHER_LIMIT_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve();
    });
  });
}
