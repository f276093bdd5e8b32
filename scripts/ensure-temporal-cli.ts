// `npm run temporal:install`: finds or builds the Temporal CLI ahead of time (npm start and npm test do it on
// first use anyway) and prints its path.
import { ensureTemporalCli } from '../src/temporal/cli';

ensureTemporalCli()
  .then((cli) => process.stdout.write(`${cli}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
