/**
 * The headset for browser calls and the microphone check (My settings): the choice is kept on
 * the device and a damaged entry falls back to the defaults, the device list drops the browser's
 * aliases, the chosen microphone is asked for exactly, the meter's level follows the samples, and
 * the section renders its labelled controls.
 */
import i18next from 'i18next';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  audioDeviceOptions,
  microphoneConstraints,
  microphoneLevel,
  storeAudioDevices,
  storedAudioDevices,
} from '../src/lib/calls/audio-devices.js';
import { AudioDevicesSection } from '../src/pages/settings/AudioDevicesSection.js';
import { ALL_LOCALES } from './locales.js';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  };
}

beforeAll(async () => {
  await i18next.use(initReactI18next).init({
    lng: 'en',
    resources: Object.fromEntries(Object.entries(ALL_LOCALES).map(([k, v]) => [k, { translation: v }])),
    interpolation: { escapeValue: false },
  });
});

describe('the chosen headset', () => {
  it('is kept on this device, and the defaults are not stored at all', () => {
    const storage = memoryStorage();
    expect(storedAudioDevices(storage)).toEqual({ inputId: null, outputId: null });
    storeAudioDevices({ inputId: 'mic-2', outputId: null }, storage);
    expect(storedAudioDevices(storage)).toEqual({ inputId: 'mic-2', outputId: null });
    storeAudioDevices({ inputId: null, outputId: null }, storage);
    expect(storage.items.size).toBe(0);
  });

  it('falls back to the defaults when the stored entry is damaged or not ours', () => {
    for (const raw of [
      'not json',
      '{"inputId":5,"outputId":null}',
      '{"inputId":"a","outputId":null,"x":1}',
    ]) {
      const storage = memoryStorage();
      storage.setItem('llamenos.audioDevices', raw);
      expect(storedAudioDevices(storage)).toEqual({ inputId: null, outputId: null });
    }
  });

  it('lists microphones and speakers without the default and communications aliases', () => {
    const device = (kind: MediaDeviceKind, deviceId: string, label = '') =>
      ({ kind, deviceId, label, groupId: '' }) as MediaDeviceInfo;
    expect(
      audioDeviceOptions([
        device('audioinput', 'default', 'Default'),
        device('audioinput', 'mic-1', 'Headset'),
        device('audioinput', 'communications'),
        device('audiooutput', 'spk-1'),
        device('videoinput', 'cam-1', 'Camera'),
        device('audioinput', ''),
      ]),
    ).toEqual({ inputs: [{ id: 'mic-1', label: 'Headset' }], outputs: [{ id: 'spk-1', label: '' }] });
  });

  it('asks for the chosen microphone exactly, with voice processing on', () => {
    expect(microphoneConstraints({ inputId: 'mic-1', outputId: null })).toEqual({
      deviceId: { exact: 'mic-1' },
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
    });
    expect(microphoneConstraints({ inputId: null, outputId: 'spk' })).not.toHaveProperty('deviceId');
  });
});

describe('the microphone check', () => {
  it('shows silence as 0, speech as a part of the bar, and a loud signal as full', () => {
    expect(microphoneLevel(new Float32Array(512))).toBe(0);
    expect(microphoneLevel(new Float32Array(0))).toBe(0);
    const tone = (amplitude: number) =>
      Float32Array.from({ length: 512 }, (_, i) => amplitude * Math.sin((2 * Math.PI * i) / 32));
    const speech = microphoneLevel(tone(0.1));
    expect(speech).toBeGreaterThan(0.2);
    expect(speech).toBeLessThan(0.4);
    expect(microphoneLevel(tone(1))).toBe(1);
  });

  it('renders a labelled microphone choice, the meter and the check button', () => {
    const html = renderToStaticMarkup(createElement(AudioDevicesSection));
    // Node has no media devices: the section says so instead of offering controls that cannot work.
    expect(html).toContain('Headset and microphone');
    expect(html).toContain('This browser cannot choose audio devices.');
    const withDevices = (globalThis as { navigator?: unknown }).navigator;
    Object.defineProperty(globalThis, 'navigator', {
      configurable: true,
      value: { mediaDevices: { enumerateDevices: async () => [] } },
    });
    try {
      const live = renderToStaticMarkup(createElement(AudioDevicesSection));
      expect(live).toContain('<label for="audio-input">Microphone</label>');
      expect(live).toContain('<option value="" selected="">The system&#x27;s default</option>');
      expect(live).toContain('<label for="microphone-level">Microphone level</label>');
      expect(live).toContain('<meter id="microphone-level"');
      expect(live).toContain('aria-pressed="false">Check my microphone</button>');
    } finally {
      Object.defineProperty(globalThis, 'navigator', { configurable: true, value: withDevices });
    }
  });
});
