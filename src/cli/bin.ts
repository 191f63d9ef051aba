/**
 * The `tagwarden` executable: runs the CLI with the process's arguments and exits with its code.
 * Everything testable lives in app.ts.
 */
import { run } from './app';

// `tagwarden schema | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

run(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`tagwarden: internal error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
