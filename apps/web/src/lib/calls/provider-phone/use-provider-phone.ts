import { useSyncExternalStore } from 'react';
import type { ProviderPhoneState } from './index.js';
import { providerPhoneLink } from './link.js';

/** The page's providers' browser phones, for the call dock and the active-call card. */
export const useProviderPhone = (): ProviderPhoneState =>
  useSyncExternalStore(providerPhoneLink.subscribe, providerPhoneLink.current);

export const retryProviderPhones = (): void => providerPhoneLink.retry();
export const setProviderCallMuted = (muted: boolean): void => providerPhoneLink.setMuted(muted);
/** The answered provider call's statistics, for the card's network indicator (null until its audio is up). */
export const providerCallStats = () => providerPhoneLink.statsSource();
