import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NamedOptions } from '../../components/NamedOptions.js';
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
 * The microphone check: a level meter fed from the chosen microphone, measured on the device (the
 * sound goes nowhere). `afterStart` runs once the microphone is open (the browser then names devices).
 */
function useMicrophoneCheck(afterStart: () => Promise<void>) {
  const [level, setLevel] = useState(0);
  const [checking, setChecking] = useState(false);
  const [failed, setFailed] = useState(false);
  const check = useRef<Check | null>(null);

  const stop = useCallback(() => {
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

  const start = useCallback(
    async (devicesChosen: AudioDeviceChoice) => {
      stop();
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
      await afterStart();
    },
    [afterStart, stop],
  );

  return { level, checking, failed, running: () => check.current !== null, start, stop };
}

type AudioDevices = { inputs: AudioDeviceOption[]; outputs: AudioDeviceOption[] };

/** The microphone list and the speaker list: each one's select, words, and where its choice is kept. */
const DEVICE_LISTS = {
  input: {
    id: 'audio-input',
    labelKey: 'microphone',
    unnamed: 'unnamedMicrophone',
    field: 'inputId',
    list: 'inputs',
  },
  output: {
    id: 'audio-output',
    labelKey: 'speaker',
    unnamed: 'unnamedSpeaker',
    field: 'outputId',
    list: 'outputs',
  },
} as const;

/** One device list: the system default first, then each device by its name (or a numbered one). */
function DeviceSelect({
  kind,
  choice,
  devices,
  onChoose,
}: {
  kind: keyof typeof DEVICE_LISTS;
  choice: AudioDeviceChoice;
  devices: AudioDevices;
  onChoose: (choice: AudioDeviceChoice) => void;
}) {
  const { t } = useTranslation();
  const { id, labelKey, unnamed, field, list } = DEVICE_LISTS[kind];
  return (
    <>
      <label htmlFor={id}>{t(`audioDevices.${labelKey}`)}</label>
      <select
        id={id}
        value={choice[field] ?? ''}
        onChange={(e) => onChoose({ ...choice, [field]: e.target.value || null })}
      >
        <option value="">{t('audioDevices.systemDefault')}</option>
        <NamedOptions
          options={devices[list].map((o, i) => ({
            value: o.id,
            label: o.label || t(`audioDevices.${unnamed}`, { n: i + 1 }),
          }))}
        />
      </select>
    </>
  );
}

/** The level meter and the button that starts or stops the check, with its failure. */
function MicrophoneCheck({
  check,
  choice,
}: {
  check: ReturnType<typeof useMicrophoneCheck>;
  choice: AudioDeviceChoice;
}) {
  const { t } = useTranslation();
  return (
    <>
      <p>
        <label htmlFor="microphone-level">{t('audioDevices.level')}</label>{' '}
        <meter
          id="microphone-level"
          data-testid="microphone-level"
          data-level={check.level}
          min={0}
          max={1}
          low={0.05}
          optimum={0.5}
          value={check.level}
        />
      </p>
      <div className="button-row">
        <button
          type="button"
          className="secondary"
          aria-pressed={check.checking}
          onClick={() => (check.checking ? check.stop() : void check.start(choice))}
        >
          {check.checking ? t('audioDevices.stopCheck') : t('audioDevices.check')}
        </button>
      </div>
      {check.failed && (
        <p role="alert" className="error">
          {t('audioDevices.failed')}
        </p>
      )}
    </>
  );
}

/**
 * My settings: the headset for calls answered in the browser, chosen on this device, and a
 * microphone check before a shift (a level meter that moves when the member speaks). The check's
 * sound stays on the device: it is measured here and goes nowhere.
 */
export function AudioDevicesSection() {
  const { t } = useTranslation();
  const [choice, setChoice] = useState<AudioDeviceChoice>(() => storedAudioDevices());
  const [devices, setDevices] = useState<AudioDevices>({ inputs: [], outputs: [] });
  const supported = typeof navigator !== 'undefined' && !!navigator.mediaDevices?.enumerateDevices;

  const listDevices = useCallback(async () => {
    if (!supported) return;
    setDevices(audioDeviceOptions(await navigator.mediaDevices.enumerateDevices()));
  }, [supported]);
  const check = useMicrophoneCheck(listDevices);
  const { stop: stopCheck } = check;

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
    if (check.running() && next.inputId !== choice.inputId) void check.start(next);
  }

  return (
    <Panel id="audio-devices-title" title={t('audioDevices.title')}>
      <p className="hint">{t('audioDevices.hint')}</p>
      {!supported ? (
        <p className="hint">{t('audioDevices.unsupported')}</p>
      ) : (
        <>
          <DeviceSelect kind="input" choice={choice} devices={devices} onChoose={choose} />
          {canChooseSpeaker() && (
            <DeviceSelect kind="output" choice={choice} devices={devices} onChoose={choose} />
          )}
          <MicrophoneCheck check={check} choice={choice} />
        </>
      )}
    </Panel>
  );
}
