// Uploading a file to a layer: a drop zone that is also a keyboard-usable file button, the import
// mode explained, the keys of a delete typed in, and the upload itself with a progress bar.
// The chosen file stays in memory, so the import can be sent again with a column mapping.
import { formatBytes, h } from '../../dom.js';
import { failureBlock } from './common.js';

export const MODES = ['replace', 'upsert', 'append', 'delete'];

/**
 * The upload form of layer `layerId`. `onStaged(record)` gets the new import's record.
 * Returns { element, send(choices), hasFile(), focus() }: `send` uploads the chosen file again
 * with `choices` ({mapping, ignore, saveMapping}) and resolves to the new record.
 */
export function uploadSection(ctx, layerId, onStaged) {
  let file = null;
  const input = h('input', { type: 'file', id: 'pub-file', class: 'pub-file-input', hidden: true, accept: '.zip,.gpkg,.geojson,.json,.csv,.kml,.shp' });
  const chosen = h('p', { class: 'pub-chosen', id: 'pub-chosen', 'aria-live': 'polite' }, ctx.t('pub.upload.none'));
  const pick = h('button', { type: 'button', class: 'ws-button', id: 'pub-pick', 'aria-describedby': 'pub-chosen pub-drop-hint' }, ctx.t('pub.upload.choose'));
  const zone = h('div', { class: 'pub-drop', id: 'pub-drop' },
    h('p', { class: 'pub-drop-text', id: 'pub-drop-hint' }, ctx.t('pub.upload.drop')),
    pick, input, chosen);

  function choose(next) {
    file = next || null;
    chosen.textContent = file ? ctx.t('pub.upload.chosen', { name: file.name, size: formatBytes(file.size) }) : ctx.t('pub.upload.none');
    zone.classList.toggle('pub-drop-has-file', Boolean(file));
    submit.disabled = false;
  }

  pick.addEventListener('click', () => input.click());
  input.addEventListener('change', () => choose(input.files && input.files[0]));
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add('pub-drop-over');
    });
  }
  for (const type of ['dragleave', 'drop']) zone.addEventListener(type, () => zone.classList.remove('pub-drop-over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    const dropped = event.dataTransfer && event.dataTransfer.files && event.dataTransfer.files[0];
    if (dropped) {
      choose(dropped);
      ctx.announce(chosen.textContent);
    }
  });

  const modes = h('fieldset', { class: 'pub-modes' },
    h('legend', {}, ctx.t('pub.mode.legend')),
    MODES.map((mode) => h('div', { class: 'pub-mode' },
      h('input', { type: 'radio', name: 'pub-mode', id: `pub-mode-${mode}`, value: mode, checked: mode === 'replace', 'aria-describedby': `pub-mode-${mode}-help` }),
      h('label', { for: `pub-mode-${mode}` }, ctx.t(`pub.mode.${mode}`)),
      h('p', { class: 'ws-hint', id: `pub-mode-${mode}-help` }, ctx.t(`pub.mode.${mode}.help`)))));
  const keys = h('textarea', { id: 'pub-keys', rows: '3', class: 'ws-input', 'aria-describedby': 'pub-keys-help' });
  const keysField = h('div', { class: 'ws-field', hidden: true },
    h('label', { for: 'pub-keys' }, ctx.t('pub.keys.label')),
    h('p', { class: 'ws-hint', id: 'pub-keys-help' }, ctx.t('pub.keys.help')),
    keys);
  modes.addEventListener('change', () => { keysField.hidden = mode() !== 'delete'; });

  const progress = h('progress', { id: 'pub-progress', max: '100', value: '0', 'aria-labelledby': 'pub-progress-label' });
  const progressText = h('span', { id: 'pub-progress-label' }, ctx.t('pub.upload.progress', { percent: 0 }));
  const progressBox = h('div', { class: 'pub-progress', hidden: true }, progressText, progress);
  const message = h('div', { class: 'pub-upload-message' });
  const submit = h('button', { type: 'submit', class: 'ws-button ws-button-primary', id: 'pub-upload' }, ctx.t('pub.upload.submit'));
  const form = h('form', { class: 'ws-panel pub-upload', id: 'pub-upload-form', novalidate: true },
    zone, modes, keysField, h('div', { class: 'ws-actions' }, submit), progressBox, message);

  function mode() {
    const checked = form.querySelector('input[name="pub-mode"]:checked');
    return checked ? checked.value : 'replace';
  }

  async function send(choices = {}) {
    const form_ = new FormData();
    const typedKeys = mode() === 'delete' && !file ? keys.value.trim() : '';
    if (!file && !typedKeys) {
      message.replaceChildren(h('p', { class: 'ws-error', role: 'alert' }, ctx.t('pub.upload.missing')));
      pick.focus();
      return null;
    }
    if (file) form_.append('file', file, file.name);
    if (typedKeys) form_.append('keys', typedKeys);
    form_.append('mode', mode());
    if (choices.mapping && Object.keys(choices.mapping).length) form_.append('mapping', JSON.stringify(choices.mapping));
    if (choices.ignore && choices.ignore.length) form_.append('ignore', JSON.stringify(choices.ignore));
    if (choices.saveMapping) form_.append('saveMapping', 'true');
    message.replaceChildren();
    submit.disabled = true;
    progressBox.hidden = false;
    progress.value = 0;
    progressText.textContent = ctx.t('pub.upload.progress', { percent: 0 });
    ctx.announce(ctx.t('pub.upload.started'));
    try {
      const record = await ctx.api.upload(`/collections/${encodeURIComponent(layerId)}/imports`, form_, (loaded, total) => {
        const percent = total ? Math.round((loaded / total) * 100) : 0;
        progress.value = percent;
        progressText.textContent = ctx.t('pub.upload.progress', { percent });
      });
      progress.value = 100;
      progressText.textContent = ctx.t('pub.upload.checked');
      await onStaged(record);
      return record;
    } catch (error) {
      progressBox.hidden = true;
      message.replaceChildren(failureBlock(ctx, error));
      ctx.announce(message.textContent);
      return null;
    } finally {
      submit.disabled = false;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });

  const element = h('section', { class: 'pub-section', 'aria-labelledby': 'pub-upload-title' },
    h('h2', { id: 'pub-upload-title' }, ctx.t('pub.upload.title')),
    h('p', { class: 'ws-hint' }, ctx.t('pub.upload.intro')),
    form);
  return { element, send, hasFile: () => Boolean(file), focus: () => pick.focus() };
}
