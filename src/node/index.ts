/**
 * The Node API of the `tagwarden` package: validate, sign and verify containers, render the
 * snippet and generate the JSON Schema from scripts and build tools. Re-exports by name only.
 */
export { type EnvelopeJson, MAX_ENVELOPE_BYTES, PAYLOAD_TYPE } from '../container/envelope';
export { containerJsonSchema } from '../container/json-schema';
export { importPublicKeys, keyIdOf, type PinnedKey } from '../container/keys';
export type { Problem } from '../container/rules';
export { type Container, containerSchema, SCHEMA_VERSION, type Tag } from '../container/schema';
export { type SigningKey, signPayload } from '../container/sign';
export { checkContainer, type Validation, validateContainer } from '../container/validate';
export { type Verified, type VerifyOptions, verifyContainer } from '../container/verify';
export { type ErrorCode, TagwardenError } from '../lib/errors';
export { describe, messages } from '../lib/messages';
export { INLINE_SNIPPET } from '../snippet/inline';
export { renderSnippet, type SnippetOptions } from '../snippet/render';
export { generateKeyPair, readSigningKey, writeKeyPair } from './keyfiles';
