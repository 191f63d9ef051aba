/**
 * Key files on disk for the CLI: generates ECDSA P-256 key pairs, writes the private key (PKCS#8
 * PEM) with mode 0600 and never over an existing file, and reads keys back. Node only. Private key
 * material is never printed or put in an error message.
 */
import { existsSync } from 'node:fs';
import { chmod, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ECDSA_P256, importPublicKeys, keyIdOf, type PinnedKey, pemToDer } from '../container/keys';
import type { SigningKey } from '../container/sign';
import { toBase64 } from '../lib/base64';

/** Wraps DER bytes as PEM with the given label, 64 characters a line. */
export function toPem(der: Uint8Array, label: string): string {
  const b64 = toBase64(der).replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A new key pair: PEM texts, the public key as bare base64 SPKI (for the snippet) and its key id. */
export async function generateKeyPair(): Promise<{
  privatePem: string;
  publicPem: string;
  publicB64: string;
  keyid: string;
}> {
  const pair = await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  return {
    privatePem: toPem(pkcs8, 'PRIVATE KEY'),
    publicPem: toPem(spki, 'PUBLIC KEY'),
    publicB64: toBase64(spki),
    keyid: await keyIdOf(spki),
  };
}

/**
 * Writes a new key pair into `dir` as `<name>.key` (mode 0600) and `<name>.pub`. Refuses to overwrite
 * either file. Returns the paths, the key id and the public key.
 */
export async function writeKeyPair(dir: string, name = 'tagwarden') {
  const pair = await generateKeyPair();
  const privatePath = join(dir, `${name}.key`);
  const publicPath = join(dir, `${name}.pub`);
  // Check both first, so that a refusal never leaves half a new pair behind.
  for (const p of [privatePath, publicPath]) {
    if (existsSync(p)) throw new KeyFileError(`${p} exists; refusing to overwrite a key`);
  }
  try {
    await writeFile(privatePath, pair.privatePem, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new KeyFileError(`${privatePath} exists; refusing to overwrite a key`);
    throw e;
  }
  await chmod(privatePath, 0o600); // the umask may have narrowed it further, never widened: make it exact
  try {
    await writeFile(publicPath, pair.publicPem, { flag: 'wx' });
  } catch (e) {
    await unlink(privatePath); // never leave a private key whose public half was not written
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new KeyFileError(`${publicPath} exists; refusing to overwrite it`);
    throw e;
  }
  return { privatePath, publicPath, keyid: pair.keyid, publicPem: pair.publicPem, publicB64: pair.publicB64 };
}

/** A problem with a key file the user named: printed as one line, exit code 1. */
export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

/**
 * Reads a PKCS#8 PEM private key and derives its public half: the key id and `publicKey`, the base64 SPKI a
 * snippet pins (derived, never read from a file beside the key, which could be the private key itself).
 */
export async function readSigningKey(path: string): Promise<SigningKey & { publicKey: string }> {
  const der = pemToDer(await readFileOrExplain(path));
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey('pkcs8', der ?? new Uint8Array(), ECDSA_P256, true, ['sign']);
  } catch {
    throw new KeyFileError(`${path} is not an ECDSA P-256 private key in PKCS#8 PEM form`);
  }
  const { d: _private, ...jwk } = await crypto.subtle.exportKey('jwk', key);
  const pub = await crypto.subtle.importKey('jwk', { ...jwk, key_ops: ['verify'] }, ECDSA_P256, true, [
    'verify',
  ]);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pub));
  const signing = await crypto.subtle.importKey('pkcs8', der!, ECDSA_P256, false, ['sign']);
  return { keyid: await keyIdOf(spki), key: signing, publicKey: toBase64(spki) };
}

/**
 * Reads a public key file the user named (PEM or bare base64 SPKI) and imports it on its own, so that a bad
 * file is refused by name rather than dropped. Returns the base64 SPKI as given (for data-keys) and the imported
 * key (for verifying).
 */
export async function readPublicKey(path: string): Promise<{ base64: string; pinned: PinnedKey }> {
  const text = await readFileOrExplain(path);
  const der = pemToDer(text);
  const [pinned] = der ? await importPublicKeys([toBase64(der)]) : [];
  if (der && pinned) return { base64: toBase64(der), pinned };
  if (await isPrivateKey(text, der))
    throw new KeyFileError(`${path}: this is a private key; pass its .pub file`);
  throw new KeyFileError(`${path}: not an ECDSA P-256 public key (PEM or base64 SPKI)`);
}

/** A PEM labelled as a private key (PKCS#8, SEC 1, RSA…), or DER that imports as a P-256 PKCS#8 key. */
async function isPrivateKey(text: string, der: Uint8Array<ArrayBuffer> | undefined): Promise<boolean> {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return true;
  if (!der) return false;
  try {
    await crypto.subtle.importKey('pkcs8', der, ECDSA_P256, false, ['sign']);
    return true;
  } catch {
    return false;
  }
}

async function readFileOrExplain(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KeyFileError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code})`);
  }
}
