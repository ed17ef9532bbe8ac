// The route's incline profile as a chart (uPlot, served by GeoHub from npm). Decoration for
// sighted users: the figure's caption says the same in words, and the chart is one image to
// assistive technology (role="img" with a name on its container).

import { config, formatNumber, t } from './core.js';

const HEIGHT_PX = 200;
const COLOURS = { line: '#0b4f8a', fill: 'rgba(11, 79, 138, 0.16)', limit: '#a4262c', axis: '#333', grid: '#d9d9d9' };
let library = null;
let chart = null;
let watcher = null;
let drawing = 0; // the latest call wins when a new route comes while uPlot is still loading

function loadLibrary() {
  if (!document.querySelector('link[data-uplot-css]')) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = config.urls.uplotCss;
    link.dataset.uplotCss = '';
    document.head.append(link);
  }
  library ||= import(config.urls.uplot).then((module) => module.default);
  return library;
}

function series(pieces, total) {
  const x = pieces.map((p) => p.start);
  const y = pieces.map((p) => p.incline);
  x.push(total);
  y.push(y.length ? y[y.length - 1] : null);
  return { x, y };
}

function range(y, limits) {
  const known = y.filter((v) => v !== null);
  const up = limits.max_incline_up;
  const down = limits.max_incline_down;
  let max = Math.max(2, ...known, up ?? 0);
  let min = Math.min(-2, ...known, down === null || down === undefined ? 0 : -down);
  max = Math.min(max, Math.max(12, ...known)); // a 50 % "limit" would flatten the profile
  min = Math.max(min, Math.min(-12, ...known));
  return [Math.floor(min) - 1, Math.ceil(max) + 1];
}

function inclineTicks(u, axis, min, max) {
  const span = max - min;
  const step = span <= 12 ? 2 : span <= 24 ? 4 : 5;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step) ticks.push(v);
  return ticks;
}

function options(uPlot, width, y, limits) {
  const axis = (label) => ({
    label, stroke: COLOURS.axis, grid: { stroke: COLOURS.grid, width: 1 }, ticks: { stroke: COLOURS.grid },
    font: '12px system-ui, sans-serif', labelFont: '12px system-ui, sans-serif',
    values: (u, values) => values.map((v) => formatNumber(v)),
  });
  const limitSeries = (label) => ({ label, stroke: COLOURS.limit, width: 1.5, dash: [6, 4], points: { show: false } });
  return {
    width,
    height: HEIGHT_PX,
    legend: { show: false },
    cursor: { drag: { x: false, y: false, setScale: false } },
    scales: { x: { time: false }, y: { range: () => range(y, limits) } },
    axes: [axis(t('route.chartDistance')), { ...axis(t('route.chartIncline')), size: 48, splits: inclineTicks }],
    series: [
      {},
      {
        label: t('route.chartIncline'), stroke: COLOURS.line, width: 2, fill: COLOURS.fill, fillTo: 0,
        spanGaps: false, points: { show: false }, paths: uPlot.paths.stepped({ align: 1 }),
      },
      limitSeries(t('route.chartLimit')),
      limitSeries(t('route.chartLimit')),
    ],
  };
}

/** Draw the incline chart of `pieces` ({start, end, incline}) in `container`, with the
 * profile's limits as dashed lines; resolves false when the chart cannot be drawn. */
export async function drawInclineChart(container, pieces, total, limits = {}) {
  clearInclineChart(container);
  if (!pieces.length) return false;
  const call = ++drawing;
  let uPlot;
  try {
    uPlot = await loadLibrary();
  } catch {
    return false;
  }
  if (call !== drawing) return false;
  const { x, y } = series(pieces, total);
  const up = limits.max_incline_up ?? null;
  const down = limits.max_incline_down ?? null;
  const data = [x, y, x.map(() => (up !== null && up <= 12 ? up : null)),
    x.map(() => (down !== null && down <= 12 ? -down : null))];
  const width = () => Math.max(240, Math.floor(container.clientWidth || 300));
  container.replaceChildren();
  chart = new uPlot(options(uPlot, width(), y, limits), data, container);
  for (const canvas of container.querySelectorAll('canvas')) canvas.setAttribute('aria-hidden', 'true');
  watcher = new ResizeObserver(() => {
    if (chart && container.clientWidth && Math.abs(chart.width - width()) > 4) {
      chart.setSize({ width: width(), height: HEIGHT_PX });
    }
  });
  watcher.observe(container);
  return true;
}

/** Remove the chart (a new route, or none). */
export function clearInclineChart(container) {
  watcher?.disconnect();
  watcher = null;
  chart?.destroy();
  chart = null;
  container?.replaceChildren();
}
