/**
 * The `tagwarden` command line, testable without spawning a process: `run(argv, io)` returns the
 * exit code (0 success, 1 invalid input or failed verification, 2 usage error). User errors print
 * one line per problem, never a stack trace; private key material is never printed.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { MAX_ENVELOPE_BYTES } from '../container/envelope';
import { containerJsonSchema } from '../container/json-schema';
import type { PinnedKey } from '../container/keys';
import { signPayload } from '../container/sign';
import { checkContainer, formatPath, validateContainer } from '../container/validate';
import { verifyContainer } from '../container/verify';
import { isTagwardenError } from '../lib/errors';
import { describe } from '../lib/messages';
import { KeyFileError, readPublicKey, readSigningKey, writeKeyPair } from '../node/keyfiles';
import { policyCommand } from '../policy/command';
import { runtimeIntegrity } from '../snippet/files';
import { renderSnippet } from '../snippet/render';
import { help } from './help-text';
import { InputError, parseJson, readBytes, UsageError, writeOutput } from './input';

z.config(en());

/** Where the CLI writes; injectable for tests. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

type Handler = (args: string[], io: Io) => Promise<number>;

const commands: Record<string, Handler> = {
  keygen,
  validate,
  sign,
  verify,
  snippet,
  schema,
  serve,
  policy: policyCommand,
};

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  const debug = rest.includes('--debug');
  const args = rest.filter((a) => a !== '--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help['']!);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.out(JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')).version);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    io.err(`tagwarden: unknown command "${name}". Run "tagwarden --help".`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(help[name]!);
    return 0;
  }
  try {
    return await command(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`tagwarden ${name}: ${e.message}. Run "tagwarden ${name} --help".`);
      return 2;
    }
    if (e instanceof InputError || e instanceof KeyFileError) {
      io.err(`tagwarden ${name}: ${e.message}`);
      return 1;
    }
    if (isTagwardenError(e)) {
      io.err(`tagwarden ${name}: ${e.code}: ${describe(e.code, e.detail)}`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    io.err(
      `tagwarden ${name}: ${err.code && !err.message.startsWith(err.code) ? `${err.code}: ` : ''}${err.message}`,
    );
    if (debug && err.stack) io.err(err.stack);
    return 1;
  }
}

function parse<O extends ParseArgsOptionsConfig>(args: string[], options: O, positionals = true) {
  try {
    return parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>({
      args,
      options,
      allowPositionals: positionals as true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, ''));
  }
}

async function keygen(args: string[], io: Io) {
  const { values } = parse(args, { out: { type: 'string' }, name: { type: 'string' } }, false);
  if (!values.out) throw new UsageError('--out <dir> is required');
  const name = values.name ?? 'tagwarden';
  if (!/^[\w.-]+$/.test(name)) throw new UsageError('--name may hold letters, digits, "_", "." and "-" only');
  await mkdir(values.out, { recursive: true, mode: 0o700 });
  const k = await writeKeyPair(values.out, name);
  io.out(`key id:      ${k.keyid}`);
  io.out(`private key: ${k.privatePath} (mode 0600; keep it secret, never commit it)`);
  io.out(`public key:  ${k.publicPath}`);
  io.out(k.publicPem.trimEnd());
  return 0;
}

async function validate(args: string[], io: Io) {
  const { positionals } = parse(args, {});
  if (!positionals.length) throw new UsageError('name at least one container file');
  let failed = false;
  for (const path of positionals) {
    let json: unknown;
    try {
      json = parseJson(path, await readBytes(path));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      io.err(e.message);
      failed = true;
      continue;
    }
    const { problems } = validateContainer(json);
    for (const p of problems) {
      io.err(`${path}: ${formatPath(p.path)}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`);
    }
    const errors = problems.filter((p) => p.severity === 'error').length;
    if (errors) failed = true;
    else
      io.out(
        `${path}: valid${problems.length ? ` (${problems.length} warning${problems.length > 1 ? 's' : ''})` : ''}`,
      );
  }
  return failed ? 1 : 0;
}

async function sign(args: string[], io: Io) {
  const { values, positionals } = parse(args, {
    key: { type: 'string', multiple: true },
    out: { type: 'string' },
    previous: { type: 'string' },
  });
  const [path, extra] = positionals;
  if (!path || extra !== undefined) throw new UsageError('name exactly one container file');
  if (!values.key?.length) throw new UsageError('--key <private.key> is required');
  if (!values.out) throw new UsageError('--out <signed.json> is required');
  const bytes = new Uint8Array(await readBytes(path));
  const { container, problems } = validateContainer(parseJson(path, bytes));
  if (!container) {
    for (const p of problems.filter((q) => q.severity === 'error'))
      io.err(`${path}: ${formatPath(p.path)}: ${p.message}`);
    throw new InputError(`${path} is invalid; not signed`);
  }
  if (values.previous) {
    const prev = previousVersion(values.previous, await readBytes(values.previous));
    if (prev.id === container.id && container.version <= prev.version) {
      throw new InputError(
        `version ${container.version} is not above the previously published ${prev.version}; raise "version"`,
      );
    }
  }
  const keys = await Promise.all(values.key.map(readSigningKey));
  const envelope = await signPayload(bytes, keys);
  const text = `${JSON.stringify(envelope, null, 2)}\n`;
  // The runtime refuses a larger envelope (container/too-large): publishing one would fire nothing.
  const size = Buffer.byteLength(text);
  if (size > MAX_ENVELOPE_BYTES)
    throw new InputError(
      `${path}: the signed envelope would be ${size} bytes; the runtime accepts at most ${MAX_ENVELOPE_BYTES}; not signed`,
    );
  if (Date.parse(container.expires) <= Date.now())
    io.err(`${path}: expires: warning: ${container.expires} is already past`);
  await writeOutput(values.out, text, [path, ...values.key, ...(values.previous ? [values.previous] : [])]);
  io.out(
    `signed ${container.id} version ${container.version} (expires ${container.expires}) -> ${values.out}`,
  );
  for (const k of keys) io.out(`  key id ${k.keyid}`);
  return 0;
}

/** Id and version of a previously published envelope (its signature is checked at publication, not here). */
function previousVersion(path: string, bytes: Uint8Array): { id: string; version: number } {
  const env = parseJson(path, bytes) as { payload?: unknown };
  const payload = typeof env?.payload === 'string' ? Buffer.from(env.payload, 'base64') : undefined;
  const json = payload && (parseJson(`${path} (payload)`, payload) as { id?: unknown; version?: unknown });
  if (!json || typeof json.id !== 'string' || typeof json.version !== 'number') {
    throw new InputError(`${path}: not a signed tagwarden container`);
  }
  return { id: json.id, version: json.version };
}

async function verify(args: string[], io: Io) {
  const { values, positionals } = parse(args, {
    pub: { type: 'string', multiple: true },
    origin: { type: 'string' },
    id: { type: 'string' },
    'min-version': { type: 'string' },
    threshold: { type: 'string' },
  });
  const [path, extra] = positionals;
  if (!path || extra !== undefined) throw new UsageError('name exactly one signed container');
  if (!values.pub?.length) throw new UsageError('--pub <public.pub> is required');
  if (values.origin !== undefined) bareOrigin(values.origin);
  // Each file is read and imported on its own, so that a bad one is refused by name (importPublicKeys drops it).
  const keys = distinct(await Promise.all(values.pub.map(readPublicKey))).map((k) => k.pinned);
  // Decoded as the runtime decodes the download (container-loader.ts): a leading byte order mark is dropped.
  const text = new TextDecoder().decode(await readBytes(path));
  const v = await verifyContainer(text, {
    keys,
    check: checkContainer,
    ...(values.threshold !== undefined && { threshold: threshold(values.threshold, keys.length) }),
    ...(values.origin !== undefined && { origin: values.origin }),
    ...(values.id !== undefined && { id: values.id }),
    ...(values['min-version'] !== undefined && {
      minVersion: positiveInt(values['min-version'], '--min-version'),
    }),
  }).catch((e: unknown) => {
    throw unsignedHint(e, text);
  });
  io.out(`id:       ${v.container.id}`);
  io.out(`version:  ${v.container.version}`);
  io.out(`expires:  ${v.container.expires}`);
  io.out(`origins:  ${v.container.origins.join(' ')}`);
  io.out(`digest:   sha256:${v.digest}`);
  for (const k of v.keyids) io.out(`signed by ${k}`);
  return 0;
}

/**
 * `--origin` as the runtime compares it with `location.origin`: scheme, host and port only. A trailing "/" or a
 * path would never match, and would read as a container that does not list the site.
 */
function bareOrigin(s: string): void {
  let origin: string | undefined;
  try {
    origin = new URL(s).origin;
  } catch {
    // not a URL at all: refused below
  }
  if (origin !== s)
    throw new UsageError(
      '--origin must be an origin such as https://shop.example.com (no path or trailing /)',
    );
}

/**
 * A plain container given to verify fails as an envelope without payloadType. When the file looks like a
 * container (schemaVersion or tags), the error keeps its code and says what to do; any other error is as it was.
 */
function unsignedHint(e: unknown, text: string): unknown {
  if (!isTagwardenError(e) || e.code !== 'container/bad-envelope' || e.detail !== 'payloadType') return e;
  // parseEnvelope got this far, so the text is a JSON object.
  const json = JSON.parse(text) as Record<string, unknown>;
  if (!('schemaVersion' in json) && !('tags' in json)) return e;
  return new InputError(
    `${e.code}: ${describe(e.code, e.detail)}; this looks like an unsigned container: sign it first (tagwarden sign)`,
  );
}

/** `--threshold`: at least 1 and at most the number of distinct pinned keys (else it could never be met). */
function threshold(s: string, keys: number): number {
  const n = positiveInt(s, '--threshold');
  if (n > keys)
    throw new UsageError(`--threshold ${n} needs at least ${n} different --pub keys, got ${keys}`);
  return n;
}

function positiveInt(s: string, flag: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${flag} takes a whole number above 0`);
  return n;
}

async function snippet(args: string[], io: Io) {
  const { values } = parse(
    args,
    {
      'runtime-url': { type: 'string' },
      'container-url': { type: 'string' },
      pub: { type: 'string', multiple: true },
      'min-version': { type: 'string' },
      threshold: { type: 'string' },
      'container-id': { type: 'string' },
      region: { type: 'string' },
      nonce: { type: 'string' },
      'nonce-placeholder': { type: 'boolean' },
      'runtime-file': { type: 'string' },
    },
    false,
  );
  if (!values['runtime-url']) throw new UsageError('--runtime-url <url> is required');
  if (!values['container-url']) throw new UsageError('--container-url <url> is required');
  if (!values.pub?.length) throw new UsageError('--pub <public.pub> is required');
  const runtimeFile =
    values['runtime-file'] ?? fileURLToPath(new URL('../runtime/tagwarden.js', import.meta.url));
  await readBytes(runtimeFile); // a clear error when the file is missing
  const { integrity, chunks } = runtimeIntegrity(runtimeFile);
  const keys = distinct(await Promise.all(values.pub.map(readPublicKey))).map((k) => k.base64);
  const nonce = values.nonce ?? (values['nonce-placeholder'] ? '{{CSP_NONCE}}' : undefined);
  io.out(
    renderSnippet({
      runtimeUrl: values['runtime-url'],
      integrity,
      chunks,
      containerUrl: values['container-url'],
      keys,
      ...(values.threshold !== undefined && { threshold: threshold(values.threshold, keys.length) }),
      ...(values['min-version'] !== undefined && {
        minVersion: positiveInt(values['min-version'], '--min-version'),
      }),
      ...(values['container-id'] !== undefined && { containerId: values['container-id'] }),
      ...(values.region !== undefined && { region: values.region }),
      ...(nonce !== undefined && { nonce }),
    }).trimEnd(),
  );
  return 0;
}

/** Each different key once, in --pub order: the same key twice (in any encoding) counts once. */
function distinct<K extends { pinned: PinnedKey }>(pubs: readonly K[]): K[] {
  const byId = new Map<string, K>();
  for (const k of pubs) if (!byId.has(k.pinned.keyid)) byId.set(k.pinned.keyid, k);
  return [...byId.values()];
}

async function schema(args: string[], io: Io) {
  const { values } = parse(args, { out: { type: 'string' } }, false);
  const text = `${JSON.stringify(containerJsonSchema(), null, 2)}\n`;
  if (values.out) {
    await writeOutput(values.out, text);
    io.out(`wrote ${values.out}`);
  } else io.out(text.trimEnd());
  return 0;
}

/** The package's own folder (dist/cli/../..), where dist/runtime and demo/ live. */
const packageDir = () => fileURLToPath(new URL('../..', import.meta.url));

async function serve(args: string[], io: Io) {
  const { values, positionals } = parse(args, {
    key: { type: 'string' },
    port: { type: 'string' },
    pages: { type: 'string' },
  });
  const [path, extra] = positionals;
  if (!path || extra !== undefined) throw new UsageError('name exactly one container file');
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535)
    throw new UsageError('--port takes a port number (0 picks a free one)');
  const { container, problems } = validateContainer(parseJson(path, await readBytes(path)));
  if (!container) {
    for (const p of problems.filter((q) => q.severity === 'error'))
      io.err(`${path}: ${formatPath(p.path)}: ${p.message}`);
    throw new InputError(`${path} is invalid; not served`);
  }
  if (values.pages !== undefined) await pagesFolder(values.pages);
  const { startPreview } = await import('../server/preview');
  const root = packageDir();
  const preview = await startPreview({
    container: path,
    runtimeDir: join(root, 'dist/runtime'),
    routes: { '/assets/': join(root, 'demo/assets'), '/vendor/': join(root, 'demo/vendor') },
    pages: values.pages ?? join(root, 'demo/pages'),
    port,
    // The demo container's local URLs say :8080; they follow the port actually used.
    rewritePort: 8080,
    ...(values.key !== undefined && { key: values.key }),
  });
  io.out(`tagwarden serve: ${preview.origin}/  (container ${preview.containerId} v${preview.version})`);
  io.out(`signed for this origin with ${values.key ? values.key : 'a development key in .dev-keys/'}`);
  if (!values.pages) io.out(`live panel: ${preview.origin}/panel`);
  return 0;
}

/** `--pages` must be a folder: the server would otherwise start and answer 404 for every page. */
async function pagesFolder(path: string): Promise<void> {
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new InputError(`--pages ${path}: no such folder`);
  if (!s.isDirectory()) throw new InputError(`--pages ${path}: not a folder`);
}
