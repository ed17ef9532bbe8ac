// What the proposal views share: a proposal's title, its department's name, its status badge,
// the message of a failed call, and the GeoJSON files just uploaded in this page (for the preview).
import { h } from '../../dom.js';

const PREVIEW_MAX_BYTES = 2 * 1024 * 1024;
// A GeoJSON file just uploaded in this page, by account and the proposal it became: the proposal
// view draws its features over the basemap as the style's preview for the one who uploaded it
// (the server keeps the file to itself).
const uploadedGeoJson = new Map();

/** Keep `file` (a small GeoJSON) as the one `ctx`'s account uploaded for proposal `id`. */
export function rememberUpload(ctx, id, file) {
  if (/\.(geo)?json$/i.test(file.name) && file.size <= PREVIEW_MAX_BYTES) {
    uploadedGeoJson.set(`${ctx.principal.user}/${id}`, file);
  }
}

/** The GeoJSON file `ctx`'s account uploaded for proposal `id` in this page, or null. */
export function uploadedFile(ctx, id) {
  return uploadedGeoJson.get(`${ctx.principal.user}/${id}`) || null;
}

export function isAdmin(ctx) {
  return Boolean(ctx.principal && ctx.principal.role === 'admin');
}

/** The proposal's title in the page language (then English, then its id). */
export function proposalTitle(ctx, proposal) {
  const definition = proposal.definition || {};
  const title = definition.title || {};
  return title[ctx.lang] || title.en || title.ru || title.kk || definition.id || ctx.t('prop.untitled');
}

/** A department's name in the page language (its id when the page does not know it). */
export function departmentName(ctx, id) {
  const names = (ctx.config && ctx.config.departments) || {};
  return names[id] || id || '';
}

/** The status as a badge: its text, and a class per status for its look (never colour alone). */
export function statusBadge(ctx, status) {
  return h('span', { class: `prop-status prop-status-${status}` }, ctx.t(`prop.status.${status}`));
}

/** The message of a failed call: the server's problem detail (already in the page language). */
export function failure(ctx, error) {
  const detail = (error && error.problem && error.problem.detail) || (error && error.message) || '';
  return ctx.t('prop.failed', { detail });
}
