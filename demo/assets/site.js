// The demo site's own script: pushes the events a real shop would, and reports what tagwarden
// decides to the demo server (/collect/demo-log) so that the live panel can show it.
const page = document.body.dataset.page;
const dl = window.dataLayer;
const log = (type, record) =>
  navigator.sendBeacon(
    '/collect/demo-log',
    JSON.stringify({ type, page: location.pathname, record, time: Date.now() }),
  );

const tw = window.tagwarden;
if (tw) {
  for (const type of ['ready', 'consent', 'tag', 'error', 'queue']) tw.on(type, (r) => log(type, r));
}

const product = { item_id: 'SKU-42', item_name: 'Konsulttimme, molnarkitekt', price: 1490, quantity: 1 };
dl.push({ page: { type: page }, device: matchMedia('(max-width: 600px)').matches ? 'mobile' : 'desktop' });
dl.push({ event: 'page_view' });

if (page === 'product') {
  dl.push({ ecommerce: null });
  dl.push({
    event: 'view_item',
    lastViewed: 'cloud',
    ecommerce: { currency: 'SEK', value: 1490, items: [product] },
  });
  document.getElementById('add').addEventListener('click', () => {
    const quantity = Number(document.getElementById('qty').value) || 1;
    dl.push({ ecommerce: null });
    dl.push({
      event: 'add_to_cart',
      ecommerce: { currency: 'SEK', value: 1490 * quantity, items: [{ ...product, quantity }] },
    });
  });
}
if (page === 'checkout') {
  dl.push({ ecommerce: null });
  dl.push({
    event: 'begin_checkout',
    ecommerce: { currency: 'SEK', value: 11920, items: [{ ...product, quantity: 8 }] },
  });
  document.getElementById('buy').addEventListener('click', () => {
    dl.push({ ecommerce: null });
    dl.push({
      event: 'purchase',
      ecommerce: {
        transaction_id: `T-${Date.now()}`,
        currency: 'SEK',
        value: 11920,
        items: [{ ...product, quantity: 8 }],
      },
    });
    document.getElementById('thanks').hidden = false;
  });
}
if (page === 'home') {
  // The personalisation tag publishes its choice as a dataLayer event; show the chosen offer.
  const offers = {
    'offer-cloud': 'Erbjudande: gratis molngenomgång',
    'offer-security': 'Erbjudande: säkerhetsgranskning till fast pris',
    'offer-ai': 'Erbjudande: AI-workshop för ledningsgruppen',
  };
  // The personalisation tag's choice, once it fired (tagwarden.personalization(slot) holds it).
  tw?.on('tag', (r) => {
    if (r.tagId !== 'hero-personalization' || r.status !== 'fired') return;
    const p = tw.personalization('home-hero');
    if (p && offers[p.actionId]) document.getElementById('hero-offer').textContent = offers[p.actionId];
  });
  document.getElementById('hero-link').addEventListener('click', () => dl.push({ event: 'hero_click' }));
}
