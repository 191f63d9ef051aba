// Loaded by csp-smoke.html as a nonce'd module script: marks that it ran.
document.documentElement.dataset.ran = '1';
