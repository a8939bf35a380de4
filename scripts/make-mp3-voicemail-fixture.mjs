#!/usr/bin/env node
// The MP3 voicemail of e2e/transcription.spec.ts's decoding test: telephony providers (Twilio,
// Plivo) deliver voicemails as MP3, which the app decodes with the browser's decodeAudioData.
// There is no MP3 encoder on the machines, so the fixture was made once with lamejs (a pure
// JavaScript encoder, a pinned devDependency used only here) and committed; run this again only
// to change it:
//
//   node scripts/make-mp3-voicemail-fixture.mjs [out]
//
// It is 1.5 s of a 440 Hz tone at 22.05 kHz mono, 32 kbit/s (about 6 KB), at 0.5 of full scale.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';

/**
 * lamejs 1.2.1's CommonJS entry fails ("MPEGMode is not defined"); its one-file build works, a
 * script that defines the global `lamejs`, so it is run in a context of its own.
 */
function loadLamejs() {
  const file = createRequire(import.meta.url).resolve('lamejs/lame.all.js');
  const context = {};
  runInNewContext(`${readFileSync(file, 'utf8')}\nthis.lamejs = lamejs;`, context);
  return context.lamejs;
}

export const FIXTURE = { sampleRate: 22050, seconds: 1.5, frequency: 440, kbps: 32 };

export function makeToneMp3({ sampleRate, seconds, frequency, kbps } = FIXTURE) {
  const samples = new Int16Array(Math.round(sampleRate * seconds));
  for (let i = 0; i < samples.length; i++)
    samples[i] = Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
  const encoder = new (loadLamejs().Mp3Encoder)(1, sampleRate, kbps);
  const frames = [];
  // lamejs takes blocks of 1152 samples.
  for (let at = 0; at < samples.length; at += 1152)
    frames.push(encoder.encodeBuffer(samples.subarray(at, at + 1152)));
  frames.push(encoder.flush());
  return Buffer.concat(frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.length)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out =
    process.argv[2] ?? fileURLToPath(new URL('../e2e/audio/voicemail-tone-440hz.mp3', import.meta.url));
  const mp3 = makeToneMp3();
  writeFileSync(out, mp3);
  console.log(`${out}: ${mp3.length} bytes`);
}
