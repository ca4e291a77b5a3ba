// The wrong-person guard (pure): does the profile a provider matched belong to the person the CRM record names?
// Providers match on email and LinkedIn URL; a recycled mailbox or a shared address can bring back somebody else,
// and writing that person's job over a real contact is the worst thing this service can do. Only a CLEAR
// contradiction blocks a write: names written differently (diacritics, case, hyphens, double-barrelled surnames,
// particles, initials, nicknames, a one-letter typo, first and last swapped) are the same person, and a name we
// cannot compare (missing, a placeholder, another script) is no evidence either way.

export interface PersonName {
  first: string | null | undefined;
  last: string | null | undefined;
}

export type NameVerdict =
  | { verdict: 'match' | 'unknown' }
  | { verdict: 'mismatch'; part: 'first' | 'last' };

/** Placeholders CRMs and web forms put where a name is unknown (Salesforce web-to-lead writes "[not provided]"). */
const PLACEHOLDERS = new Set(['unknown', 'not provided', 'notprovided', 'n a', 'none', 'null', 'test', 'tbd', 'contact', 'lead', 'customer', 'x', 'xx', 'xxx', 'no name', 'noname', 'anonymous', 'user']);

/** Titles and suffixes that are not part of the name. */
const NOISE = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame', 'jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md', 'mba', 'esq', 'cpa', 'pmp', 'herr', 'frau', 'mme', 'mlle', 'sra', 'dott']);

/** Surname particles: "van der Berg" and "Berg" are the same family name. */
const PARTICLES = new Set(['van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'das', 'dos', 'du', 'la', 'le', 'ter', 'ten', 'zu', 'bin', 'binti', 'al', 'el', 'y', 'e', 'st', 'saint']);

/**
 * Common English, German, French, Spanish and Italian nicknames, as groups of interchangeable first names. A
 * name may sit in several groups (Chris: Christopher, Christine); the check only asks whether two names share one.
 */
const NICKNAME_GROUPS: readonly string[][] = [
  ['robert', 'rob', 'robbie', 'bob', 'bobby', 'bert', 'robin'],
  ['william', 'will', 'bill', 'billy', 'willy', 'liam', 'wilhelm', 'willi'],
  ['richard', 'rick', 'ricky', 'rich', 'dick', 'richie'],
  ['james', 'jim', 'jimmy', 'jamie', 'jay'],
  ['john', 'jack', 'johnny', 'jon', 'johannes', 'hans', 'jan', 'juan', 'jean', 'giovanni', 'ivan', 'sean'],
  ['jonathan', 'jon', 'jonny', 'nathan'],
  ['michael', 'mike', 'mikey', 'mick', 'mickey', 'micha', 'michel', 'miguel', 'michele'],
  ['elizabeth', 'liz', 'lizzie', 'beth', 'betty', 'betsy', 'eliza', 'elisabeth', 'lisa', 'elise', 'libby', 'isabel'],
  ['margaret', 'maggie', 'meg', 'peggy', 'marge', 'margie', 'greta', 'margarete', 'margarita', 'rita'],
  ['katherine', 'catherine', 'kathryn', 'kate', 'katie', 'kathy', 'cathy', 'kat', 'kitty', 'katharina', 'katrin', 'catalina', 'caterina'],
  ['alexander', 'alex', 'alec', 'sasha', 'sandy', 'xander', 'alejandro', 'alessandro', 'sascha'],
  ['alexandra', 'alex', 'alexa', 'sasha', 'sandra', 'lexi'],
  ['christopher', 'chris', 'kit', 'topher', 'christoph', 'cristobal'],
  ['christine', 'christina', 'chris', 'tina', 'kristin', 'kristina', 'christa'],
  ['daniel', 'dan', 'danny'],
  ['david', 'dave', 'davey'],
  ['joseph', 'joe', 'joey', 'jose', 'josef', 'giuseppe', 'pepe', 'beppe'],
  ['thomas', 'tom', 'tommy', 'thom', 'tomas', 'tomasz'],
  ['charles', 'charlie', 'chuck', 'chas', 'carlos', 'karl', 'carl', 'carlo'],
  ['edward', 'ed', 'eddie', 'ted', 'teddy', 'ned'],
  ['theodore', 'ted', 'teddy', 'theo'],
  ['anthony', 'tony', 'antonio', 'anton', 'antoine'],
  ['andrew', 'andy', 'drew', 'andreas', 'andre', 'andres', 'andrea'],
  ['benjamin', 'ben', 'benny', 'benji'],
  ['nicholas', 'nick', 'nicky', 'nico', 'nicolas', 'niklas', 'klaus', 'nicola'],
  ['patrick', 'pat', 'paddy', 'patrizio'],
  ['patricia', 'pat', 'patty', 'trish', 'tricia'],
  ['steven', 'stephen', 'steve', 'stevie', 'stefan', 'stephan', 'esteban', 'stefano'],
  ['samuel', 'sam', 'sammy'],
  ['samantha', 'sam', 'sammy'],
  ['matthew', 'matt', 'matthias', 'mathias', 'mateo', 'matteo', 'mathieu', 'matti'],
  ['timothy', 'tim', 'timmy'],
  ['gregory', 'greg', 'gregor'],
  ['peter', 'pete', 'pedro', 'pierre', 'pietro', 'piotr'],
  ['frederick', 'fred', 'freddie', 'fritz', 'friedrich', 'federico'],
  ['francis', 'frank', 'frankie', 'franz', 'francesco', 'francisco', 'paco', 'francois', 'franco'],
  ['frances', 'fran', 'frankie', 'francesca', 'francoise'],
  ['henry', 'hank', 'harry', 'hal', 'heinrich', 'heinz', 'henri', 'enrique', 'enrico'],
  ['harold', 'harry', 'hal'],
  ['lawrence', 'laurence', 'larry', 'laurie', 'lorenzo', 'lars'],
  ['leonard', 'leo', 'len', 'lenny'],
  ['ronald', 'ron', 'ronnie'],
  ['donald', 'don', 'donnie'],
  ['kenneth', 'ken', 'kenny'],
  ['raymond', 'ray'],
  ['gerald', 'gerry', 'jerry'],
  ['jeffrey', 'geoffrey', 'jeff', 'geoff'],
  ['joshua', 'josh'],
  ['zachary', 'zach', 'zack'],
  ['jacob', 'jake', 'jakob', 'jacques', 'jacopo', 'jakub', 'kuba'],
  ['susan', 'sue', 'susie', 'suzanne', 'susanne', 'suzy'],
  ['deborah', 'debra', 'deb', 'debbie'],
  ['jennifer', 'jen', 'jenny', 'jenn'],
  ['jessica', 'jess', 'jessie'],
  ['rebecca', 'becky', 'becca', 'beck'],
  ['victoria', 'vicky', 'tori', 'vicki'],
  ['abigail', 'abby', 'gail'],
  ['barbara', 'barb', 'barbie', 'babs'],
  ['dorothy', 'dot', 'dottie', 'dora'],
  ['eleanor', 'ellie', 'nell', 'nora', 'elly'],
  ['helen', 'helena', 'lena', 'nell', 'elena', 'ellen'],
  ['johanna', 'joanna', 'hanna', 'hannah', 'jo', 'anna'],
  ['anne', 'ann', 'anna', 'annie', 'nancy', 'anja', 'hannah'],
  ['mary', 'maria', 'marie', 'molly', 'polly', 'mia', 'maja'],
  ['josephine', 'jo', 'josie', 'fina'],
  ['judith', 'judy', 'jude'],
  ['kimberly', 'kim'],
  ['melissa', 'mel', 'missy'],
  ['melanie', 'mel'],
  ['pamela', 'pam'],
  ['sarah', 'sara', 'sally', 'sadie'],
  ['stephanie', 'steph', 'stefanie'],
  ['teresa', 'theresa', 'terry', 'tess', 'tessa', 'resi'],
  ['valerie', 'val'],
  ['wolfgang', 'wolf'],
  ['manuel', 'manu', 'manolo'],
  ['guillermo', 'memo', 'guille'],
  ['ignacio', 'nacho'],
  ['jesus', 'chucho', 'chuy'],
  ['dmitry', 'dmitri', 'dima'],
  ['aleksandr', 'sasha', 'alexander'],
  ['vladimir', 'vova', 'volodymyr'],
  ['mohammed', 'muhammad', 'mohamed', 'mohammad', 'mo'],
  ['abdullah', 'abdallah'],
];

const NICKNAMES: ReadonlyMap<string, ReadonlySet<number>> = (() => {
  const m = new Map<string, Set<number>>();
  NICKNAME_GROUPS.forEach((group, i) => {
    for (const n of group) (m.get(n) ?? m.set(n, new Set()).get(n)!).add(i);
  });
  return m;
})();

/** Letters a decomposition does not reduce to ASCII. */
const LETTERS: Record<string, string> = { ß: 'ss', ø: 'o', æ: 'ae', œ: 'oe', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

/** Lower case, no diacritics, no punctuation; hyphens and spaces split tokens, apostrophes join them (O'Brien). */
export function nameTokens(raw: string | null | undefined): string[] {
  if (!raw) return [];
  const folded = raw
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßøæœłđðþı]/g, (c) => LETTERS[c] ?? c)
    .replace(/['’`´]/g, '')
    .replace(/\(.*?\)|\[.*?\]/g, (m) => (PLACEHOLDERS.has(m.slice(1, -1).trim()) ? '' : ` ${m.slice(1, -1)} `));
  const tokens = folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const plain = tokens.filter((t) => !NOISE.has(t));
  if (plain.length === 0 || PLACEHOLDERS.has(plain.join(' '))) return [];
  return plain;
}

/** German transliteration: Müller is also written Mueller; both become "muller". */
function key(token: string): string {
  return token.replace(/ue/g, 'u').replace(/oe/g, 'o').replace(/ae/g, 'a');
}

const latin = (tokens: string[]) => tokens.some((t) => /[a-z]/.test(t));

/** At most one insertion, deletion, substitution or swap of neighbours. */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return short.slice(i) === long.slice(i + 1);
}

/** A single letter stands for any token starting with it ("J." and "John"). */
const initialOf = (a: string, b: string) => (a.length === 1 && b.startsWith(a)) || (b.length === 1 && a.startsWith(b));

function sameFamilyName(a: string[], b: string[]): boolean {
  const ka = a.map(key);
  const kb = b.map(key);
  // Joined forms: "Mc Donald" = "McDonald", "van der Berg" = "Vanderberg", "Smith-Jones" = "Smith Jones".
  if (ka.join('') === kb.join('')) return true;
  const sig = (ts: string[]) => ts.filter((t) => !PARTICLES.has(t));
  const sa = sig(ka).length ? sig(ka) : ka;
  const sb = sig(kb).length ? sig(kb) : kb;
  for (const x of sa) {
    for (const y of sb) {
      if (x === y || initialOf(x, y)) return true;
      // A typo in a long name ("Jonson" / "Johnson"), not a different short one ("Hall" / "Hill").
      if (x.length >= 5 && y.length >= 5 && withinOneEdit(x, y)) return true;
    }
  }
  return false;
}

function sameGivenName(a: string[], b: string[]): boolean {
  const ka = a.map(key);
  const kb = b.map(key);
  if (ka.join('') === kb.join('')) return true; // "Jean-Luc" = "Jeanluc"
  // "JR" as the initials of "John Robert".
  const initials = (ts: string[]) => ts.map((t) => t[0]).join('');
  if ((ka.length === 1 && ka[0]!.length <= 3 && ka[0] === initials(kb)) || (kb.length === 1 && kb[0]!.length <= 3 && kb[0] === initials(ka))) return true;
  for (const x of ka) {
    for (const y of kb) {
      if (x === y || initialOf(x, y)) return true;
      // A short form of the same name: "Chris" / "Christopher", "Alex" / "Alexandra", "Max" / "Maximilian".
      if (Math.min(x.length, y.length) >= 3 && (x.startsWith(y) || y.startsWith(x))) return true;
      const gx = NICKNAMES.get(x);
      const gy = NICKNAMES.get(y);
      if (gx && gy && [...gx].some((g) => gy.has(g))) return true;
      if (x.length >= 5 && y.length >= 5 && withinOneEdit(x, y)) return true;
    }
  }
  return false;
}

/**
 * Compares the CRM record's own name with the profile's. `mismatch` only when both sides name a part in a
 * comparable way and the names cannot be the same person's; `unknown` when there is too little to tell.
 */
export function compareNames(crm: PersonName, profile: PersonName): NameVerdict {
  const c = { first: nameTokens(crm.first), last: nameTokens(crm.last) };
  const p = { first: nameTokens(profile.first), last: nameTokens(profile.last) };
  const comparable = (a: string[], b: string[]) => a.length > 0 && b.length > 0 && latin(a) === latin(b);
  const lastComparable = comparable(c.last, p.last);
  const firstComparable = comparable(c.first, p.first);
  if (!lastComparable && !firstComparable) return { verdict: 'unknown' };
  const lastOk = !lastComparable || sameFamilyName(c.last, p.last);
  const firstOk = !firstComparable || sameGivenName(c.first, p.first);
  if (lastOk && firstOk) return { verdict: 'match' };
  // First and last typed into each other's fields ("Smith" / "John").
  if (comparable(c.first, p.last) && comparable(c.last, p.first) && sameFamilyName(c.first, p.last) && sameGivenName(c.last, p.first)) return { verdict: 'match' };
  return { verdict: 'mismatch', part: lastOk ? 'first' : 'last' };
}
