// The entry of the release bundle (llamenos.cjs in the release archive) and of the single
// executable: `node llamenos.cjs serve` or `./llamenos serve`. The runtime module goes first.
import './runtime.js';
import { runMain } from '../cli.js';

runMain(process.argv.slice(2));
