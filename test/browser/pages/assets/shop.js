// The example shop's own tracking code on its product page, loaded as a nonce'd external script
// (the strict CSP refuses inline ones): a page view, then GA4-style ecommerce events pushed to the
// dataLayer the snippet made. The page view's eventCallback counts its runs on <html data-*>.
(() => {
  const root = document.documentElement;
  const product = document.getElementById('product').dataset;
  const price = Number(product.price);
  const ecommerce = (quantity, extra) => ({
    currency: product.currency,
    value: price * quantity,
    items: [{ item_id: product.sku, item_name: product.name, price, quantity }],
    ...extra,
  });
  const quantity = () => Number(document.getElementById('quantity').value) || 1;
  let orders = 0;

  window.dataLayer.push({
    event: 'page_view',
    page: { type: 'product' },
    eventCallback(containerId) {
      root.dataset.pageViewCallbacks = String(Number(root.dataset.pageViewCallbacks ?? 0) + 1);
      root.dataset.pageViewContainer = containerId;
    },
  });
  // GA4 practice: clear the previous ecommerce object before each ecommerce event.
  window.dataLayer.push({ ecommerce: null });
  window.dataLayer.push({ event: 'view_item', ecommerce: ecommerce(1) });

  document.getElementById('add-to-cart').addEventListener('click', () => {
    window.dataLayer.push({ ecommerce: null });
    window.dataLayer.push({ event: 'add_to_cart', ecommerce: ecommerce(quantity()) });
  });
  document.getElementById('buy').addEventListener('click', () => {
    orders += 1;
    window.dataLayer.push({ ecommerce: null });
    window.dataLayer.push({
      event: 'purchase',
      ecommerce: ecommerce(quantity(), { transaction_id: `T-${1000 + orders}`, shipping: 0 }),
    });
  });
})();
