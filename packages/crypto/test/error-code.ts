import { CryptoError } from '../src/index.js';

/** The CryptoError code `fn` throws, 'accepted' when it throws nothing, or what else it threw. */
export const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    return `not a CryptoError: ${String(error)}`;
  }
  return 'accepted';
};
