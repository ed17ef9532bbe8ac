// New layer proposals (#/proposals): my department's proposals with their status (an
// administrator sees every department's, those waiting for approval first), and "propose a new
// layer": a file dropped or chosen, uploaded with a progress bar, read by GeoHub into a draft
// that opens in the proposal view (proposal.js; their shared helpers are in proposal/common.js).
import { clear, formatDate, formatNumber, h } from '../dom.js';
import {
  departmentName, failure, isAdmin, proposalTitle, rememberUpload, statusBadge,
} from './proposal/common.js';

const LIST_ORDER = { submitted: 0, draft: 1, rejected: 2, approved: 3, withdrawn: 4 };

// ---- the list ----------------------------------------------------------------------------------

function proposalRow(ctx, proposal, { withDepartment }) {
  const title = proposalTitle(ctx, proposal);
  const link = h('a', {
    href: `#/proposals/${proposal.id}`,
    'aria-label': ctx.t('prop.open', { n: proposal.id, title }),
  }, title);
  const definition = proposal.definition || {};
  const file = proposal.file || {};
  // data-label: a narrow screen shows each row as a card, each value under its column's name
  const cells = [
    h('td', { class: 'ws-number prop-cell-number', 'data-label': ctx.t('prop.col.number') }, String(proposal.id)),
    h('th', { scope: 'row', 'data-label': ctx.t('prop.col.layer') },
      link, definition.id ? h('span', { class: 'prop-layer-id' }, definition.id) : null),
  ];
  if (withDepartment) {
    cells.push(h('td', { 'data-label': ctx.t('prop.col.department') }, departmentName(ctx, proposal.department)));
  }
  cells.push(
    h('td', { 'data-label': ctx.t('prop.col.status') }, statusBadge(ctx, proposal.status)),
    h('td', { class: 'ws-number', 'data-label': ctx.t('prop.col.features') },
      typeof file.features === 'number' ? formatNumber(file.features) : ''),
    h('td', { 'data-label': ctx.t('prop.col.proposedBy') }, proposal.proposedBy || ''),
    h('td', { 'data-label': ctx.t('prop.col.updated') }, formatDate(proposal.updated || proposal.created)),
  );
  return h('tr', { 'data-proposal': String(proposal.id), 'data-status': proposal.status }, ...cells);
}

function proposalTable(ctx, proposals, { caption, headingId, withDepartment }) {
  if (!proposals.length) return h('p', { class: 'prop-empty' }, ctx.t('prop.list.empty'));
  const headers = [ctx.t('prop.col.number'), ctx.t('prop.col.layer')];
  if (withDepartment) headers.push(ctx.t('prop.col.department'));
  headers.push(ctx.t('prop.col.status'), ctx.t('prop.col.features'), ctx.t('prop.col.proposedBy'),
    ctx.t('prop.col.updated'));
  return h('div', { class: 'ws-table-wrap' },
    h('table', { class: 'ws-table prop-table', 'aria-labelledby': headingId },
      caption ? h('caption', { class: 'ws-visually-hidden' }, caption) : null,
      h('thead', {}, h('tr', {}, ...headers.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, ...proposals.map((proposal) => proposalRow(ctx, proposal, { withDepartment })))));
}

function sorted(proposals) {
  return [...proposals].sort((a, b) => (LIST_ORDER[a.status] ?? 9) - (LIST_ORDER[b.status] ?? 9)
    || String(b.updated || '').localeCompare(String(a.updated || '')) || b.id - a.id);
}

function listSections(ctx, proposals) {
  const admin = isAdmin(ctx);
  const withDepartment = admin || ctx.principal.role === 'moderator';
  if (!admin) {
    return [h('section', { class: 'prop-section', 'aria-labelledby': 'prop-list-mine' },
      h('h2', { id: 'prop-list-mine' }, ctx.t('prop.list.mine')),
      proposalTable(ctx, sorted(proposals), { headingId: 'prop-list-mine', withDepartment }))];
  }
  const waiting = sorted(proposals.filter((proposal) => proposal.status === 'submitted'));
  const others = sorted(proposals.filter((proposal) => proposal.status !== 'submitted'));
  return [
    h('section', { class: 'prop-section prop-waiting', 'aria-labelledby': 'prop-list-waiting' },
      h('h2', { id: 'prop-list-waiting' }, ctx.t('prop.list.waiting'),
        h('span', { class: 'prop-badge-count' }, ` (${formatNumber(waiting.length)})`)),
      proposalTable(ctx, waiting, { headingId: 'prop-list-waiting', withDepartment })),
    h('section', { class: 'prop-section', 'aria-labelledby': 'prop-list-others' },
      h('h2', { id: 'prop-list-others' }, ctx.t('prop.list.others')),
      proposalTable(ctx, others, { headingId: 'prop-list-others', withDepartment })),
  ];
}

// ---- a new proposal from a file ------------------------------------------------------------------

/** The share uploaded, 0–100, from what an upload's progress callback gives. */
function percentOf(first, second) {
  if (first && typeof first === 'object' && 'loaded' in first) {
    return first.total ? (100 * first.loaded) / first.total : 0;
  }
  if (typeof second === 'number' && second > 0) return (100 * first) / second;
  if (typeof first === 'number') return first <= 1 ? first * 100 : first;
  return 0;
}

function departmentPicker(ctx) {
  const names = (ctx.config && ctx.config.departments) || {};
  const ids = Object.keys(names).sort((a, b) => names[a].localeCompare(names[b]));
  if (!ids.length) return null;
  const select = h('select', { id: 'prop-new-department', name: 'department' },
    h('option', { value: '' }, ctx.t('prop.new.departmentNone')),
    ...ids.map((id) => h('option', { value: id }, names[id])));
  if (ctx.principal.department && names[ctx.principal.department]) select.value = ctx.principal.department;
  const error = h('p', { class: 'prop-field-error', id: 'prop-new-department-error', hidden: true });
  const field = h('div', { class: 'ws-field prop-department' },
    h('label', { for: 'prop-new-department' }, ctx.t('prop.new.department')), select, error);
  return {
    field,
    /** The chosen department's id; none chosen: said beside the select, which takes the focus. */
    chosen() {
      error.hidden = Boolean(select.value);
      if (select.value) {
        select.removeAttribute('aria-invalid');
        select.removeAttribute('aria-describedby');
        return select.value;
      }
      error.textContent = ctx.t('prop.new.departmentMissing');
      select.setAttribute('aria-invalid', 'true');
      select.setAttribute('aria-describedby', error.id);
      select.focus();
      return null;
    },
  };
}

function newProposalSection(ctx) {
  const input = h('input', {
    type: 'file', id: 'prop-file', name: 'file', hidden: true, accept: '.gpkg,.geojson,.json,.zip,.kml,.csv',
  });
  const chooseButton = h('button', {
    type: 'button', class: 'ws-button prop-choose', 'aria-describedby': 'prop-formats',
    onclick: () => input.click(),
  }, ctx.t('prop.new.choose'));
  const zone = h('div', { class: 'prop-drop', 'data-state': 'idle' },
    h('p', { class: 'prop-drop-text' }, ctx.t('prop.new.drop')),
    h('p', { class: 'prop-drop-or' }, ctx.t('prop.new.or')),
    chooseButton,
    h('p', { class: 'ws-hint', id: 'prop-formats' }, ctx.t('prop.new.formats')),
    input);
  const bar = h('progress', { id: 'prop-progress', max: '100', value: '0', 'aria-labelledby': 'prop-progress-label' });
  const progressText = h('span', { id: 'prop-progress-label' }, ctx.t('prop.new.progress'));
  const progress = h('div', { class: 'prop-progress', hidden: true }, progressText, bar);
  const status = h('p', { class: 'prop-upload-status', role: 'status', 'aria-live': 'polite' });
  const picker = isAdmin(ctx) ? departmentPicker(ctx) : null;
  let busy = false;

  async function send(file) {
    if (busy || !file) return;
    const department = picker ? picker.chosen() : null;
    if (picker && !department) {
      input.value = ''; // the same file can be chosen again once the department is
      return;
    }
    busy = true;
    zone.dataset.state = 'busy';
    chooseButton.disabled = true;
    status.className = 'prop-upload-status';
    status.textContent = '';
    progress.hidden = false;
    bar.value = 0;
    progressText.textContent = ctx.t('prop.new.uploading', { name: file.name, percent: formatNumber(0) });
    const form = new FormData();
    form.append('file', file, file.name);
    if (department) form.append('department', department);
    let lastSaid = 0;
    try {
      const proposal = await ctx.api.upload('/layer-proposals', form, (first, second) => {
        const percent = Math.max(0, Math.min(100, Math.round(percentOf(first, second))));
        bar.value = percent;
        progressText.textContent = percent >= 100
          ? ctx.t('prop.new.reading')
          : ctx.t('prop.new.uploading', { name: file.name, percent: formatNumber(percent) });
        if (percent - lastSaid >= 50 || (percent === 100 && lastSaid < 100)) {
          lastSaid = percent;
          status.textContent = progressText.textContent;
        }
      });
      bar.value = 100;
      rememberUpload(ctx, proposal.id, file);
      const done = ctx.t('prop.new.done', { n: proposal.id });
      status.textContent = done;
      ctx.announce(done);
      ctx.navigate(`#/proposals/${proposal.id}`);
    } catch (error) {
      progress.hidden = true;
      status.className = 'prop-upload-status prop-error-text';
      const detail = (error && error.problem && error.problem.detail) || (error && error.message) || '';
      status.textContent = ctx.t('prop.new.failed', { detail });
      chooseButton.focus();
    } finally {
      busy = false;
      zone.dataset.state = 'idle';
      chooseButton.disabled = false;
      input.value = '';
    }
  }

  input.addEventListener('change', () => send(input.files[0]));
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (!busy) zone.dataset.state = 'over';
  });
  zone.addEventListener('dragleave', () => {
    if (!busy) zone.dataset.state = 'idle';
  });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    const files = event.dataTransfer ? [...event.dataTransfer.files] : [];
    if (files.length !== 1) {
      zone.dataset.state = 'idle';
      status.textContent = ctx.t('prop.new.oneFile');
      return;
    }
    send(files[0]);
  });

  return h('section', { class: 'prop-section prop-new', 'aria-labelledby': 'prop-new-title' },
    h('h2', { id: 'prop-new-title' }, ctx.t('prop.new.title')),
    h('p', {}, ctx.t('prop.new.intro')),
    picker ? picker.field : null,
    zone,
    progress,
    status);
}

// ---- the view ------------------------------------------------------------------------------------

export default {
  id: 'proposals',
  routes: ['#/proposals'],
  nav: { order: 50, text: 'prop.nav', roles: ['publisher', 'admin'] },

  async render(ctx) {
    ctx.setTitle(ctx.t('prop.list.title'));
    const main = ctx.main;
    main.append(
      h('h1', { tabindex: '-1' }, ctx.t('prop.list.title')),
      h('p', { class: 'prop-intro' }, ctx.t(isAdmin(ctx) ? 'prop.list.introAdmin' : 'prop.list.intro')),
    );
    const canPropose = ['publisher', 'admin'].includes(ctx.principal.role);
    const listBox = h('div', { class: 'prop-lists', 'aria-busy': 'true' },
      h('p', { class: 'prop-loading' }, ctx.t('prop.list.loading')));
    // an administrator reviews first; a publisher proposes first
    if (isAdmin(ctx)) main.append(listBox, canPropose ? newProposalSection(ctx) : null);
    else main.append(canPropose ? newProposalSection(ctx) : null, listBox);
    try {
      const answer = await ctx.api.get('/layer-proposals');
      clear(listBox);
      listBox.append(...listSections(ctx, answer.proposals || []));
    } catch (error) {
      clear(listBox);
      listBox.append(h('p', { class: 'prop-error-text', role: 'alert' }, failure(ctx, error)));
    } finally {
      listBox.removeAttribute('aria-busy');
    }
  },
};
