/** The ARI address rule: loopback, private networks or "localhost" only (see address.ts). */
import { describe, expect, it } from 'vitest';
import { TelephonyNotConfiguredError } from '../errors.js';
import { ARI_ADDRESS_RULE, ariAddress, isAllowedAriHost } from './address.js';

describe('ARI address', () => {
  it('allows loopback and private addresses, and localhost', () => {
    for (const host of [
      '127.0.0.1',
      '127.255.0.9',
      '10.0.0.5',
      '172.16.0.1',
      '172.31.255.254',
      '192.168.1.10',
      'localhost',
      'LOCALHOST',
      '[::1]',
      '[fd12:3456::1]',
      '[fc00::5]',
    ])
      expect(isAllowedAriHost(host), host).toBe(true);
  });

  it('refuses public addresses, near misses, metadata addresses and every host name', () => {
    for (const host of [
      '8.8.8.8',
      '172.15.0.1',
      '172.32.0.1',
      '192.169.0.1',
      '11.0.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '[2001:db8::1]',
      '[fe80::1]',
      '[::ffff:10.0.0.1]',
      'asterisk.internal',
      'pbx.example.com',
      '10.0.0.5.nip.io',
      'localhost.evil.example',
    ])
      expect(isAllowedAriHost(host), host).toBe(false);
  });

  it('splits the URL into REST and WebSocket bases, with or without /ari', () => {
    expect(ariAddress('http://10.0.0.5:8088')).toEqual({
      httpBase: 'http://10.0.0.5:8088',
      wsBase: 'ws://10.0.0.5:8088',
    });
    expect(ariAddress('https://192.168.1.2:8089/ari/')).toEqual({
      httpBase: 'https://192.168.1.2:8089',
      wsBase: 'wss://192.168.1.2:8089',
    });
    expect(ariAddress('http://127.0.0.1:8088/pbx/ari')).toEqual({
      httpBase: 'http://127.0.0.1:8088/pbx',
      wsBase: 'ws://127.0.0.1:8088/pbx',
    });
  });

  it('tells the admin why a public address is refused', () => {
    const error = (() => {
      try {
        ariAddress('http://203.0.113.7:8088');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TelephonyNotConfiguredError);
    expect((error as Error).message).toContain(ARI_ADDRESS_RULE.slice(0, 40));
    for (const bad of ['ftp://10.0.0.1', 'http://u:p@10.0.0.1', 'http://10.0.0.1?x=1', 'not a url'])
      expect(() => ariAddress(bad), bad).toThrow(TelephonyNotConfiguredError);
  });
});
