// A plain-English reading of a five-field cron expression (minute hour day-of-month month day-of-week), shown
// next to each schedule so an admin can check "0 2 * * 1" means what they think. Pure: the caller validates the
// expression first (sync/schedules.ts cronProblems); a field this reader has no phrase for is quoted as it is.

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_ABBR = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTH_ABBR = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const pad = (n: number) => String(n).padStart(2, '0');
const isNum = (s: string) => /^\d{1,2}$/.test(s);

/** "a", "a and b", "a, b and c". */
function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Day-of-week number (0 and 7 are Sunday) or three-letter name → its name; null when unknown. */
function dayName(s: string): string | null {
  const t = s.toLowerCase();
  if (isNum(t)) return Number(t) <= 7 ? DAYS[Number(t) % 7]! : null;
  const i = t.length === 3 ? DAY_ABBR.indexOf(t) : -1;
  return i >= 0 ? DAYS[i]! : null;
}

function monthName(s: string): string | null {
  const t = s.toLowerCase();
  const i = isNum(t) ? Number(t) - 1 : t.length === 3 ? MONTH_ABBR.indexOf(t) : -1;
  return i >= 0 && i < 12 ? MONTHS[i]! : null;
}

/** A comma list of single values and a-b ranges, each named by `name`; null when a part is something else (steps). */
function namedList(field: string, name: (s: string) => string | null, through: string): string | null {
  const parts: string[] = [];
  for (const p of field.split(',')) {
    const range = /^([^-/]+)-([^-/]+)$/.exec(p);
    const a = range ? name(range[1]!) : name(p);
    const b = range ? name(range[2]!) : null;
    if (!a || (range && !b)) return null;
    parts.push(range ? `${a} ${through} ${b}` : a);
  }
  return list(parts);
}

function timeOfDay(minute: string, hour: string): string {
  const m = isNum(minute) ? Number(minute) : null;
  if (minute === '*' && hour === '*') return 'every minute';
  const step = /^\*\/(\d+)$/.exec(minute);
  if (step && hour === '*') return step[1] === '1' ? 'every minute' : `every ${Number(step[1])} minutes`;
  if (m !== null) {
    if (hour === '*') return `every hour at :${pad(m)}`;
    const hStep = /^\*\/(\d+)$/.exec(hour);
    if (hStep) return `every ${Number(hStep[1])} hours at :${pad(m)}`;
    const hours = hour.split(',');
    if (hours.every(isNum)) return `at ${list(hours.map((h) => `${pad(Number(h))}:${pad(m)}`))}`;
    const hRange = /^(\d{1,2})-(\d{1,2})$/.exec(hour);
    if (hRange) return `every hour at :${pad(m)} from ${pad(Number(hRange[1]))}:${pad(m)} to ${pad(Number(hRange[2]))}:${pad(m)}`;
  }
  return `at minute “${minute}” of hour “${hour}”`;
}

function dayPart(dom: string, month: string, dow: string): string {
  const parts: string[] = [];
  const days = dow === '*' ? null : namedList(dow, dayName, 'to');
  const dates = dom === '*' ? null : dom.split(',').every(isNum) ? `on day${dom.includes(',') ? 's' : ''} ${list(dom.split(','))} of the month` : `on day-of-month “${dom}”`;
  const weekdays = dow === '*' ? null : days ? `on every ${days}` : `on weekday “${dow}”`;
  // Cron's rule: when both day fields are restricted, either one matching is enough.
  if (dates && weekdays) parts.push(`${dates} and ${weekdays}`);
  else if (dates) parts.push(dates);
  else if (weekdays) parts.push(weekdays);
  if (month !== '*') {
    const months = namedList(month, monthName, 'to');
    parts.push(months ? `in ${months}` : `in month “${month}”`);
  }
  return parts.join(' ');
}

/** "Every day at 02:00 (UTC)", "Every 15 minutes (UTC)", "At 06:00 on every Monday (UTC)"; null when not five fields. */
export function describeCron(expr: string, zone = 'UTC'): string | null {
  const f = expr.trim().split(/\s+/);
  if (f.length !== 5 || !f[0]) return null;
  const [minute, hour, dom, month, dow] = f as [string, string, string, string, string];
  const time = timeOfDay(minute, hour);
  const days = dayPart(dom, month, dow);
  const everyDay = !days && /^at \d/.test(time);
  const text = everyDay ? `every day ${time}` : days ? `${time} ${days}` : time;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} (${zone})`;
}

/** The presets offered on the schedules page (value: the cron expression). */
export const CRON_PRESETS: readonly { label: string; cron: string }[] = [
  { label: 'Every 15 minutes', cron: '*/15 * * * *' },
  { label: 'Hourly', cron: '0 * * * *' },
  { label: 'Daily at 02:00', cron: '0 2 * * *' },
  { label: 'Weekdays at 06:00', cron: '0 6 * * 1-5' },
  { label: 'Weekly, Monday at 06:00', cron: '0 6 * * 1' },
  { label: 'Monthly, on the 1st at 03:00', cron: '0 3 1 * *' },
];
