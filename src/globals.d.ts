/** True in development builds and tests; the shipped runtime is built with it false (dev-only checks removed). */
declare const __DEV__: boolean;
