import { TelephonyInputError } from '../errors.js';
import type { Instruction, Prompt } from '../provider.js';
import { requireBrowserIdentity, requireCallbackUrl, requireSeconds } from '../validate.js';
import type { AriRest } from './rest.js';

/**
 * Neutral instructions carried out over ARI on one channel. Asterisk has no speech synthesis,
 * so spoken prompts are sound files:
 * - say → its `sound` (an Asterisk sound name such as "press-1", "please-hold" or a custom
 *   "hotline/greeting-es"), or, when none is given, "beep", so the listener hears that
 *   something is expected of them; play → sound:<url> (Asterisk fetches http(s) media);
 *   pause → silence/1 repeated;
 * - gather-digit → the prompts as one playback, then the first key pressed is reported as a
 *   digits event (it also stops the prompts); with no key within the timeout after the
 *   prompts end, an empty digits event;
 * - enqueue-caller → a holding bridge named after the queue, the caller in it, music on hold;
 * - connect-to-caller → the caller moved from that holding bridge into a mixing bridge with
 *   this (volunteer) channel, and the holding bridge destroyed;
 * - record-voicemail → a stored recording (wav, beep, "#" ends it); RecordingFinished reports it;
 * - hangup → the channel hung up; redirect has no meaning without documents and is refused.
 * Instructions that are not prompts first wait for the channel's prompts to finish, so
 * "say goodbye, hang up" is heard in full.
 */
const P = 'asterisk';
const SOUND = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/;

const holdingBridgeId = (queue: string) => `llamenos-hold-${queue}`;
/** The bridge of a connected call: the caller and the volunteer on it. */
export const mixingBridgeId = (queue: string) => `llamenos-call-${queue}`;
/** Where a connected call's caller waits while the volunteer holds it (connected-calls.ts). */
export const heldBridgeId = (queue: string) => `llamenos-held-${queue}`;
/** Where an admin listens silently to a connected call (connected-calls.ts AriListening). */
export const listenBridgeId = (queue: string) => `llamenos-listen-${queue}`;
const QUEUE = /^[A-Za-z0-9_.-]{1,64}$/;

interface PerformerHooks {
  /** Resolves when the playback ends (PlaybackFinished), or after a time limit. */
  playbackEnded(playbackId: string): Promise<void>;
  /** A screening prompt is playing (or has none): the next key on `channelId` answers it. */
  awaitDigit(channelId: string, playbackId: string | null, timeoutSeconds: number): void;
}

interface PerformerOptions {
  rest: AriRest;
  hooks: PerformerHooks;
  mohClass: string;
  /**
   * Rings a volunteer's browser endpoint (PJSIP/<identity>) as a leg into our application;
   * its StasisStart, key press and hangup arrive as any leg's do. The channel id is returned.
   */
  dialBrowser?: (identity: string, timeoutSeconds: number) => Promise<string>;
}

function fail(message: string): never {
  throw new TelephonyInputError(P, 'perform', message);
}

function media(prompt: Prompt): string[] {
  if (prompt.kind === 'say') {
    if (prompt.sound === undefined) return ['sound:beep'];
    if (!SOUND.test(prompt.sound) || prompt.sound.length > 128)
      fail('say: sound must be an Asterisk sound name');
    return [`sound:${prompt.sound}`];
  }
  const url = requireCallbackUrl(P, 'perform', 'play url', prompt.url);
  const times =
    prompt.loop === undefined || prompt.loop === 0
      ? 1
      : Math.min(requireSeconds(P, 'perform', 'play loop', prompt.loop, 1, 1000), 10);
  return Array.from({ length: times }, () => `sound:${url}`);
}

function queueName(queue: string): string {
  if (!QUEUE.test(queue)) fail('queue name must be 1-64 letters, digits, "_", "." or "-"');
  return queue;
}

export class Performer {
  /** The last playback started on each channel, to wait for before non-prompt instructions. */
  private readonly lastPlayback = new Map<string, string>();

  constructor(private readonly options: PerformerOptions) {}

  private async playOn(channelId: string, items: string[]): Promise<string | null> {
    if (items.length === 0) return null;
    const id = await this.options.rest.play(channelId, items);
    if (id) this.lastPlayback.set(channelId, id);
    return id || null;
  }

  private async quiet(channelId: string): Promise<void> {
    const id = this.lastPlayback.get(channelId);
    this.lastPlayback.delete(channelId);
    if (id) await this.options.hooks.playbackEnded(id);
  }

  async perform(channelId: string, instructions: Instruction[]): Promise<void> {
    // Check everything first: a bad instruction must not leave a call half-performed.
    for (const step of instructions) this.check(step);
    const { rest } = this.options;
    await rest.answer(channelId);
    for (const step of instructions) {
      switch (step.kind) {
        case 'say':
        case 'play':
          if (step.kind === 'play' && step.loop === 0) {
            await this.quiet(channelId);
            await rest.channelMoh(channelId, this.options.mohClass);
          } else await this.playOn(channelId, media(step));
          break;
        case 'pause':
          await this.playOn(
            channelId,
            Array.from({ length: step.seconds }, () => 'sound:silence/1'),
          );
          break;
        case 'gather-digit': {
          const playback = await this.playOn(channelId, step.prompt.flatMap(media));
          this.lastPlayback.delete(channelId);
          this.options.hooks.awaitDigit(channelId, playback, step.timeoutSeconds);
          break;
        }
        case 'enqueue-caller': {
          await this.quiet(channelId);
          const bridge = holdingBridgeId(step.queue);
          await rest.createBridge(bridge, 'holding');
          await rest.addChannels(bridge, [channelId]);
          await rest.bridgeMoh(bridge, this.options.mohClass);
          break;
        }
        case 'connect-to-caller':
          await this.quiet(channelId);
          await this.connect(channelId, step.queue);
          break;
        case 'dial-browser':
          if (!this.options.dialBrowser) fail('browser calling is not configured (no SIP WebSocket URL)');
          await this.options.dialBrowser(step.identity, step.timeoutSeconds);
          break;
        case 'record-voicemail':
          await this.quiet(channelId);
          // ARI refuses to record a bridged channel (409), and a caller sent to voicemail is
          // still in their holding bridge, perhaps put there by another server process.
          for (const bridge of await rest.bridgesOf(channelId)) await rest.removeChannel(bridge, channelId);
          await rest.record(channelId, {
            name: `llamenos-vm-${channelId}-${Date.now()}`,
            maxDurationSeconds: step.maxSeconds,
          });
          break;
        case 'hangup':
          await this.quiet(channelId);
          await rest.hangup('hang up', channelId);
          return;
        case 'redirect':
          return;
      }
    }
  }

  private async connect(volunteer: string, queue: string): Promise<void> {
    const { rest } = this.options;
    const holding = holdingBridgeId(queue);
    const waiting = await rest.bridgeChannels(holding);
    const caller = waiting?.find((id) => id !== volunteer);
    if (!caller) throw new TelephonyInputError(P, 'perform', 'the caller is no longer waiting in that queue');
    const mixing = mixingBridgeId(queue);
    await rest.createBridge(mixing, 'mixing');
    await rest.removeChannel(holding, caller);
    await rest.addChannels(mixing, [caller, volunteer]);
    await rest.destroyBridge(holding);
  }

  private check(step: Instruction): void {
    switch (step.kind) {
      case 'say':
      case 'play':
        media(step);
        return;
      case 'pause':
        requireSeconds(P, 'perform', 'pause', step.seconds, 1, 60);
        return;
      case 'gather-digit':
        requireSeconds(P, 'perform', 'gather timeout', step.timeoutSeconds, 1, 60);
        for (const p of step.prompt) media(p);
        return;
      case 'enqueue-caller':
      case 'connect-to-caller':
        queueName(step.queue);
        return;
      case 'record-voicemail':
        requireSeconds(P, 'perform', 'record maxSeconds', step.maxSeconds, 1, 3600);
        return;
      case 'dial-browser':
        requireBrowserIdentity(P, 'perform', step.identity);
        requireSeconds(P, 'perform', 'dial timeout', step.timeoutSeconds, 5, 600);
        return;
      case 'hangup':
        return;
      case 'redirect':
        throw new TelephonyInputError(
          P,
          'perform',
          'redirect needs a document URL, which ARI does not have: perform the instructions instead',
        );
      default:
        fail(`unknown instruction ${(step as { kind: string }).kind}`);
    }
  }
}
