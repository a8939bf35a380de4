import { describe, expect, it } from 'vitest';
import { EventBus } from './bus.js';

interface TestEvents {
  'settings:changed': { version: number };
  'shifts:changed': { id: string };
}

const bus = () => {
  const reported: [string, string][] = [];
  const events = new EventBus<TestEvents>((name, error) =>
    reported.push([String(name), (error as Error).message]),
  );
  return { events, reported };
};

describe('event bus', () => {
  it('delivers an event to the listeners of its name only, until they unsubscribe', () => {
    const { events } = bus();
    const heard: string[] = [];
    const off = events.on('settings:changed', (c) => {
      heard.push(`settings ${c.version}`);
    });
    events.on('shifts:changed', (c) => {
      heard.push(`shifts ${c.id}`);
    });
    events.emit('settings:changed', { version: 1 });
    off();
    events.emit('settings:changed', { version: 2 });
    events.emit('shifts:changed', { id: 'a' });
    expect(heard).toEqual(['settings 1', 'shifts a']);
  });

  it('reports a throwing or rejecting listener without stopping the others or the emitter', async () => {
    const { events, reported } = bus();
    const heard: number[] = [];
    events.on('settings:changed', () => {
      throw new Error('listener bug');
    });
    events.on('settings:changed', async () => {
      throw new Error('async listener bug');
    });
    events.on('settings:changed', (c) => {
      heard.push(c.version);
    });
    expect(() => events.emit('settings:changed', { version: 7 })).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(heard).toEqual([7]);
    expect(reported).toEqual([
      ['settings:changed', 'listener bug'],
      ['settings:changed', 'async listener bug'],
    ]);
  });

  it('keeps two buses apart (two server contexts in one process never hear each other)', () => {
    const a = bus();
    const b = bus();
    const heard: string[] = [];
    a.events.on('shifts:changed', () => {
      heard.push('a');
    });
    b.events.on('shifts:changed', () => {
      heard.push('b');
    });
    b.events.emit('shifts:changed', { id: 'x' });
    expect(heard).toEqual(['b']);
  });
});
