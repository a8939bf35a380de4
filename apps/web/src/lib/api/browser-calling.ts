import { BrowserCredentialsResponseSchema } from '@llamenos/protocol';
import { request } from './http.js';

/**
 * Short-lived credentials for the providers' browser phones; null when none of the hotline's
 * providers rings browsers (asked with ifAvailable: an empty 204, which browsers do not log as
 * an error). Not in the index: only the lazily loaded phones (lib/calls/provider-phone) use it.
 */
export const fetchBrowserCredentials = () =>
  request(BrowserCredentialsResponseSchema.nullable(), 'POST', '/api/calls/browser-credential', {
    ifAvailable: true,
  });
