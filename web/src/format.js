// Numbers, dates and texts in the page language, for every page of GeoHub's own (the web map, the
// workspace): the language is the page's <html lang>.

const LOCALES = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };
export const lang = document.documentElement.lang || 'en';
export const locale = LOCALES[lang] || lang;
export const TIME_ZONE = 'Asia/Almaty';
// Kazakh writes numbers as Russian does (1 234 567,5), and browsers' ICU often has no Kazakh data
// (Chromium writes "2026 M12 7"): numbers take the Russian format, dates Kazakh month names here.
const NUMBER_LOCALE = lang === 'kk' ? 'ru-RU' : locale;
const KAZAKH_MONTHS = ['қаңтар', 'ақпан', 'наурыз', 'сәуір', 'мамыр', 'маусым', 'шілде', 'тамыз',
  'қыркүйек', 'қазан', 'қараша', 'желтоқсан'];

/** The text of `key` in `texts` (the key itself when unknown), {placeholders} filled from `params`
 * (numbers formatted). */
export function fillText(texts, key, params = {}) {
  const template = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

const numberFormats = new Map();

/** `n` written the way the page language writes numbers (Intl.NumberFormat options in `opts`). */
export function formatNumber(n, opts = {}) {
  const key = JSON.stringify(opts);
  if (!numberFormats.has(key)) numberFormats.set(key, new Intl.NumberFormat(NUMBER_LOCALE, opts));
  return numberFormats.get(key).format(n);
}

function kazakhDate(when, { dateOnly, timeZone }) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone,
  }).formatToParts(when).map((part) => [part.type, part.value]));
  const date = `${Number(parts.day)} ${KAZAKH_MONTHS[Number(parts.month) - 1]} ${parts.year} ж.`;
  return dateOnly ? date : `${date}, ${parts.hour}:${parts.minute}`;
}

/** An ISO date or date-time in the page language, in Almaty time; a bare date stays a date; '' for
 * none. `opts` (Intl.DateTimeFormat options) replaces the default style. */
export function formatDate(iso, opts = null) {
  if (iso === null || iso === undefined || iso === '') return '';
  const text = String(iso);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const when = new Date(dateOnly ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(when.getTime())) return text;
  const timeZone = dateOnly ? 'UTC' : TIME_ZONE;
  if (lang === 'kk' && !opts) return kazakhDate(when, { dateOnly, timeZone });
  const options = opts || (dateOnly
    ? { dateStyle: 'long', timeZone }
    : { dateStyle: 'medium', timeStyle: 'short', timeZone });
  return new Intl.DateTimeFormat(locale, options).format(when);
}
