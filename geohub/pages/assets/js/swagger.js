// The OpenAPI page: Swagger UI over the document named in the page's data-openapi attribute.
'use strict';
window.addEventListener('load', () => {
  const element = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: element.dataset.openapi,
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  });
});
