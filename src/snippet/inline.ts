/**
 * The inline part of the snippet a site pastes into <head>: makes `window.dataLayer` an array
 * (reusing an existing one, replacing only a non-array such as a clobbering <div id="dataLayer">)
 * and records the start as the first event, `tagwarden.init`. Budget: ≤ 300 bytes gzip.
 */

/** The inline script's source, exactly as it appears in the snippet (no nonce, no markup). */
export const INLINE_SNIPPET =
  "(function(w,d){d=w.dataLayer;Array.isArray(d)||(d=w.dataLayer=[]);d.push({'tagwarden.start':Date.now(),event:'tagwarden.init'})})(window)";
