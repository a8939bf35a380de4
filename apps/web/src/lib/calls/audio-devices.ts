import { z } from 'zod';

/**
 * The headset a member takes calls with in the browser: the chosen microphone and speaker, kept on
 * this device only (device ids mean nothing on another one, and the server has no reason to know
 * them), and the level of a microphone check before a shift. Browser calls (webrtc.ts) open the
 * chosen microphone and play the caller through the chosen speaker.
 */

const STORAGE_KEY = 'llamenos.audioDevices';

/** A device id as browsers give them (opaque, per site); null means the system's default. */
const DeviceId = z.string().min(1).max(256).nullable();
const AudioDeviceChoice = z.object({ inputId: DeviceId, outputId: DeviceId }).strict();
export type AudioDeviceChoice = z.infer<typeof AudioDeviceChoice>;

const DEFAULT_CHOICE: AudioDeviceChoice = { inputId: null, outputId: null };

/** What this device chose; the system's defaults when nothing (or something unreadable) is stored. */
export function storedAudioDevices(
  storage: Pick<Storage, 'getItem'> | null = safeStorage(),
): AudioDeviceChoice {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (!raw) return DEFAULT_CHOICE;
    const parsed = AudioDeviceChoice.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : DEFAULT_CHOICE;
  } catch {
    return DEFAULT_CHOICE;
  }
}

export function storeAudioDevices(
  choice: AudioDeviceChoice,
  storage: Pick<Storage, 'setItem' | 'removeItem'> | null = safeStorage(),
): void {
  try {
    if (!choice.inputId && !choice.outputId) storage?.removeItem(STORAGE_KEY);
    else storage?.setItem(STORAGE_KEY, JSON.stringify(AudioDeviceChoice.parse(choice)));
  } catch {
    // storage unavailable: the choice lasts for this page only
  }
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export interface AudioDeviceOption {
  id: string;
  /** The browser's name for it; empty until the site may use the microphone (then a numbered fallback is shown). */
  label: string;
}

/** The microphones and speakers the browser reports, without the "default" and "communications" aliases. */
export function audioDeviceOptions(devices: readonly MediaDeviceInfo[]): {
  inputs: AudioDeviceOption[];
  outputs: AudioDeviceOption[];
} {
  const pick = (kind: MediaDeviceKind) =>
    devices
      .filter(
        (d) => d.kind === kind && d.deviceId && d.deviceId !== 'default' && d.deviceId !== 'communications',
      )
      .map((d) => ({ id: d.deviceId, label: d.label }));
  return { inputs: pick('audioinput'), outputs: pick('audiooutput') };
}

/** Whether this browser can send a page's sound to a chosen speaker (HTMLMediaElement.setSinkId). */
export const canChooseSpeaker = (): boolean =>
  typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

/** The microphone constraints for a call or a check: the chosen input when there is one, voice processing on. */
export function microphoneConstraints(choice: AudioDeviceChoice): MediaTrackConstraints {
  return {
    ...(choice.inputId ? { deviceId: { exact: choice.inputId } } : {}),
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
  };
}

/** Plays `player` through the chosen speaker, where the browser allows it; the default otherwise. */
export async function playThroughChosenSpeaker(
  player: HTMLAudioElement,
  choice: AudioDeviceChoice,
): Promise<void> {
  if (!choice.outputId || !canChooseSpeaker()) return;
  try {
    await (player as HTMLAudioElement & { setSinkId(id: string): Promise<void> }).setSinkId(choice.outputId);
  } catch {
    // The speaker is gone (unplugged): the default one plays.
  }
}

/**
 * The level of one frame of microphone samples (an AnalyserNode's time-domain floats, -1..1) on a
 * 0..1 scale for the meter: the root mean square, scaled so ordinary speech fills most of the bar.
 */
export function microphoneLevel(samples: Float32Array): number {
  if (!samples.length) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length);
  return Math.min(1, rms * 4);
}
