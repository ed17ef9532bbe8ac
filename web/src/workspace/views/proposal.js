// One new layer proposal (#/proposals/<n>): the definition form (id, titles and descriptions in
// kk/ru/en, keywords, the schema as a table, the key, access, style template and colour with a
// live preview, licence and attribution), the server's 422 errors beside each field and in a
// summary linking to them, save, submit and withdraw; for an administrator, approve or reject,
// then links to the new layer on the map and to its collection page.
import { clear, formatDate, formatNumber, h } from '../dom.js';
import {
  departmentName, failure, isAdmin, proposalTitle, statusBadge,
} from './proposal/common.js';
import { errorLinks } from './proposal/fields.js';
import { definitionForm } from './proposal/form.js';

const EDITABLE = new Set(['draft', 'rejected']);
const WITHDRAWABLE = new Set(['draft', 'submitted', 'rejected']);

/** A publisher of the proposal's department (or an admin, for editing). */
function ownDepartment(ctx, proposal, { admins = true } = {}) {
  if (admins && isAdmin(ctx)) return true;
  return ['publisher', 'admin'].includes(ctx.principal.role) && ctx.principal.department === proposal.department;
}

// ---- parts of the page -----------------------------------------------------------------------------

function metaList(ctx, proposal) {
  const file = proposal.file || {};
  const rows = [
    ['prop.meta.status', statusBadge(ctx, proposal.status)],
    ['prop.meta.department', departmentName(ctx, proposal.department)],
    ['prop.meta.proposedBy', proposal.proposedBy],
    ['prop.meta.created', formatDate(proposal.created)],
    ['prop.meta.updated', formatDate(proposal.updated)],
    ['prop.meta.file', file.name ? ctx.t('prop.meta.fileSummary', {
      name: file.name, n: typeof file.features === 'number' ? formatNumber(file.features) : '?',
    }) : null],
  ];
  if (proposal.decidedBy) {
    rows.push(['prop.decide.title', `${proposal.decidedBy}, ${formatDate(proposal.decided)}`]);
  }
  return h('dl', { class: 'prop-meta', 'aria-label': ctx.t('prop.meta.label') },
    rows.filter(([, value]) => value).map(([key, value]) => h('div', {}, h('dt', {}, ctx.t(key)), h('dd', {}, value))));
}

function mapLink(ctx, proposal) {
  const layer = proposal.layer;
  const bbox = (proposal.file || {}).bbox;
  let place = '';
  if (Array.isArray(bbox) && bbox.length >= 4) {
    const lon = (bbox[0] + bbox[2]) / 2;
    const lat = (bbox[1] + bbox[3]) / 2;
    const span = Math.max(bbox[2] - bbox[0], bbox[3] - bbox[1], 0.002);
    const zoom = Math.max(10, Math.min(16, Math.floor(Math.log2(360 / span))));
    place = `map=${zoom}/${lat.toFixed(5)}/${lon.toFixed(5)}&`;
  }
  return `${ctx.config.urls.map}#${place}layers=${encodeURIComponent(layer)}`;
}

function approvedLinks(ctx, proposal) {
  const base = ctx.config.urls.api || '';
  return h('section', { class: 'prop-section prop-links', 'aria-labelledby': 'prop-links' },
    h('h2', { id: 'prop-links' }, ctx.t('prop.links.title')),
    h('ul', {},
      h('li', {}, h('a', { href: mapLink(ctx, proposal), id: 'prop-map-link' },
        ctx.t('prop.links.map', { title: proposalTitle(ctx, proposal) }))),
      h('li', {}, h('a', { href: `${base}/collections/${encodeURIComponent(proposal.layer)}?f=html`, id: 'prop-collection-link' },
        ctx.t('prop.links.collection')))));
}

// ---- errors, what still blocks submitting, and running an action ----------------------------------

/** Where the page says what went wrong: each 422 error beside its field and in a summary at the
 *  top whose links move the focus there; what still blocks submitting; a status line. */
function feedback(ctx, registry) {
  const summary = h('div', { class: 'prop-error-summary', id: 'prop-error-summary', tabindex: '-1', hidden: true });
  const problems = h('div', { class: 'prop-problems', id: 'prop-problems' });
  const status = h('p', { class: 'prop-action-status', role: 'status', 'aria-live': 'polite' });
  return {
    summary,
    problems,
    status,
    showProblems(list) {
      clear(problems);
      if (!list || !list.length) return;
      problems.append(h('h2', { id: 'prop-problems-title' }, ctx.t('prop.problems.title')),
        h('p', {}, ctx.t('prop.problems.intro')), errorLinks(ctx, registry, list));
    },
    showErrors(errors, detail) {
      const shown = registry.showErrors(errors);
      clear(summary);
      summary.append(h('h2', { id: 'prop-error-summary-title' }, ctx.t('prop.errors.title', { n: Math.max(shown.length, 1) })));
      summary.append(shown.length ? errorLinks(ctx, registry, shown) : h('p', {}, detail));
      summary.hidden = false;
      problems.hidden = true; // the summary lists every problem the server found
      summary.focus();
    },
    clearErrors() {
      registry.clearErrors();
      clear(summary);
      summary.hidden = true;
      problems.hidden = false;
    },
  };
}

/** `attempt(button, busyText, action, line)`: runs `action` with the page's buttons disabled; a
 *  422's errors go beside their fields, any other failure into the status `line`; null then. */
function attempter(ctx, main, said) {
  return async function attempt(button, busyText, action, line = said.status) {
    const buttons = [...main.querySelectorAll('.prop-actions button')];
    buttons.forEach((each) => { each.disabled = true; });
    const label = button.textContent;
    if (busyText) button.textContent = busyText;
    line.className = 'prop-action-status';
    line.textContent = busyText || '';
    try {
      return await action();
    } catch (error) {
      if (error && error.status === 401) throw error;
      const errors = (error && error.problem && Array.isArray(error.problem.errors)) ? error.problem.errors : [];
      if (error && error.status === 422 && errors.length) {
        line.textContent = '';
        said.showErrors(errors, failure(ctx, error));
      } else {
        line.className = 'prop-action-status ws-error';
        line.textContent = failure(ctx, error);
      }
      return null;
    } finally {
      button.textContent = label;
      buttons.forEach((each) => { each.disabled = false; });
    }
  };
}

// ---- the view ----------------------------------------------------------------------------------------

function viewTitle(ctx, proposal) {
  return ctx.t('prop.view.title', { n: proposal.id, title: proposalTitle(ctx, proposal) });
}

/** The proposal, or null when it cannot be read (said under the heading). */
async function loadProposal(ctx, number, heading) {
  try {
    return await ctx.api.get(`/layer-proposals/${encodeURIComponent(number)}`);
  } catch (error) {
    if (error && error.status === 401) throw error;
    heading.textContent = ctx.t('prop.list.title');
    const detail = (error && error.problem && error.problem.detail) || (error && error.message) || '';
    ctx.main.append(h('p', { class: 'ws-error', role: 'alert' }, ctx.t('prop.loadFailed', { detail })));
    return null;
  }
}

/** What is known about the proposal above its form: who, when, the file; a rejection's reason, an
 *  approved layer's links, or why it can no longer be changed. */
function proposalHeader(ctx, proposal, editable) {
  const parts = [metaList(ctx, proposal)];
  if (proposal.status === 'rejected' && proposal.reason) {
    parts.push(h('div', { class: 'ws-warning prop-reason' },
      h('p', {}, h('strong', {}, `${ctx.t('prop.meta.reason')}: `), h('span', { id: 'prop-reason-text' }, proposal.reason))));
  }
  if (proposal.status === 'approved' && proposal.layer) parts.push(approvedLinks(ctx, proposal));
  if (!editable) {
    parts.push(h('p', { class: 'ws-notice' },
      ctx.t(proposal.status === 'submitted' ? 'prop.readonlySubmitted' : 'prop.readonly')));
  }
  return parts;
}

/** Save and submit: the draft's buttons. `state.proposal` follows what the server answers. */
function editButtons(ctx, state, { definition, said, attempt, heading }) {
  const saveButton = h('button', { type: 'submit', class: 'ws-button', id: 'prop-save' }, ctx.t('prop.save'));
  const submitButton = h('button', { type: 'button', class: 'ws-button ws-button-primary', id: 'prop-submit' }, ctx.t('prop.submit'));

  async function save() {
    const saved = await ctx.api.put(`/layer-proposals/${state.proposal.id}`, { definition: definition.collect() });
    state.proposal = saved;
    said.clearErrors();
    said.showProblems(saved.problems);
    heading.textContent = viewTitle(ctx, saved);
    ctx.setTitle(heading.textContent);
    return saved;
  }

  definition.form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (await attempt(saveButton, ctx.t('prop.saving'), save)) {
      said.status.textContent = ctx.t('prop.saved');
      ctx.announce(ctx.t('prop.saved'));
    }
  });
  submitButton.addEventListener('click', async () => {
    const submitted = await attempt(submitButton, ctx.t('prop.saving'), async () => {
      await save();
      return ctx.api.post(`/layer-proposals/${state.proposal.id}/submit`, {});
    });
    if (submitted) {
      ctx.navigate(`#/proposals/${submitted.id}`);
      ctx.announce(ctx.t('prop.submitted'));
    }
  });
  return [saveButton, submitButton];
}

async function renderProposal(ctx, number) {
  const main = ctx.main;
  const heading = h('h1', { tabindex: '-1' }, ctx.t('prop.loading'));
  main.append(h('p', { class: 'prop-back' }, h('a', { href: '#/proposals' }, ctx.t('prop.back'))), heading);
  const proposal = await loadProposal(ctx, number, heading);
  if (!proposal) return;
  heading.textContent = viewTitle(ctx, proposal);
  ctx.setTitle(heading.textContent);

  const editable = EDITABLE.has(proposal.status) && ownDepartment(ctx, proposal);
  const definition = await definitionForm(ctx, proposal, { editable, legend: heading.textContent });
  const said = feedback(ctx, definition.registry);
  const attempt = attempter(ctx, main, said);
  main.append(said.summary, ...proposalHeader(ctx, proposal, editable));
  if (editable) {
    main.append(said.problems);
    said.showProblems(proposal.problems);
  }
  main.append(definition.form);
  definition.startPreview();

  const state = { proposal };
  const actions = h('div', { class: 'prop-actions', role: 'group', 'aria-label': ctx.t('prop.actions') });
  if (editable) actions.append(...editButtons(ctx, state, { definition, said, attempt, heading }));
  // an admin withdraws the proposals they made; another department's they reject, with a reason
  const mine = ownDepartment(ctx, proposal, { admins: false }) || proposal.proposedBy === ctx.principal.user;
  if (WITHDRAWABLE.has(proposal.status) && mine) actions.append(withdrawControl(ctx, proposal, attempt));
  if (actions.childNodes.length) definition.form.append(actions);
  definition.form.append(said.status);
  if (isAdmin(ctx) && proposal.status === 'submitted') main.append(decisionSection(ctx, proposal, attempt));
}

function withdrawControl(ctx, proposal, attempt) {
  const box = h('div', { class: 'prop-withdraw' });
  const start = h('button', { type: 'button', class: 'ws-button ws-button-danger', id: 'prop-withdraw' }, ctx.t('prop.withdraw'));
  const question = h('div', { class: 'prop-confirm', hidden: true, tabindex: '-1', role: 'group', 'aria-labelledby': 'prop-withdraw-question' },
    h('p', { id: 'prop-withdraw-question' }, ctx.t('prop.withdraw.confirm')));
  const yes = h('button', { type: 'button', class: 'ws-button ws-button-danger', id: 'prop-withdraw-yes' }, ctx.t('prop.withdraw.yes'));
  const no = h('button', { type: 'button', class: 'ws-button', id: 'prop-withdraw-no' }, ctx.t('prop.withdraw.no'));
  question.append(h('p', { class: 'prop-confirm-buttons' }, yes, ' ', no));
  start.addEventListener('click', () => {
    start.hidden = true;
    question.hidden = false;
    yes.focus();
  });
  no.addEventListener('click', () => {
    question.hidden = true;
    start.hidden = false;
    start.focus();
  });
  yes.addEventListener('click', async () => {
    const done = await attempt(yes, null, async () => {
      await ctx.api.delete(`/layer-proposals/${proposal.id}`);
      return true;
    });
    if (done) {
      ctx.navigate('#/proposals');
      ctx.announce(ctx.t('prop.withdrawn'));
    }
  });
  box.append(start, question);
  return box;
}

function decisionSection(ctx, proposal, attempt) {
  const reason = h('textarea', { id: 'prop-reject-reason', rows: '3', 'aria-describedby': 'prop-reject-reason-hint' });
  const reasonError = h('p', { class: 'prop-field-error', id: 'prop-reject-reason-error', hidden: true });
  const approve = h('button', { type: 'button', class: 'ws-button ws-button-primary', id: 'prop-approve' }, ctx.t('prop.approve'));
  const reject = h('button', { type: 'button', class: 'ws-button ws-button-danger', id: 'prop-reject' }, ctx.t('prop.reject'));
  const status = h('p', { class: 'prop-action-status', role: 'status', 'aria-live': 'polite' });
  const section = h('section', { class: 'prop-section prop-decision', 'aria-labelledby': 'prop-decision' },
    h('h2', { id: 'prop-decision' }, ctx.t('prop.decide.title')),
    h('div', { class: 'prop-actions' }, approve),
    h('div', { class: 'ws-field prop-field' },
      h('label', { for: 'prop-reject-reason' }, ctx.t('prop.reason')),
      h('p', { class: 'ws-hint', id: 'prop-reject-reason-hint' }, ctx.t('prop.reason.hint')),
      reason, reasonError),
    h('div', { class: 'prop-actions' }, reject),
    status);

  function decided(answer, text) {
    if (!answer) return;
    ctx.navigate(`#/proposals/${proposal.id}`);
    ctx.announce(text);
  }
  const run = (button, busy, action) => attempt(button, busy, action, status);
  approve.addEventListener('click', async () => {
    const answer = await run(approve, ctx.t('prop.approving'), () => ctx.api.post(`/layer-proposals/${proposal.id}/approve`, {}));
    decided(answer, answer ? ctx.t('prop.approved', { id: answer.layer }) : '');
  });
  reject.addEventListener('click', async () => {
    const text = reason.value.trim();
    if (!text) {
      reasonError.textContent = ctx.t('prop.reason.required');
      reasonError.hidden = false;
      reason.setAttribute('aria-invalid', 'true');
      reason.setAttribute('aria-describedby', 'prop-reject-reason-error prop-reject-reason-hint');
      reason.focus();
      return;
    }
    reasonError.hidden = true;
    reason.removeAttribute('aria-invalid');
    reason.setAttribute('aria-describedby', 'prop-reject-reason-hint');
    const answer = await run(reject, null, () => ctx.api.post(`/layer-proposals/${proposal.id}/reject`, { reason: text }));
    decided(answer, ctx.t('prop.rejected'));
  });
  return section;
}

export default {
  id: 'proposal',
  routes: ['#/proposals/:n'],
  roles: ['publisher', 'admin'],
  nav: null,

  async render(ctx, params) {
    await renderProposal(ctx, params.n);
  },
};
