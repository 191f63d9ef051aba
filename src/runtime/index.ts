/**
 * The browser runtime's entry point, loaded by the snippet as a module script. Boots tagwarden
 * once per page (a second copy of the snippet does nothing); the rest is in boot.ts.
 */
import { boot } from './boot';

// An own property means tagwarden already booted; `<div id="tagwarden">` is not one.
if (!Object.getOwnPropertyDescriptor(window, 'tagwarden')) boot(import.meta.url);
