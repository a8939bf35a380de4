import { useSyncExternalStore } from 'react';
import { type ProviderPhoneState, providerPhones } from './index.js';

/** The page's providers' browser phones, for the call dock and the active-call card. */
export const useProviderPhone = (): ProviderPhoneState =>
  useSyncExternalStore(providerPhones.subscribe, providerPhones.current);

export const retryProviderPhones = (): void => providerPhones.retry();
export const setProviderCallMuted = (muted: boolean): void => providerPhones.setMuted(muted);
