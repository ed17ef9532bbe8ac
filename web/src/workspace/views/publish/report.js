// An import's report, read before anything is published: the summary and counts, the layer's
// scheduled source, the columns (mapping each unmapped column to an attribute or ignoring it,
// optionally saved with the layer's source), the validation problems row by row (the server
// writes them in the page language), the keys added, changed and removed, the replace guard,
// the diff map, and publish or reject.
import { formatNumber, h } from '../../dom.js';
import { count, facts, failureBlock, scrollTable, when } from './common.js';
import { diffMap } from './diffmap.js';

const IGNORE = '__ignore__';
const KEYS_SHOWN = 30;

function columnsPart(ctx, record, attributes, upload, reupload) {
  const columns = record.columns || {};
  const unmapped = columns.unmapped || [];
  const part = h('section', { class: 'pub-part', 'aria-labelledby': 'pub-columns-title' },
    h('h3', { id: 'pub-columns-title' }, ctx.t('pub.columns.title')));
  const mapping = columns.mapping || {};
  if (Object.keys(mapping).length) {
    part.append(h('p', {}, ctx.t('pub.columns.renamed', {
      list: Object.entries(mapping).map(([column, attribute]) => `${column} → ${attribute}`).join(', '),
    })));
  }
  if (columns.ignored && columns.ignored.length) part.append(h('p', {}, ctx.t('pub.columns.ignored', { list: columns.ignored.join(', ') })));
  if (columns.unfilled && columns.unfilled.length) part.append(h('p', {}, ctx.t('pub.columns.unfilled', { list: columns.unfilled.join(', ') })));
  if (!unmapped.length) {
    part.append(h('p', { class: 'ws-ok' }, ctx.t('pub.columns.allMapped')));
    return { part, choices: () => ({ mapping: {}, ignore: [] }) };
  }
  if (columns.needsMapping) part.append(h('p', { class: 'ws-warning' }, ctx.t('pub.columns.needsMapping')));
  const selects = [];
  const rows = unmapped.map((entry, index) => {
    const id = `pub-map-${index}`;
    const suggested = (entry.suggestions || []).map((s) => s.attribute);
    const others = attributes.filter((a) => !suggested.includes(a));
    const select = h('select', { id, class: 'ws-input', 'data-column': entry.column, 'aria-describedby': `${id}-why` },
      h('option', { value: '' }, ctx.t('pub.columns.choose')),
      suggested.length ? h('optgroup', { label: ctx.t('pub.columns.suggested') }, suggested.map((a) => h('option', { value: a }, a))) : null,
      h('optgroup', { label: ctx.t('pub.columns.attributes') }, others.map((a) => h('option', { value: a }, a))),
      h('option', { value: IGNORE }, ctx.t('pub.columns.ignore')));
    if (suggested.length) select.value = suggested[0];
    selects.push(select);
    return h('tr', {},
      h('th', { scope: 'row' }, h('label', { for: id, class: 'ws-code' }, entry.column)),
      h('td', {}, select),
      h('td', { id: `${id}-why` }, entry.message || ''));
  });
  part.append(scrollTable(ctx.t('pub.columns.caption'), h('table', { class: 'ws-table pub-mapping' },
    h('caption', {}, ctx.t('pub.columns.caption')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ctx.t('pub.columns.column')), h('th', { scope: 'col' }, ctx.t('pub.columns.attribute')), h('th', { scope: 'col' }, ctx.t('pub.columns.why')))),
    h('tbody', {}, rows))));
  const save = h('input', { type: 'checkbox', id: 'pub-save-mapping' });
  part.append(h('div', { class: 'pub-check' }, save, h('label', { for: 'pub-save-mapping' }, ctx.t('pub.columns.save'))));
  const choices = () => {
    const chosen = { mapping: {}, ignore: [], saveMapping: save.checked };
    for (const select of selects) {
      if (select.value === IGNORE) chosen.ignore.push(select.dataset.column);
      else if (select.value) chosen.mapping[select.dataset.column] = select.value;
    }
    return chosen;
  };
  const apply = h('button', { type: 'button', class: 'ws-button ws-button-primary', id: 'pub-apply-mapping' }, ctx.t('pub.columns.apply'));
  const note = h('p', { class: 'ws-hint', id: 'pub-apply-note' }, upload.hasFile() ? ctx.t('pub.columns.applyHelp') : ctx.t('pub.columns.applyNeedsFile'));
  apply.setAttribute('aria-describedby', 'pub-apply-note');
  apply.addEventListener('click', async () => {
    if (!upload.hasFile()) {
      upload.focus();
      ctx.announce(ctx.t('pub.columns.applyNeedsFile'));
      return;
    }
    apply.disabled = true;
    try {
      await reupload(choices());
    } finally {
      apply.disabled = false;
    }
  });
  part.append(h('div', { class: 'ws-actions' }, apply), note);
  return { part, choices };
}

function problemsPart(ctx, record) {
  const problems = record.problems || [];
  const total = record.problemsTotal ?? problems.length;
  const part = h('section', { class: 'pub-part', 'aria-labelledby': 'pub-problems-title' },
    h('h3', { id: 'pub-problems-title' }, ctx.t('pub.problems.title')));
  if (!problems.length) {
    part.append(h('p', { class: 'ws-ok' }, ctx.t('pub.problems.none')));
    return { part, skip: () => false };
  }
  part.append(scrollTable(ctx.t('pub.problems.title'), h('table', { class: 'ws-table pub-problems' },
    h('caption', {}, ctx.t('pub.problems.caption', { n: total })),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, ctx.t('pub.problems.row')), h('th', { scope: 'col' }, ctx.t('pub.problems.key')),
      h('th', { scope: 'col' }, ctx.t('pub.problems.field')), h('th', { scope: 'col' }, ctx.t('pub.problems.reason')))),
    h('tbody', {}, problems.map((p) => h('tr', {},
      h('td', { class: 'ws-number' }, p.row), h('td', { class: 'ws-code' }, p.key || ''),
      h('td', { class: 'ws-code' }, p.field), h('td', {}, p.reason)))))));
  if (total > problems.length) part.append(h('p', { class: 'ws-hint' }, ctx.t('pub.problems.more', { n: total - problems.length })));
  const counts = record.counts || {};
  if (record.status !== 'validated' || !counts.invalid) return { part, skip: () => false };
  const box = h('input', { type: 'checkbox', id: 'pub-skip-invalid' });
  part.append(h('div', { class: 'pub-check' }, box,
    h('label', { for: 'pub-skip-invalid' }, ctx.t('pub.problems.skip', { valid: count(counts.valid), invalid: count(counts.invalid) }))));
  return { part, skip: () => box.checked };
}

function keysPart(ctx, record) {
  const keys = record.keys || { added: [], changed: [], removed: [] };
  const changes = record.changes || {};
  return h('section', { class: 'pub-part', 'aria-labelledby': 'pub-keys-title' },
    h('h3', { id: 'pub-keys-title' }, ctx.t('pub.keys.title')),
    ['added', 'changed', 'removed'].map((change) => {
      const list = keys[change] || [];
      const total = changes[change] ?? list.length;
      return h('details', { class: `pub-keys pub-keys-${change}`, 'data-change': change },
        h('summary', {}, ctx.t(`pub.diff.${change}.count`, { n: total })),
        list.length ? h('p', { class: 'ws-code pub-key-list' }, list.slice(0, KEYS_SHOWN).join(', ')) : h('p', {}, '—'),
        total > Math.min(list.length, KEYS_SHOWN) ? h('p', { class: 'ws-hint' }, ctx.t('pub.diff.more', { n: total - Math.min(list.length, KEYS_SHOWN) })) : null);
    }));
}

function guardPart(ctx, record) {
  const guard = record.guard;
  if (!guard || !guard.needsConfirmation) return { part: null, confirmed: () => false };
  const box = h('input', { type: 'checkbox', id: 'pub-confirm-removal', required: true });
  const percent = (share) => formatNumber(share * 100, { maximumFractionDigits: 1 });
  const part = h('section', { class: 'pub-part ws-warning pub-guard', 'aria-labelledby': 'pub-guard-title', role: 'group' },
    h('h3', { id: 'pub-guard-title' }, ctx.t('pub.guard.title')),
    h('p', {}, ctx.t('pub.guard.text', { removed: guard.removed, live: guard.live, share: percent(guard.removedShare), threshold: percent(guard.threshold) })),
    h('div', { class: 'pub-check' }, box, h('label', { for: 'pub-confirm-removal' }, ctx.t('pub.guard.confirm', { removed: guard.removed }))));
  return { part, confirmed: () => box.checked, focus: () => box.focus() };
}

/**
 * The report section of import `record` of layer `layer` (collection JSON). `attributes`: the
 * layer's attribute names. `upload`: the upload section (to send the file again with a mapping).
 * `done(kind)` runs after a publish or a reject.
 */
export async function reportSection(ctx, layer, record, { attributes, upload, reupload, done }) {
  const waiting = record.status === 'validated';
  const section = h('section', { class: 'pub-section pub-report', id: 'pub-report', 'aria-labelledby': 'pub-report-title', 'data-import': String(record.id), 'data-status': record.status });
  section.append(
    h('h2', { id: 'pub-report-title', tabindex: '-1' }, ctx.t('pub.report.title', { n: record.id })),
    h('p', { class: waiting ? 'ws-notice' : 'ws-ok', id: 'pub-report-message' }, record.message),
    facts([
      [ctx.t('pub.report.status'), ctx.t(`pub.status.${record.status}`)],
      [ctx.t('pub.report.source'), record.source],
      [ctx.t('pub.report.mode'), record.mode ? ctx.t(`pub.mode.${record.mode}`) : ''],
      [ctx.t('pub.report.by'), record.user || ''],
      [ctx.t('pub.report.when'), when(ctx, record.createdAt)],
      [ctx.t('pub.report.rows'), record.counts ? ctx.t('pub.report.rowsText', { read: count(record.counts.read), valid: count(record.counts.valid), invalid: count(record.counts.invalid) }) : ''],
    ]),
  );
  if (record.schedule && record.schedule.message) section.append(h('p', { class: 'ws-notice pub-schedule' }, record.schedule.message));
  const columns = columnsPart(ctx, record, attributes, upload, reupload);
  const guard = guardPart(ctx, record);
  const problems = problemsPart(ctx, record);
  section.append(columns.part, problems.part, keysPart(ctx, record));
  if (guard.part) section.append(guard.part);
  const mapPart = h('section', { class: 'pub-part', 'aria-labelledby': 'pub-diff-title' },
    h('h3', { id: 'pub-diff-title' }, ctx.t('pub.diff.title')));
  section.append(mapPart);
  try {
    if (record.stagedVersion && ['validated', 'published'].includes(record.status)) mapPart.append(await diffMap(ctx, layer.id, record.id));
    else mapPart.append(h('p', {}, ctx.t('pub.diff.gone')));
  } catch (error) {
    mapPart.append(failureBlock(ctx, error));
  }
  if (!waiting) return section;

  const outcome = h('div', { class: 'pub-outcome', 'aria-live': 'polite' });
  const publish = h('button', { type: 'button', class: 'ws-button ws-button-primary', id: 'pub-publish' }, ctx.t('pub.publish'));
  const reject = h('button', { type: 'button', class: 'ws-button ws-button-danger', id: 'pub-reject' }, ctx.t('pub.reject'));
  const base = `/collections/${encodeURIComponent(layer.id)}/imports/${record.id}`;
  publish.addEventListener('click', async () => {
    if (record.guard && record.guard.needsConfirmation && !guard.confirmed()) {
      outcome.replaceChildren(h('p', { class: 'ws-error', role: 'alert' }, ctx.t('pub.guard.required')));
      guard.focus();
      return;
    }
    const body = {};
    if (guard.confirmed()) body.confirmRemoval = true;
    if (problems.skip()) body.invalidRows = 'skip';
    const { ignore } = columns.choices();
    if (ignore.length) body.ignore = ignore;
    publish.disabled = true;
    reject.disabled = true;
    try {
      const published = await ctx.api.post(`${base}/publish`, body);
      ctx.announce(ctx.t('pub.published', { version: published.publishedVersion }));
      await done('published', published);
    } catch (error) {
      outcome.replaceChildren(failureBlock(ctx, error));
      publish.disabled = false;
      reject.disabled = false;
    }
  });
  reject.addEventListener('click', async () => {
    publish.disabled = true;
    reject.disabled = true;
    try {
      const rejected = await ctx.api.post(`${base}/reject`);
      ctx.announce(ctx.t('pub.rejected'));
      await done('rejected', rejected);
    } catch (error) {
      outcome.replaceChildren(failureBlock(ctx, error));
      publish.disabled = false;
      reject.disabled = false;
    }
  });
  section.append(h('div', { class: 'ws-actions pub-decide' }, publish, reject), outcome);
  return section;
}
