// Demo page script: pushes realistic events and shows tagwarden's records as they happen.
const log = document.getElementById('log');
const show = (type, r) => {
  log.textContent += `${type} ${JSON.stringify(r)}\n`;
};
for (const type of ['ready', 'consent', 'tag', 'error', 'queue']) {
  addEventListener(`tagwarden:${type}`, (e) => show(type, e.detail));
}
window.dataLayer.push({ page: { type: 'home' } }, { event: 'page_view' });
document.getElementById('accept').addEventListener('click', () => window.tagwarden.consent.acceptAll());
document.getElementById('reject').addEventListener('click', () => window.tagwarden.consent.rejectAll());
document.getElementById('add').addEventListener('click', () =>
  window.dataLayer.push(
    { ecommerce: null },
    {
      event: 'add_to_cart',
      ecommerce: {
        currency: 'SEK',
        value: 1490,
        items: [{ item_id: 'SKU-42', item_name: 'Konsulttimme', price: 1490, quantity: 1 }],
      },
    },
  ),
);
