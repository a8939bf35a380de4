/**
 * A short generated WAV (16-bit mono PCM, a soft two-tone chime) standing in for what a
 * simulated caller says into the voicemail. Generated, so no audio file ships with the server.
 */
export function chimeWav(seconds = 1, sampleRate = 8000): Uint8Array {
  const samples = Math.round(seconds * sampleRate);
  const buffer = new ArrayBuffer(44 + samples * 2);
  const view = new DataView(buffer);
  const text = (offset: number, s: string) => {
    for (let i = 0; i < s.length; i++) view.setUint8(offset + i, s.charCodeAt(i));
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + samples * 2, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, samples * 2, true);
  for (let i = 0; i < samples; i++) {
    const t = i / sampleRate;
    const tone = t < seconds / 2 ? 660 : 880;
    const envelope = Math.min(1, (samples - i) / (sampleRate * 0.05));
    view.setInt16(44 + i * 2, Math.round(Math.sin(2 * Math.PI * tone * t) * 8000 * envelope), true);
  }
  return new Uint8Array(buffer);
}
