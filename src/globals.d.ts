/** True in development builds and tests; the shipped runtime is built with it false (dev-only checks removed). */
declare const __DEV__: boolean;
/** The identity of the schema check the runtime was built with (a hash of src/container/schema-program.ts). */
declare const __SCHEMA_ID__: string;
