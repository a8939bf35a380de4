import { cryptoSuite } from './crypto.js';
import { relaySuite } from './relay.js';
import type { Suite } from './types.js';

/** Every benchmark suite `npm run bench` knows. Add new suites here. */
export const suites: Suite[] = [cryptoSuite, relaySuite];
