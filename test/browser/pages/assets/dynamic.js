// Inserted by trusted-types.html; records which insertion (`?via=...`) loaded it.
{
  const root = document.documentElement;
  const via = new URL(document.currentScript.src).searchParams.get('via');
  root.dataset.loaded = [root.dataset.loaded, via].filter(Boolean).join(',');
}
