// A sync conflict in the workspace: the publisher edits a feature of `landfills` (a layer synced
// from its source every night), the operator's `geohub etl sync` then stops on a conflict
// instead of publishing over the edit; the department's layer list says so, the layer's page
// explains it, and the publisher keeps their version after a confirmation.
'use strict';

const LAYER = 'landfills';
const FEATURE = 'w137776201';

module.exports = {
  name: 'conflict',
  backends: ['geopackage'],
  async run(ctx) {
    const page = await ctx.open('/workspace/#/layers', { lang: 'ru' });
    await ctx.signIn('publisher');
    await page.waitForSelector(`.pub-layer[data-layer="${LAYER}"]`);
    ctx.record('edited', await page.evaluate(async ([layer, id]) => {
      const token = window.sessionStorage.getItem('geohub.workspace.token');
      const answer = await fetch(`/collections/${layer}/items/${id}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ properties: { operator: 'Тазалық' } }),
      });
      return answer.status;
    }, [LAYER, FEATURE]));
    const sync = ctx.geohub(['etl', 'sync', LAYER]);
    ctx.record('sync', { status: sync.status, stdout: sync.stdout });

    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector(`.pub-layer[data-layer="${LAYER}"] .pub-flag-conflict a`);
    ctx.record('flag', await page.textContent(`.pub-layer[data-layer="${LAYER}"] .pub-flag-conflict a`));
    await ctx.axe('layers-conflict-ru-desktop');

    await page.click(`.pub-layer[data-layer="${LAYER}"] .pub-flag-conflict a`);
    await page.waitForSelector('.pub-conflict');
    await ctx.settled(page);
    ctx.record('conflict', await page.evaluate(() => ({
      heading: document.getElementById('pub-conflicts-title').textContent,
      message: document.querySelector('.pub-conflict p').textContent,
      choices: [...document.querySelectorAll('.pub-conflict button')].map((b) => b.dataset.choice),
    })));
    await ctx.axe('layer-conflict-ru-desktop');
    await ctx.screenshot('conflict-ru-desktop', page, { selector: '.pub-conflicts' });

    await page.click('.pub-conflict button[data-choice="keep-mine"]');
    await page.waitForSelector('dialog.pub-dialog[open]');
    ctx.record('dialog', await page.textContent('dialog.pub-dialog h2'));
    await page.click('dialog.pub-dialog .ws-button-primary');
    await page.waitForSelector('.pub-conflicts', { state: 'detached' });
    ctx.record('resolved', await page.waitForFunction(
      () => document.getElementById('ws-announcer').textContent,
    ).then((handle) => handle.jsonValue()));
  },
};
