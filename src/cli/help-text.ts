/**
 * The CLI's help texts, one per command, shown by `--help` and on usage errors.
 */
import { policyHelp } from '../policy/command';

export const help: Record<string, string> = {
  '': `tagwarden: consent-gated tag loader with signed containers

Usage: tagwarden <command> [options]

Commands:
  keygen     create a signing key pair
  validate   check a container against the schema and the rules
  sign       validate and sign a container (DSSE envelope, ECDSA P-256)
  verify     verify a signed container as the browser runtime would
  snippet    print the HTML snippet a site pastes into <head>
  schema     write the container JSON Schema for editors
  policy     write the cookie policy page (HTML or Markdown) from a container
  serve      preview a container locally: sign it for 127.0.0.1 and serve the demo pages

Run "tagwarden <command> --help" for a command's options.
Exit codes: 0 success, 1 invalid input or failed verification, 2 usage error.`,
  keygen: `Usage: tagwarden keygen --out <dir> [--name <name>]

Creates <dir>/<name>.key (private, mode 0600) and <dir>/<name>.pub (public).
Never overwrites an existing file. Prints the key id and the public key.
  --out <dir>    folder for the key files (created if missing)
  --name <name>  file name stem (default "tagwarden")`,
  validate: `Usage: tagwarden validate <container.json>...

Prints every problem as "file: path.to.field: message"; warnings say "warning:".
Exits 1 when any file has an error.`,
  sign: `Usage: tagwarden sign <container.json> --key <private.key> [--key <k2>] --out <signed.json> [--previous <signed.json>]

Validates the container and refuses an invalid one, then signs its exact bytes with
every --key (several keys during a key rotation).
  --previous <signed.json>  the last published envelope: refuse unless version is above it`,
  verify: `Usage: tagwarden verify <signed.json> --pub <public.pub>... [--threshold <n>] [--origin <origin>] [--id <id>] [--min-version <n>]

Verifies signature, encoding, schema, id, origin, version floor and expiry, in the runtime's order.
Prints id, version, expiry and the key ids that signed it, or the error code and reason.
  --origin <origin>      a bare origin such as https://shop.example.com (no path or trailing /)
  --threshold <n>        require valid signatures by n of the --pub keys (default 1)`,
  snippet: `Usage: tagwarden snippet --runtime-url <url> --container-url <url> --pub <public.pub>... [options]

Prints the three script elements a site pastes into <head>: the inline bootstrap, the import map that
pins every lazy chunk, and the runtime module with its SRI hash.
  --threshold <n>        require signatures by n of the --pub keys (default 1; at most their number)
  --min-version <n>      refuse containers below version n
  --container-id <id>    refuse containers with another id
  --region <code>        region for regional consent defaults (ISO 3166)
  --nonce <text>         put <text> in the three nonce attributes
  --nonce-placeholder    put {{CSP_NONCE}} in the three nonce attributes
  --runtime-file <path>  the runtime file to hash (default: this package's dist/runtime/tagwarden.js)`,
  policy: policyHelp,
  serve: `Usage: tagwarden serve <container.json> [--key <private.key>] [--port <n>] [--pages <dir>]

Validates the container, signs it for the local origin (with --key, or a development key kept in
.dev-keys/) and serves it with the runtime, the collectors (pixel, Application Insights /v2/track,
Personalizer-compatible routes) and, with the demo pages, a live panel at /panel, under the strict CSP.
The container's ":8080" URLs (the demo's local collectors) follow the chosen port.
  --key <file>   sign with this private key instead of the development key
  --port <n>     port on 127.0.0.1 (default 8080; 0 picks a free one); the site also answers on localhost
  --pages <dir>  your own HTML pages ({{snippet}} is replaced by the snippet, {{nonce}} by the nonce);
                 default: the demo site`,
  schema: `Usage: tagwarden schema [--out <file>]

Writes the container JSON Schema (draft 2020-12) to <file> or standard output.
Reference it from a container with "$schema" for completion and validation in editors.`,
};
