import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Panel } from '../../components/Panel.js';
import {
  type AudioDeviceChoice,
  type AudioDeviceOption,
  audioDeviceOptions,
  canChooseSpeaker,
  microphoneConstraints,
  microphoneLevel,
  storeAudioDevices,
  storedAudioDevices,
} from '../../lib/calls/audio-devices.js';

interface Check {
  stream: MediaStream;
  audio: AudioContext;
  frame: number;
}

/**
 * My settings: the headset for calls answered in the browser, chosen on this device, and a
 * microphone check before a shift (a level meter that moves when the member speaks). The check's
 * sound stays on the device: it is measured here and goes nowhere.
 */
export function AudioDevicesSection() {
  const { t } = useTranslation();
  const [choice, setChoice] = useState<AudioDeviceChoice>(() => storedAudioDevices());
  const [devices, setDevices] = useState<{ inputs: AudioDeviceOption[]; outputs: AudioDeviceOption[] }>({
    inputs: [],
    outputs: [],
  });
  const [level, setLevel] = useState(0);
  const [checking, setChecking] = useState(false);
  const [failed, setFailed] = useState(false);
  const check = useRef<Check | null>(null);
  const supported = typeof navigator !== 'undefined' && !!navigator.mediaDevices?.enumerateDevices;

  const listDevices = useCallback(async () => {
    if (!supported) return;
    setDevices(audioDeviceOptions(await navigator.mediaDevices.enumerateDevices()));
  }, [supported]);

  const stopCheck = useCallback(() => {
    const c = check.current;
    check.current = null;
    if (c) {
      cancelAnimationFrame(c.frame);
      for (const track of c.stream.getTracks()) track.stop();
      void c.audio.close().catch(() => {});
    }
    setChecking(false);
    setLevel(0);
  }, []);

  const startCheck = useCallback(
    async (devicesChosen: AudioDeviceChoice) => {
      stopCheck();
      setFailed(false);
      let stream: MediaStream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints(devicesChosen) });
      } catch {
        setFailed(true);
        return;
      }
      const audio = new AudioContext();
      const analyser = audio.createAnalyser();
      analyser.fftSize = 1024;
      audio.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      const c: Check = { stream, audio, frame: 0 };
      const measure = () => {
        analyser.getFloatTimeDomainData(samples);
        const next = Math.round(microphoneLevel(samples) * 100) / 100;
        setLevel((previous) => (previous === next ? previous : next));
        c.frame = requestAnimationFrame(measure);
      };
      check.current = c;
      setChecking(true);
      measure();
      // With the microphone allowed, the browser names the devices.
      await listDevices();
    },
    [listDevices, stopCheck],
  );

  useEffect(() => {
    if (!supported) return;
    void listDevices();
    navigator.mediaDevices.addEventListener('devicechange', listDevices);
    return () => {
      navigator.mediaDevices.removeEventListener('devicechange', listDevices);
      stopCheck();
    };
  }, [supported, listDevices, stopCheck]);

  function choose(next: AudioDeviceChoice) {
    setChoice(next);
    storeAudioDevices(next);
    if (check.current && next.inputId !== choice.inputId) void startCheck(next);
  }

  const named = (options: AudioDeviceOption[], key: 'unnamedMicrophone' | 'unnamedSpeaker') =>
    options.map((o, i) => (
      <option key={o.id} value={o.id} dir="auto">
        {o.label || t(`audioDevices.${key}`, { n: i + 1 })}
      </option>
    ));

  return (
    <Panel id="audio-devices-title" title={t('audioDevices.title')}>
      <p className="hint">{t('audioDevices.hint')}</p>
      {!supported ? (
        <p className="hint">{t('audioDevices.unsupported')}</p>
      ) : (
        <>
          <label htmlFor="audio-input">{t('audioDevices.microphone')}</label>
          <select
            id="audio-input"
            value={choice.inputId ?? ''}
            onChange={(e) => choose({ ...choice, inputId: e.target.value || null })}
          >
            <option value="">{t('audioDevices.systemDefault')}</option>
            {named(devices.inputs, 'unnamedMicrophone')}
          </select>
          {canChooseSpeaker() && (
            <>
              <label htmlFor="audio-output">{t('audioDevices.speaker')}</label>
              <select
                id="audio-output"
                value={choice.outputId ?? ''}
                onChange={(e) => choose({ ...choice, outputId: e.target.value || null })}
              >
                <option value="">{t('audioDevices.systemDefault')}</option>
                {named(devices.outputs, 'unnamedSpeaker')}
              </select>
            </>
          )}
          <p>
            <label htmlFor="microphone-level">{t('audioDevices.level')}</label>{' '}
            <meter
              id="microphone-level"
              data-testid="microphone-level"
              data-level={level}
              min={0}
              max={1}
              low={0.05}
              optimum={0.5}
              value={level}
            />
          </p>
          <div className="button-row">
            <button
              type="button"
              className="secondary"
              aria-pressed={checking}
              onClick={() => (checking ? stopCheck() : void startCheck(choice))}
            >
              {checking ? t('audioDevices.stopCheck') : t('audioDevices.check')}
            </button>
          </div>
          {failed && (
            <p role="alert" className="error">
              {t('audioDevices.failed')}
            </p>
          )}
        </>
      )}
    </Panel>
  );
}
