// Embeds the JSON-LD representation of the current page (pygeoapi's _base.html did this inline).
'use strict';
(function () {
  const request = new XMLHttpRequest();
  request.open('GET', `${window.location.pathname}?f=jsonld`);
  request.onload = function () {
    if (request.status !== 200) return;
    const block = document.createElement('script');
    block.type = 'application/ld+json';
    // search engines do not expect the full context path; pyld requires it
    block.textContent = request.responseText.replace('docs/jsonldcontext.jsonld', '');
    document.head.appendChild(block);
  };
  request.send();
})();
