// One layer of my department (#/layers/<id>): its freshness, open sync conflicts, an upload (drag
// and drop or a file button, the mode, a progress bar), the report of the import waiting to be
// published (columns to map, problems row by row, keys, the replace guard, the diff map, publish
// or reject), its versions with rollback and its recent imports.
import { h } from '../dom.js';
import { count, facts, failureBlock } from './publish/common.js';
import { conflictsSection, importsSection, versionsSection } from './publish/history.js';
import { reportSection } from './publish/report.js';
import { uploadSection } from './publish/upload.js';
import { publishedText, sourceText } from './layers.js';

async function load(ctx, id) {
  const base = `/collections/${encodeURIComponent(id)}`;
  const [layer, imports, versions, conflicts] = await Promise.all([
    ctx.api.get(`${base}?f=json`),
    ctx.api.get(`${base}/imports?limit=20`),
    ctx.api.get(`${base}/versions`),
    ctx.api.get(`${base}/conflicts`),
  ]);
  return {
    layer, imports: imports.imports || [], versions: versions.versions || [], conflicts: conflicts.conflicts || [],
  };
}

export default {
  id: 'layer',
  routes: ['#/layers/:id'],
  nav: null,
  roles: ['publisher', 'admin'],
  async render(ctx, { id }) {
    const base = `/collections/${encodeURIComponent(id)}`;
    const [schema, state] = await Promise.all([ctx.api.get(`${base}/schema`), load(ctx, id)]);
    const { layer } = state;
    const attributes = Object.entries(schema.properties || {})
      .filter(([, property]) => !property.format || !String(property.format).startsWith('geometry'))
      .map(([name]) => name);
    ctx.main.append(
      h('p', { class: 'pub-crumbs' }, h('a', { href: '#/layers' }, ctx.t('pub.layers.title'))),
      h('h1', {}, layer.title || id),
      h('p', { class: 'ws-lead' }, h('span', { class: 'ws-code' }, id), layer.description ? ` — ${layer.description}` : ''),
    );
    const summary = h('div', { id: 'pub-summary' });
    const conflictsSlot = h('div', { id: 'pub-conflicts-slot' });
    const reportSlot = h('div', { id: 'pub-report-slot' });
    const versionsSlot = h('div', { id: 'pub-versions-slot' });
    const importsSlot = h('div', { id: 'pub-imports-slot' });
    let shown = null; // the import whose report is shown

    function drawSummary(current) {
      const freshness = current.layer['geohub:freshness'] || {};
      const lastImport = current.imports.find((r) => r.publishedVersion && r.publishedVersion === freshness.version);
      summary.replaceChildren(facts([
        [ctx.t('pub.features'), count((current.versions.find((v) => v.current) || {}).featureCount)],
        [ctx.t('pub.versions.current'), String((current.versions.find((v) => v.current) || {}).version ?? '—')],
        [ctx.t('pub.lastPublished'), publishedText(ctx, freshness, lastImport)],
        [ctx.t('pub.source'), sourceText(ctx, freshness)],
      ]));
    }

    async function refresh({ focus = null } = {}) {
      const current = await load(ctx, id);
      drawSummary(current);
      conflictsSlot.replaceChildren(conflictsSection(ctx, layer, current.conflicts, refresh) || '');
      versionsSlot.replaceChildren(versionsSection(ctx, layer, current.versions, current.imports, refresh));
      importsSlot.replaceChildren(importsSection(ctx, current.imports, (importId) => openImport(importId)));
      if (focus === 'versions') versionsSlot.querySelector('h2').focus();
      return current;
    }

    async function showReport(record, { focus = true } = {}) {
      shown = record;
      const section = await reportSection(ctx, layer, record, {
        attributes,
        upload,
        reupload: async (choices) => {
          const previous = shown;
          const next = await upload.send(choices);
          // the import read without the mapping is superseded by the one read with it
          if (next && previous && previous.status === 'validated' && previous.id !== next.id) {
            await ctx.api.post(`${base}/imports/${previous.id}/reject`).catch(() => null);
            await refresh();
          }
        },
        done: async (kind, result) => {
          await refresh();
          await showReport(result);
          if (kind === 'rejected') reportSlot.querySelector('#pub-report-message').classList.replace('ws-ok', 'ws-notice');
        },
      });
      reportSlot.replaceChildren(section);
      if (focus) section.querySelector('h2').focus();
      ctx.announce(record.message);
    }

    async function openImport(importId) {
      try {
        await showReport(await ctx.api.get(`${base}/imports/${importId}`));
      } catch (error) {
        reportSlot.replaceChildren(failureBlock(ctx, error));
      }
    }

    const upload = uploadSection(ctx, id, async (record) => {
      await showReport(record);
      await refresh();
    });
    ctx.main.append(summary, conflictsSlot, upload.element, reportSlot, versionsSlot, importsSlot);
    drawSummary(state);
    conflictsSlot.replaceChildren(conflictsSection(ctx, layer, state.conflicts, refresh) || '');
    versionsSlot.replaceChildren(versionsSection(ctx, layer, state.versions, state.imports, refresh));
    importsSlot.replaceChildren(importsSection(ctx, state.imports, (importId) => openImport(importId)));
    const waiting = state.imports.find((record) => record.status === 'validated');
    if (waiting) {
      const full = await ctx.api.get(`${base}/imports/${waiting.id}`);
      await showReport(full, { focus: false });
    }
  },
};
