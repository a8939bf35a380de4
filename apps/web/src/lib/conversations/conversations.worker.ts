/// <reference lib="webworker" />

import type { RewrapItem } from '@llamenos/protocol';
import { OpenedRecords, sealedRecordsWorker } from '../sealed-records-worker.js';
import { answerCalls } from '../worker-calls.js';
import { openMessage, rewrapItems } from './crypto.js';
import type { OpenedMessage, RecipientWrap, SealedMessage } from './protocol.js';

/**
 * A conversations worker: opens messages and re-wraps their keys for a new assignee, off the UI
 * thread (the crypto is in ./crypto.ts). It holds a copy of the unlocked secret key and the texts
 * it opened for the unlocked session only; the UI terminates it when the vault locks, which
 * erases both.
 */

const opened = new OpenedRecords<OpenedMessage>();

const worker = sealedRecordsWorker<SealedMessage, OpenedMessage, RewrapItem, RecipientWrap>({
  name: 'conversations',
  forget: () => opened.clear(),
  open(me, message) {
    const wrap = message.wrap;
    if (!wrap) return { id: message.id, status: 'failed', reason: 'no-wrap' };
    return opened.get(message.id, { ciphertext: message.ciphertext, wrap }, () =>
      openMessage(me, message, wrap),
    );
  },
  rewrap: rewrapItems,
});

answerCalls(worker.handle);
