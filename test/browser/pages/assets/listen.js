// A page module placed after the snippet, as docs/runtime.md describes: it runs after the runtime's
// module and subscribes with tagwarden.on() for every record type. The container is applied only after
// the page's modules have run, so this sees every record of the page, those of the events the shop's
// classic script pushed before the runtime arrived included.
const seen = [];
window.__moduleRecords = seen;
for (const type of ['ready', 'error', 'consent', 'tag', 'queue'])
  window.tagwarden.on(type, (r) => seen.push({ type, detail: JSON.parse(JSON.stringify(r)) }));
