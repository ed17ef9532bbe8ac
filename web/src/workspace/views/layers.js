// My department's layers (#/layers): for each, when it was last published and by whom or what,
// where its data comes from and when the next scheduled sync runs, open sync conflicts and
// staged imports waiting to be published or rejected. Each links to its layer view (layer.js).
import { clear, h } from '../dom.js';
import { count, facts, myLayers, when } from './publish/common.js';

const WAITING = 'validated';

async function layerState(ctx, collection) {
  const freshness = collection['geohub:freshness'] || {};
  const [imports, conflicts] = await Promise.all([
    ctx.api.get(`/collections/${encodeURIComponent(collection.id)}/imports?limit=50`).catch(() => null),
    freshness.conflict
      ? ctx.api.get(`/collections/${encodeURIComponent(collection.id)}/conflicts`).catch(() => null)
      : Promise.resolve({ conflicts: [] }),
  ]);
  const list = (imports && imports.imports) || [];
  return {
    waiting: list.filter((record) => record.status === WAITING),
    publishedBy: list.find((record) => record.publishedVersion && record.publishedVersion === freshness.version),
    conflicts: ((conflicts && conflicts.conflicts) || []).filter((c) => c.status === 'open'),
  };
}

export function publishedText(ctx, freshness, importRecord) {
  if (!freshness.published) return ctx.t('pub.never');
  const what = freshness.publishedBy ? ctx.t(`pub.publishedBy.${freshness.publishedBy}`) : '';
  const who = freshness.publishedBy === 'import' && importRecord && importRecord.user ? importRecord.user : '';
  const by = [what, who].filter(Boolean).join(', ');
  return by ? ctx.t('pub.publishedWhenBy', { when: when(ctx, freshness.published), by }) : when(ctx, freshness.published);
}

export function sourceText(ctx, freshness) {
  const source = freshness.source;
  if (!source) return ctx.t('pub.source.none');
  return source.schedule
    ? ctx.t('pub.source.scheduled', { source: source.label, next: when(ctx, freshness.nextSync) })
    : ctx.t('pub.source.manual', { source: source.label });
}

function layerCard(ctx, collection, state) {
  const freshness = collection['geohub:freshness'] || {};
  const href = `#/layers/${encodeURIComponent(collection.id)}`;
  const headingId = `pub-layer-${collection.id}`;
  const alerts = [];
  if (state.conflicts.length) {
    alerts.push(h('li', { class: 'pub-flag pub-flag-conflict' },
      h('a', { href }, ctx.t('pub.layers.conflicts', { n: state.conflicts.length }))));
  }
  if (state.waiting.length) {
    alerts.push(h('li', { class: 'pub-flag pub-flag-waiting' },
      h('a', { href }, ctx.t('pub.layers.waiting', { n: state.waiting.length }))));
  }
  return h('li', { class: 'pub-layer', 'data-layer': collection.id, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, h('a', { href }, collection.title || collection.id)),
    h('p', { class: 'pub-layer-id ws-code' }, collection.id),
    facts([
      [ctx.t('pub.features'), count(freshness.featureCount ?? collection.featureCount)],
      [ctx.t('pub.lastPublished'), publishedText(ctx, freshness, state.publishedBy)],
      [ctx.t('pub.source'), sourceText(ctx, freshness)],
      ctx.principal.role === 'admin' && collection.department
        ? [ctx.t('pub.department'), collection.department.name[ctx.lang] || collection.department.id] : [null, null],
    ]),
    alerts.length ? h('ul', { class: 'pub-flags' }, alerts) : h('p', { class: 'pub-calm' }, ctx.t('pub.layers.calm')));
}

export default {
  id: 'layers',
  routes: ['#/layers'],
  nav: { order: 10, text: 'pub.nav.layers', roles: ['publisher', 'admin'] },
  async render(ctx) {
    const department = ctx.principal.department
      ? ctx.config.departments[ctx.principal.department] || ctx.principal.department : '';
    ctx.main.append(h('h1', {}, ctx.t('pub.layers.title')));
    if (department) ctx.main.append(h('p', { class: 'ws-lead' }, department));
    const status = h('p', { class: 'ws-busy', role: 'status' }, ctx.t('ws.loading'));
    ctx.main.append(status);
    const layers = await myLayers(ctx);
    const states = await Promise.all(layers.map((layer) => layerState(ctx, layer)));
    clear(status);
    status.className = 'ws-visually-hidden';
    status.textContent = ctx.t('pub.layers.count', { n: layers.length });
    if (!layers.length) {
      ctx.main.append(h('p', {}, ctx.t('pub.layers.none')));
      return;
    }
    ctx.main.append(h('ul', { class: 'pub-layers' }, layers.map((layer, i) => layerCard(ctx, layer, states[i]))));
  },
};
