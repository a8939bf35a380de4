import { ProviderHttp, type ProviderTransport } from './http.js';

/** How a request proves the account: basic auth, or an Authorization header made per request. */
type RestAuth = Pick<
  ConstructorParameters<typeof ProviderHttp>[0],
  'username' | 'password' | 'authorization'
>;

export interface RestApiOptions extends ProviderTransport {
  /** Default the provider's public API; tests point it (and recording downloads) at the local fake. */
  apiBaseUrl?: string;
}

/**
 * A provider's REST API as its adapter reaches it: `options.apiBaseUrl` when set, otherwise the
 * public `publicBaseUrl`, and where recording files are then fetched (the fake's host when tests
 * set one, otherwise undefined: where the provider's own links point).
 */
export function restApi(
  provider: string,
  publicBaseUrl: string,
  options: RestApiOptions,
  auth: RestAuth,
): { http: ProviderHttp; recordingBaseUrl: string | undefined } {
  const baseUrl = (options.apiBaseUrl ?? publicBaseUrl).replace(/\/+$/, '');
  const http = new ProviderHttp({
    provider,
    baseUrl,
    ...auth,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  return { http, recordingBaseUrl: options.apiBaseUrl === undefined ? undefined : baseUrl };
}
