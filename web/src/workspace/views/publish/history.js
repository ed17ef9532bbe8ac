// A layer's history in the workspace: its open sync conflicts (take the source's data or keep
// mine), its stored versions with rollback (confirmed first), and its recent imports.
import { h } from '../../dom.js';
import { confirmAction, count, failureBlock, scrollTable, when } from './common.js';

/** The open sync conflicts of the layer, each with its two choices; null when there is none. */
export function conflictsSection(ctx, layer, conflicts, refresh) {
  const open = conflicts.filter((c) => c.status === 'open');
  if (!open.length) return null;
  const outcome = h('div', { 'aria-live': 'polite' });
  const items = open.map((conflict) => {
    const choose = async (choice, button) => {
      const yes = await confirmAction(ctx, {
        question: ctx.t(`pub.conflict.${choice}.question`),
        detail: ctx.t(`pub.conflict.${choice}.help`),
        confirm: ctx.t(`pub.conflict.${choice}`),
        danger: choice === 'take-source',
      });
      if (!yes) return;
      button.disabled = true;
      try {
        await ctx.api.post(`/collections/${encodeURIComponent(layer.id)}/conflicts/${conflict.id}/resolve`, { choice });
        ctx.announce(ctx.t('pub.conflict.resolved'));
        await refresh();
      } catch (error) {
        outcome.replaceChildren(failureBlock(ctx, error));
        button.disabled = false;
      }
    };
    const take = h('button', { type: 'button', class: 'ws-button ws-button-danger', 'data-choice': 'take-source' }, ctx.t('pub.conflict.take-source'));
    const keep = h('button', { type: 'button', class: 'ws-button', 'data-choice': 'keep-mine' }, ctx.t('pub.conflict.keep-mine'));
    take.addEventListener('click', () => choose('take-source', take));
    keep.addEventListener('click', () => choose('keep-mine', keep));
    return h('li', { class: 'ws-panel pub-conflict', 'data-conflict': String(conflict.id) },
      h('p', {}, conflict.message),
      h('p', { class: 'ws-hint' }, ctx.t('pub.conflict.detected', { when: when(ctx, conflict.detectedAt), import: conflict.import })),
      h('div', { class: 'ws-actions' }, take, keep));
  });
  return h('section', { class: 'pub-section pub-conflicts', 'aria-labelledby': 'pub-conflicts-title' },
    h('h2', { id: 'pub-conflicts-title' }, ctx.t('pub.conflicts.title', { n: open.length })),
    h('p', { class: 'ws-hint' }, ctx.t('pub.conflicts.intro')),
    h('ul', { class: 'pub-plain' }, items), outcome);
}

/** A version's note in the page language where its form is known ("import 19 (file.zip)",
 *  "feature.update by dana"), else as stored. */
function noteText(ctx, note) {
  const imported = /^import (\d+) \((.*)\)$/.exec(note || '');
  if (imported) return ctx.t('pub.versions.fromImport', { n: imported[1], source: imported[2] });
  const edited = /^feature\.\w+ by (.+)$/.exec(note || '');
  if (edited) return ctx.t('pub.versions.fromEdit', { user: edited[1] });
  return note || '';
}

/** The stored versions, newest first, each restorable but the current one and those staged by
 *  an import still waiting (those are published from their report, once read). */
export function versionsSection(ctx, layer, versions, imports, refresh) {
  const outcome = h('div', { 'aria-live': 'polite' });
  const staged = new Map(imports.filter((r) => r.status === 'validated').map((r) => [r.stagedVersion, r.id]));
  const rows = versions.map((version) => {
    let action = h('span', { class: 'pub-current' }, ctx.t('pub.versions.current'));
    if (!version.current && staged.has(version.version)) {
      action = h('span', {}, ctx.t('pub.versions.staged', { n: staged.get(version.version) }));
    } else if (!version.current) {
      action = h('button', {
        type: 'button', class: 'ws-button', 'data-version': String(version.version),
        id: `pub-restore-${version.version}`, 'aria-labelledby': `pub-restore-${version.version} pub-version-${version.version}`,
      }, ctx.t('pub.versions.restore'));
      action.addEventListener('click', async () => {
        const yes = await confirmAction(ctx, {
          question: ctx.t('pub.versions.question', { version: version.version }),
          detail: ctx.t('pub.versions.help', { features: count(version.featureCount) }),
          confirm: ctx.t('pub.versions.restoreNamed', { version: version.version }),
        });
        if (!yes) return;
        action.disabled = true;
        try {
          const published = await ctx.api.post(`/collections/${encodeURIComponent(layer.id)}/rollback`, { version: version.version });
          ctx.announce(ctx.t('pub.versions.restored', { version: published.version }));
          await refresh({ focus: 'versions' });
        } catch (error) {
          outcome.replaceChildren(failureBlock(ctx, error));
          action.disabled = false;
        }
      });
    }
    return h('tr', { 'data-version': String(version.version), 'data-current': String(Boolean(version.current)) },
      h('th', { scope: 'row', class: 'ws-number', id: `pub-version-${version.version}` }, String(version.version)),
      h('td', {}, when(ctx, version.createdAt)),
      h('td', { class: 'ws-number' }, count(version.featureCount)),
      h('td', {}, noteText(ctx, version.note)),
      h('td', {}, action));
  });
  return h('section', { class: 'pub-section', id: 'pub-versions', 'aria-labelledby': 'pub-versions-title' },
    h('h2', { id: 'pub-versions-title', tabindex: '-1' }, ctx.t('pub.versions.title')),
    scrollTable(ctx.t('pub.versions.title'), h('table', { class: 'ws-table pub-versions' },
      h('caption', { class: 'ws-visually-hidden' }, ctx.t('pub.versions.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, ctx.t('pub.versions.version')), h('th', { scope: 'col' }, ctx.t('pub.versions.created')),
        h('th', { scope: 'col' }, ctx.t('pub.features')), h('th', { scope: 'col' }, ctx.t('pub.versions.note')),
        h('th', { scope: 'col' }, ctx.t('pub.versions.action')))),
      h('tbody', {}, rows))),
    outcome);
}

/** The recent imports; a waiting (validated) or published one can be opened to read its report. */
export function importsSection(ctx, imports, open) {
  const rows = imports.slice(0, 10).map((record) => {
    const view = ['validated', 'published'].includes(record.status)
      ? h('button', {
        type: 'button', class: 'ws-button', id: `pub-open-${record.id}`, 'aria-labelledby': `pub-open-${record.id} pub-import-${record.id}`, onclick: () => open(record.id),
      }, ctx.t('pub.imports.open'))
      : '';
    return h('tr', { 'data-import': String(record.id), 'data-status': record.status },
      h('th', { scope: 'row', class: 'ws-number', id: `pub-import-${record.id}` }, String(record.id)),
      h('td', {}, when(ctx, record.createdAt)),
      h('td', {}, record.user || ''),
      h('td', { class: 'pub-source' }, record.source || ''),
      h('td', {}, ctx.t(`pub.status.${record.status}`)),
      h('td', {}, view));
  });
  return h('section', { class: 'pub-section', 'aria-labelledby': 'pub-imports-title' },
    h('h2', { id: 'pub-imports-title' }, ctx.t('pub.imports.title')),
    rows.length ? scrollTable(ctx.t('pub.imports.title'), h('table', { class: 'ws-table pub-imports' },
      h('caption', { class: 'ws-visually-hidden' }, ctx.t('pub.imports.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, '№'), h('th', { scope: 'col' }, ctx.t('pub.report.when')),
        h('th', { scope: 'col' }, ctx.t('pub.report.by')), h('th', { scope: 'col' }, ctx.t('pub.report.source')),
        h('th', { scope: 'col' }, ctx.t('pub.report.status')), h('th', { scope: 'col' }, ctx.t('pub.versions.action')))),
      h('tbody', {}, rows))) : h('p', {}, ctx.t('pub.imports.none')));
}
