// The route answer of GET /api/route read along its line: where each piece, step and warning
// lies (metres from the start), the climb, the steepest stretches. Plain functions, no DOM.

const EARTH_RADIUS_M = 6371008.8;
const STEEP_PCT = 5; // the API warns above this grade (or the profile's limit when lower)
const FLAT_PCT = 2;

/** Metres between two [lon, lat] points (haversine). */
export function metres(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Distance from the start at each vertex, scaled so the last one is `total` (the API's distance). */
export function vertexDistances(coords, total) {
  const along = [0];
  for (let i = 1; i < coords.length; i += 1) along.push(along[i - 1] + metres(coords[i - 1], coords[i]));
  const length = along[along.length - 1];
  const scale = length > 0 && total > 0 ? total / length : 1;
  return along.map((d) => d * scale);
}

/** The [lon, lat] at `distance` metres along the line. */
export function pointAt(coords, along, distance) {
  if (coords.length === 1 || distance <= 0) return coords[0];
  for (let i = 1; i < coords.length; i += 1) {
    if (along[i] >= distance) {
      const span = along[i] - along[i - 1];
      const f = span > 0 ? (distance - along[i - 1]) / span : 0;
      return [coords[i - 1][0] + f * (coords[i][0] - coords[i - 1][0]),
        coords[i - 1][1] + f * (coords[i][1] - coords[i - 1][1])];
    }
  }
  return coords[coords.length - 1];
}

/** The part of the line between `start` and `end` metres from its start. */
export function sliceLine(coords, along, start, end) {
  const part = [pointAt(coords, along, start)];
  for (let i = 0; i < coords.length; i += 1) if (along[i] > start && along[i] < end) part.push(coords[i]);
  part.push(pointAt(coords, along, end));
  return part;
}

/** Metres from the start of the point of the line nearest `point` (projected on its segments). */
export function locate(coords, along, point) {
  const scale = Math.cos((point[1] * Math.PI) / 180);
  let best = { d2: Infinity, distance: 0 };
  for (let i = 1; i < coords.length; i += 1) {
    const [ax, ay] = [coords[i - 1][0] * scale, coords[i - 1][1]];
    const [bx, by] = [coords[i][0] * scale, coords[i][1]];
    const [px, py] = [point[0] * scale, point[1]];
    const len2 = (bx - ax) ** 2 + (by - ay) ** 2;
    const f = len2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2)) : 0;
    const d2 = (ax + f * (bx - ax) - px) ** 2 + (ay + f * (by - ay) - py) ** 2;
    if (d2 < best.d2) best = { d2, distance: along[i - 1] + f * (along[i] - along[i - 1]) };
  }
  return best.distance;
}

/** The pieces of the incline profile: {start, end, incline (null: not known)}. */
export function inclinePieces(profile) {
  const pieces = [];
  for (let i = 0; i + 1 < profile.length; i += 1) {
    const [start, incline] = profile[i];
    const end = profile[i + 1][0];
    if (end > start) pieces.push({ start, end, incline });
  }
  return pieces;
}

/** Metres climbed and descended (pieces of unknown incline count as flat). */
export function climb(pieces) {
  let up = 0;
  let down = 0;
  for (const { start, end, incline } of pieces) {
    if (incline === null || incline === undefined) continue;
    const rise = ((end - start) * incline) / 100;
    if (rise > 0) up += rise; else down -= rise;
  }
  return { up, down };
}

function stretchOf(pieces, index, same) {
  let first = index;
  let last = index;
  while (first > 0 && same(pieces[first - 1])) first -= 1;
  while (last + 1 < pieces.length && same(pieces[last + 1])) last += 1;
  return { start: pieces[first].start, end: pieces[last].end };
}

/** The steepest uphill and downhill stretch ({pct, start, length} or null), the length of
 * unknown incline, and whether the whole mapped route is flatter than FLAT_PCT. */
export function steepest(pieces) {
  let up = null;
  let down = null;
  let unknown = 0;
  pieces.forEach((piece, i) => {
    if (piece.incline === null || piece.incline === undefined) {
      unknown += piece.end - piece.start;
      return;
    }
    if (piece.incline > 0 && (!up || piece.incline > up.pct)) up = { pct: piece.incline, index: i };
    if (piece.incline < 0 && (!down || -piece.incline > down.pct)) down = { pct: -piece.incline, index: i };
  });
  const describe = (found) => {
    if (!found) return null;
    const target = pieces[found.index].incline;
    const { start, end } = stretchOf(pieces, found.index, (p) => p.incline === target);
    return { pct: found.pct, start, length: end - start };
  };
  const flat = (!up || up.pct < FLAT_PCT) && (!down || down.pct < FLAT_PCT);
  return { up: describe(up), down: describe(down), unknown, flat, flatPct: FLAT_PCT };
}

/** Where each instruction's stretch lies: [{start, end}] in metres from the start. */
export function stepRanges(instructions) {
  let start = 0;
  return instructions.map((step) => {
    const range = { start, end: start + (step.distance_m || 0) };
    start = range.end;
    return range;
  });
}

/** The index of the step whose stretch holds `distance` (the last but one for the very end). */
export function stepAt(ranges, distance) {
  for (let i = 0; i < ranges.length; i += 1) if (distance < ranges[i].end) return i;
  return Math.max(0, ranges.length - 2);
}

function steepLimit(limits) {
  const up = limits.max_incline_up ?? Infinity;
  const down = limits.max_incline_down ?? Infinity;
  return { up: Math.min(STEEP_PCT, up), down: Math.min(STEEP_PCT, down) };
}

/** Each warning of the answer with its number (from 1), the stretch it covers ({start, end}:
 * the API's from_m and to_m, the run of pieces it names once), its distance from the start and
 * the step it belongs to. An answer without stretches: the piece the warning was raised on, and
 * every adjacent steep piece for a steep one. */
export function placeWarnings(properties, coords, along, pieces, ranges) {
  const threshold = steepLimit(properties.limits || {});
  const steep = (p) => p.incline !== null && (p.incline > threshold.up || -p.incline > threshold.down);
  return (properties.warnings || []).map((warning, i) => {
    const at = locate(coords, along, warning.at);
    let stretch;
    if (Number.isFinite(warning.from_m) && Number.isFinite(warning.to_m)) {
      stretch = { start: warning.from_m, end: warning.to_m };
    } else {
      let index = pieces.findIndex((p) => at >= p.start && at <= p.end);
      if (index < 0) index = pieces.length - 1;
      stretch = index >= 0 ? { start: pieces[index].start, end: pieces[index].end } : { start: at, end: at };
      if (warning.kind === 'steep' && index >= 0 && steep(pieces[index])) stretch = stretchOf(pieces, index, steep);
    }
    return { ...warning, n: i + 1, distance: stretch.start, stretch, step: stepAt(ranges, at) };
  });
}

/** Everything the panel and the map show, read from one GET /api/route answer. */
export function readRoute(answer) {
  const properties = answer.properties;
  const coords = answer.geometry.coordinates;
  const along = vertexDistances(coords, properties.distance_m);
  const pieces = inclinePieces(properties.incline_profile || []);
  const ranges = stepRanges(properties.instructions || []);
  const warnings = placeWarnings(properties, coords, along, pieces, ranges);
  return {
    properties, coords, along, pieces, ranges, warnings,
    climb: climb(pieces),
    steepest: steepest(pieces),
  };
}
