// The entry of the release bundle (llamenos.cjs in the release archive) and of the single
// executable: `node llamenos.cjs serve` or `./llamenos serve`. The runtime module goes first.
import './runtime.js';
import { runMain } from '../cli.js';
import { checkWorkersCommand } from './check-workers.js';

const argv = process.argv.slice(2);
// A release's own diagnostic (docs/OPERATIONS.md, "One file"): the commands shared with
// `npm start` are cli.ts's.
if (argv[0] === 'check-workers' && argv.length === 1)
  checkWorkersCommand().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
else runMain(argv);
