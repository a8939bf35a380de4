/**
 * The caller phone's audio on the simulator page (part of its script, page.ts): the caller's
 * microphone goes to the volunteer who answers in the browser over WebRTC, and the volunteer's
 * voice is played back; while the caller waits, the page plays generated hold music, and the
 * hotline's spoken prompts (the screening and voicemail greetings) are read out with the
 * browser's speech synthesis when it has a voice (a short chime otherwise) and shown as text.
 * Nothing is downloaded: the hold music is oscillators, the prompts are the browser's own voice.
 *
 * Signalling: one offer, posted once the call is placed and its candidates are gathered, and one
 * answer, waited for with long requests (/api/simulator/phones/:sid/webrtc/…). The server gives
 * the offer only to the volunteer who won the call.
 */
export const CALLER_AUDIO_SCRIPT = `
const callerAudio = new Map();
let sharedAudioContext = null;
let iceServersPromise = null;

function audioContext() {
  if (!sharedAudioContext) sharedAudioContext = new AudioContext();
  if (sharedAudioContext.state === 'suspended') sharedAudioContext.resume().catch(() => {});
  return sharedAudioContext;
}

/** A short tone: the hold melody's notes, and the chime that stands in for a prompt with no voice to read it. */
function tone(frequency, start, seconds, volume) {
  const ac = audioContext();
  const osc = ac.createOscillator();
  const gain = ac.createGain();
  osc.type = 'sine';
  osc.frequency.value = frequency;
  gain.gain.setValueAtTime(0, start);
  gain.gain.linearRampToValueAtTime(volume, start + 0.03);
  gain.gain.linearRampToValueAtTime(0, start + seconds);
  osc.connect(gain).connect(ac.destination);
  osc.start(start);
  osc.stop(start + seconds + 0.05);
}

// A calm, slow phrase (C major, 72 bpm) repeated while the caller waits.
const HOLD_MELODY = [523.25, 659.25, 783.99, 659.25, 587.33, 698.46, 880.0, 698.46];
const NOTE_SECONDS = 0.8;

function startHold(entry) {
  if (entry.hold) return;
  let note = 0;
  const play = () => {
    tone(HOLD_MELODY[note % HOLD_MELODY.length], audioContext().currentTime + 0.02, NOTE_SECONDS * 0.9, 0.08);
    note += 1;
  };
  play();
  entry.hold = setInterval(play, NOTE_SECONDS * 1000);
}

function stopHold(entry) {
  if (entry.hold) clearInterval(entry.hold);
  entry.hold = null;
}

/** Reads a prompt aloud (the text is on the card too); without a voice, a two-note chime marks it. */
function speak(text) {
  const synth = window.speechSynthesis;
  if (synth && synth.getVoices().length) {
    synth.speak(new SpeechSynthesisUtterance(text));
    return;
  }
  const now = audioContext().currentTime;
  tone(880, now + 0.02, 0.18, 0.1);
  tone(660, now + 0.24, 0.25, 0.1);
}

/** The lines of \`heard\` that were not in \`before\` (both are the last few lines of one growing list). */
function newLines(before, heard) {
  for (let k = Math.min(before.length, heard.length); k > 0; k--) {
    const tail = before.slice(before.length - k);
    if (tail.every((line, i) => line === heard[i])) return heard.slice(k);
  }
  return heard;
}

function gathered(pc, ms) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(resolve, ms);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
    });
  });
}

/** Starts the audio of a call this page placed: microphone, offer, and the wait for the volunteer's answer. */
async function startCallerAudio(sid) {
  const entry = { sid, pc: null, mic: null, player: null, hold: null, held: false, round: 0, heard: [], state: 'starting', closed: false };
  callerAudio.set(sid, entry);
  audioContext();
  try {
    entry.mic = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch {
    entry.state = 'no microphone';
  }
  if (entry.closed) return stopCallerAudio(sid);
  await offerAudio(entry);
}

/**
 * One audio connection: a fresh peer connection with the caller's microphone, its offer, and the
 * wait for the answer of the volunteer the carrier bridges the caller to. A transfer starts the
 * next round (syncCallerAudio), which leaves this one's wait.
 */
async function offerAudio(entry) {
  const sid = entry.sid;
  const round = entry.round;
  const current = () => !entry.closed && entry.round === round;
  iceServersPromise = iceServersPromise || api('GET', '/webrtc/config').then((c) => c.iceServers);
  const pc = new RTCPeerConnection({ iceServers: await iceServersPromise });
  if (!current()) return pc.close();
  entry.pc = pc;
  if (entry.mic) for (const track of entry.mic.getAudioTracks()) pc.addTrack(track, entry.mic);
  else pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.addEventListener('track', (event) => {
    if (!entry.player) entry.player = new Audio();
    entry.player.srcObject = event.streams[0] || new MediaStream([event.track]);
    entry.player.play().catch(() => {});
  });
  pc.addEventListener('connectionstatechange', () => { if (entry.pc === pc) entry.state = pc.connectionState; });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc, 3000);
  if (!current()) return;
  await api('POST', '/phones/' + sid + '/webrtc/offer', { sdp: pc.localDescription.sdp });
  entry.state = round ? 'waiting for the next volunteer' : 'waiting for a volunteer';
  while (current()) {
    const asked = Date.now();
    const reply = await api('GET', '/phones/' + sid + '/webrtc/answer');
    if (reply.ended) return stopCallerAudio(sid);
    if (!current()) return;
    if (reply.answer) {
      await pc.setRemoteDescription({ type: 'answer', sdp: reply.answer });
      return;
    }
    // A wait that came back at once (the server is closing) is not repeated at once.
    if (Date.now() - asked < 1000) await new Promise((r) => setTimeout(r, 1000));
  }
}

function stopCallerAudio(sid) {
  const entry = callerAudio.get(sid);
  if (!entry) return;
  entry.closed = true;
  entry.state = 'closed';
  stopHold(entry);
  if (entry.pc) entry.pc.close();
  if (entry.mic) for (const track of entry.mic.getTracks()) track.stop();
  if (entry.player) entry.player.srcObject = null;
  callerAudio.delete(sid);
}

/** Follows the callers' state (every refresh): hold music while waiting, prompts read out, the end. */
function syncCallerAudio(callers) {
  for (const p of callers) {
    const entry = callerAudio.get(p.sid);
    if (!entry) continue;
    if (!LIVE.has(p.status)) { stopCallerAudio(p.sid); continue; }
    // Waiting in the queue, or put on hold by the volunteer: hold music. On the volunteer's hold
    // the carrier carries nothing of the caller to the volunteer, so the microphone is not sent.
    if ((p.onHold && !p.connected) || p.heldByVolunteer) startHold(entry); else stopHold(entry);
    if (entry.mic) for (const track of entry.mic.getAudioTracks()) track.enabled = !p.heldByVolunteer;
    entry.held = p.heldByVolunteer;
    // Transferred to another volunteer: the first connection ends and the audio is offered again.
    if (p.audioRound > entry.round && entry.pc) {
      entry.round = p.audioRound;
      entry.pc.close();
      entry.pc = null;
      entry.state = 'transferring';
      offerAudio(entry).catch(() => { entry.state = 'failed'; });
    }
    for (const line of newLines(entry.heard, p.heard)) if (!line.startsWith('(')) speak(line);
    entry.heard = p.heard;
  }
}

const callerAudioState = (sid) => {
  const entry = callerAudio.get(sid);
  return entry ? (entry.held && entry.state === 'connected' ? 'on hold' : entry.state) : null;
};
`;
