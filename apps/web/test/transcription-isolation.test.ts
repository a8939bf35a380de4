/**
 * Why a page cannot transcribe: the server turned cross-origin isolation off (every member is
 * told it is off on this server), or only this window is not isolated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isolationProblem } from '../src/lib/transcription/engine.js';

const setIsolated = (value: boolean | undefined) =>
  Object.defineProperty(globalThis, 'crossOriginIsolated', { value, configurable: true });

describe('the isolation problem of this page', () => {
  afterEach(() => setIsolated(undefined));

  it('is none in an isolated window', () => {
    setIsolated(true);
    expect(isolationProblem(true)).toBeNull();
  });

  it('names the server switch when the server sends no COOP/COEP', () => {
    setIsolated(false);
    expect(isolationProblem(false)).toBe('isolation-off');
  });

  it('names this window when the server isolates but the window is not (or the settings are not loaded)', () => {
    setIsolated(false);
    expect(isolationProblem(true)).toBe('not-isolated');
    expect(isolationProblem(undefined)).toBe('not-isolated');
  });
});
