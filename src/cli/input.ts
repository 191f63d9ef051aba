/**
 * What every CLI command shares about its files: the two user-error kinds (usage, exit 2; invalid
 * input, exit 1), reading a JSON file strictly (UTF-8, no BOM), each problem as one line, and writing
 * an output file atomically, never over one of the command's inputs.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** A usage mistake: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}
/** An input that is unreadable, invalid or fails verification: printed as is, exit code 1. */
export class InputError extends Error {}

/** The bytes of `path`, or an InputError saying in one line why not. */
export async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code})`);
  }
}

/** Decodes file bytes as strict UTF-8 JSON without a BOM, or explains in one line. */
export function parseJson(path: string, bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InputError(`${path}: (root): not valid UTF-8`);
  }
  if (text.charCodeAt(0) === 0xfeff) {
    throw new InputError(`${path}: (root): starts with a byte order mark; save it as UTF-8 without BOM`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: (root): invalid JSON: ${jsonErrorMessage(text, (e as Error).message)}`);
  }
}

/**
 * JSON.parse's message with the line and column of its "at position N" (a UTF-16 offset), which an editor can
 * jump to. Newer Node versions add "(line L column C)" themselves: that is replaced, never doubled.
 */
function jsonErrorMessage(text: string, message: string): string {
  const bare = message.replace(/ \(line \d+ column \d+\)$/, '');
  const at = / at position (\d+)/.exec(bare);
  if (!at) return bare;
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${bare} (line ${line}, column ${column})`;
}

/**
 * Writes `text` to `path` through a temporary file in the same folder and a rename, so that a crash or a full
 * disk never leaves a truncated file where a published one was. Refuses a `path` that is one of `inputs` (the
 * container read, a key file): `--out` must not destroy what the command reads.
 */
export async function writeOutput(path: string, text: string, inputs: readonly string[] = []): Promise<void> {
  const to = resolve(path);
  const same = inputs.find((p) => resolve(p) === to);
  if (same !== undefined)
    throw new InputError(`--out ${path} is also an input (${same}); choose another file`);
  await mkdir(dirname(to), { recursive: true });
  const tmp = `${to}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, to);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
