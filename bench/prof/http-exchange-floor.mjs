/**
 * Scratch: the client CPU of one HTTP exchange on loopback, the floor under each REST request a
 * call leg makes to its provider (placing it, cancelling it): node:http over a keep-alive agent
 * (as telephony/http.ts sends) and fetch, back to back and spaced 5 ms apart (as at the calls
 * bench's peak, where each exchange wakes an idle process). The server is a bare node:http one in
 * another process answering a Twilio-like JSON body.
 *   node bench/prof/http-exchange-floor.mjs
 */
import { fork } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';

if (process.argv[2] === 'serve') {
  const answer = JSON.stringify({ sid: `CA${'0'.repeat(32)}`, status: 'queued', to: '+15550001111' });
  createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(answer);
    });
  }).listen(0, '127.0.0.1', function () {
    process.send(this.address().port);
  });
} else {
  const child = fork(new URL(import.meta.url).pathname, ['serve']);
  const port = await new Promise((resolve) => child.once('message', resolve));
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const body = new URLSearchParams({
    To: '+15550001111',
    From: '+15550002222',
    Url: 'http://127.0.0.1:3000/api/telephony/voice/simulator/leg?call=abc',
    StatusCallbackEvent: 'completed',
    Timeout: '30',
  }).toString();
  const headers = {
    authorization: `Basic ${Buffer.from('AC:secret').toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  };
  const viaHttp = () =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/Calls.json',
          agent,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const viaFetch = async () =>
    (await fetch(`http://127.0.0.1:${port}/Calls.json`, { method: 'POST', body, headers })).json();
  const cpuPer = async (send, n, gapMs) => {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      await send();
      if (gapMs) await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    const used = process.cpuUsage(start);
    return ((used.user + used.system) / n).toFixed(0);
  };
  for (const [name, send] of [
    ['node:http', viaHttp],
    ['fetch', viaFetch],
  ]) {
    await cpuPer(send, 2000, 0); // warm-up
    console.log(
      `${name}: client CPU per exchange ${await cpuPer(send, 3000, 0)} µs back to back, ${await cpuPer(send, 500, 5)} µs 5 ms apart`,
    );
  }
  child.kill();
}
