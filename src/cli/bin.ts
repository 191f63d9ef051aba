/**
 * The `tagwarden` executable: runs the CLI with the process's arguments and exits with its code.
 * Everything testable lives in app.ts.
 */
import { run } from './app';

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
