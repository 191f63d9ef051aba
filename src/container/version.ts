/**
 * The container schema version, apart from the schema so that the runtime's core can check it
 * without loading zod.
 */

/** The schema version this code reads and writes; a container with another version is refused. */
export const SCHEMA_VERSION = 1;
