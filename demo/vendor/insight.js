// A stand-in third-party vendor script for the demo and the browser tests ("Insight Tag").
// tagwarden loads it pinned by SRI; it reports to the collector on its own origin and keeps a
// campaign marker in localStorage, which tagwarden deletes when the visitor withdraws consent.
(() => {
  // A page may clobber document.currentScript (<form name="currentScript">): find our element safely.
  const current = Object.getOwnPropertyDescriptor(Document.prototype, 'currentScript').get.call(document);
  const origin = new URL(current ? current.src : location.href).origin;
  const send = (body) =>
    fetch(`${origin}/collect/insight`, {
      method: 'POST',
      body: JSON.stringify(body),
      keepalive: true,
      mode: 'cors',
    });
  window.insight = {
    partner: undefined,
    init(partner) {
      this.partner = partner;
      const campaign = new URLSearchParams(location.search).get('utm_campaign') || 'direct';
      localStorage.setItem('insight_campaign', campaign);
    },
    track(event, data) {
      send({ partner: this.partner, event, data, campaign: localStorage.getItem('insight_campaign') });
    },
  };
})();
