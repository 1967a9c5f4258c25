// Provisional stand-in for player/locate.js (written on the drive-steps branch) until that lands:
// `__reelLocate.resolve(locator, document)` for the strategies whose selector is a CSS selector
// (test-id, id, path) or plain text (text, placeholder, label, href). Replaced by locate.js.
(function () {
  'use strict';
  if (globalThis.__reelLocate) return;
  const interactive = 'a, button, input, select, textarea, label, summary, [role], [onclick], [tabindex]';
  function resolve(locator, doc) {
    const s = locator.selector;
    switch (locator.strategy) {
      case 'test-id':
      case 'id':
      case 'path':
        return Array.from(doc.querySelectorAll(s));
      case 'placeholder':
        return Array.from(doc.querySelectorAll('[placeholder]')).filter((e) => e.getAttribute('placeholder') === s);
      case 'href':
        return Array.from(doc.querySelectorAll('a[href]')).filter((e) => e.getAttribute('href') === s);
      case 'text':
      case 'role':
      case 'label':
        return Array.from(doc.querySelectorAll(interactive)).filter((e) => (e.textContent || '').trim() === s);
      default:
        return [];
    }
  }
  function resolveFirst(locators, doc) {
    for (let i = 0; i < locators.length; i++) {
      const found = resolve(locators[i], doc);
      if (found.length === 1) return { index: i, element: found[0] };
    }
    return null;
  }
  globalThis.__reelLocate = { resolve, resolveFirst };
})();
