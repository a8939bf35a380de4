import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { fakeMicrophoneLaunchOptions, recordPeerConnections } from './call-audio-helpers.js';

/**
 * A provider phone module (apps/web/src/lib/calls/provider-phone/<file>.ts) alone in Chromium with
 * the fake microphone, for the phone specs (sip-phone, signalwire-phone): the module is bundled
 * with its SDK and served on a page of its own on loopback (a secure context: getUserMedia works),
 * with `exportName` put on `window` for the test to drive.
 */
export interface PhoneModulePage {
  browser: Browser;
  /** A fresh context's page on the module's site; its page errors and console errors go to `errors`. */
  newPage(errors: string[], label: string): Promise<Page>;
  close(): Promise<void>;
}

export async function servePhoneModule(file: string, exportName: string): Promise<PhoneModulePage> {
  const bundle = await build({
    stdin: {
      contents:
        `import { ${exportName} } from './apps/web/src/lib/calls/provider-phone/${file}';\n` +
        `(window as any).${exportName} = ${exportName};\n`,
      resolveDir: fileURLToPath(new URL('..', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
  });
  const script = bundle.outputFiles[0]!.text;
  const site = http.createServer((req, res) => {
    if (req.url === '/phone.js') {
      res.setHeader('content-type', 'text/javascript');
      res.end(script);
    } else {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>phone</title><script src="/phone.js"></script>');
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  const browser = await chromium.launch(fakeMicrophoneLaunchOptions());
  return {
    browser,
    async newPage(errors, label) {
      const context = await browser.newContext();
      context.on('weberror', (e) => errors.push(`${label}: ${e.error().message}`));
      context.on('console', (m) => {
        if (m.type() === 'error') errors.push(`${label}: ${m.text()}`);
      });
      await recordPeerConnections(context);
      const page = await context.newPage();
      await page.goto(siteUrl);
      return page;
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => site.close(resolve));
    },
  };
}

/**
 * The far end's page (the provider, standing in for the caller): an offer with its fake
 * microphone, whose answer it plays back when it comes (takeFarEndAnswer).
 */
export const makeFarEndOffer = (page: Page): Promise<string> =>
  page.evaluate(async () => {
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    const pc = new RTCPeerConnection();
    (window as unknown as Record<string, unknown>).farEnd = pc;
    for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
    pc.addEventListener('track', (event) => {
      const player = new Audio();
      player.srcObject = event.streams[0] ?? new MediaStream([event.track]);
      void player.play().catch(() => {});
    });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') resolve();
      });
    });
    return pc.localDescription!.sdp;
  });

export const takeFarEndAnswer = (page: Page, sdp: string): Promise<void> =>
  page.evaluate(async (sdp) => {
    const pc = (window as unknown as { farEnd: RTCPeerConnection }).farEnd;
    await pc.setRemoteDescription({ type: 'answer', sdp });
  }, sdp);
