import { HubKeyWrapView } from '@llamenos/protocol';
import { request } from './http.js';

/** The caller's own wrap of the current hub key (base64url), for decrypting hub events. */
export const fetchHubKey = () => request(HubKeyWrapView, 'GET', '/api/hub-key');
