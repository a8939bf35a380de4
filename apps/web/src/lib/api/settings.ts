import {
  ConnectionTestResult,
  type HotlineSettings,
  ProviderListResponse,
  ProviderSummarySchema,
  PublicConfig,
  PublicSettingsSchema,
  SettingsResponseSchema,
  type SettingsSection,
  type TelephonyProvider,
  VersionInfo,
} from '@llamenos/protocol';
import { request, requestVoid } from './http.js';

/** The hotline's settings, providers and public configuration, as the web client uses them. */

/** Public: where requests are signed for, which relay to use, and the login page's branding. */
export const fetchConfig = () => request(PublicConfig, 'GET', '/api/config');

/** Public: the server's version, commit and the checksum of the web app it serves. */
export const fetchVersion = () => request(VersionInfo, 'GET', '/api/version');

/** What every member's client needs (name, zone, languages, note fields, auto-lock). */
export const fetchPublicSettings = () => request(PublicSettingsSchema, 'GET', '/api/settings/public');

/** The whole settings document, as admins edit it. */
export const fetchSettings = () => request(SettingsResponseSchema, 'GET', '/api/settings');

/** Replaces the whole document; refused with 409 when `version` is not the current one. */
export const replaceSettings = (settings: HotlineSettings, version: number) =>
  request(SettingsResponseSchema, 'PUT', '/api/settings', { settings, version });

/** Replaces one section; refused with 409 when `version` is not the current one. */
export const patchSettingsSection = <K extends SettingsSection>(
  section: K,
  value: HotlineSettings[K],
  version: number,
) => request(SettingsResponseSchema, 'PATCH', `/api/settings/${section}`, { value, version });

/** Every provider with stored credentials: public fields as stored, secret ones masked. */
export const fetchProviders = async () =>
  (await request(ProviderListResponse, 'GET', '/api/settings/providers')).providers;

/** Stores a provider's credentials; omitted secret fields keep their stored values. */
export const saveProvider = (provider: TelephonyProvider, body: Record<string, unknown>) =>
  request(ProviderSummarySchema, 'PUT', `/api/settings/providers/${provider}`, body);

export const removeProvider = (provider: TelephonyProvider) =>
  requestVoid('DELETE', `/api/settings/providers/${provider}`);

/** Tries the stored credentials against the provider; the reason never quotes the provider. */
export const testProviderConnection = (provider: TelephonyProvider) =>
  request(ConnectionTestResult, 'POST', `/api/settings/providers/${provider}/test`);
