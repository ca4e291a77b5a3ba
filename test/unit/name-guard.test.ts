import { describe, expect, it } from 'vitest';
import { compareNames, nameTokens } from '../../src/sync/name-guard.js';

// [CRM first, CRM last, profile first, profile last]
type Pair = [string | null, string | null, string | null, string | null];

/** The same person, written the way real CRMs and providers write names. */
const SAME: Pair[] = [
  ['John', 'Smith', 'John', 'Smith'],
  ['john', 'SMITH', 'John', 'Smith'],
  ['José', 'García', 'Jose', 'Garcia'],
  ['Zoë', 'Brontë', 'Zoe', 'Bronte'],
  ['Jürgen', 'Müller', 'Juergen', 'Mueller'],
  ['Björn', 'Sørensen', 'Bjorn', 'Sorensen'],
  ['Łukasz', 'Wałęsa', 'Lukasz', 'Walesa'],
  ['Renée', 'Lefèvre', 'Renee', 'Lefevre'],
  ['Çağla', 'Öztürk', 'Cagla', 'Ozturk'],
  ['Thomas', 'Straße', 'Thomas', 'Strasse'],
  ['Mary', 'Smith-Jones', 'Mary', 'Smith Jones'],
  ['Mary', 'Smith-Jones', 'Mary', 'Jones'],
  ['Ana', 'García López', 'Ana', 'García'],
  ['Ana', 'García', 'Ana', 'Garcia-Lopez'],
  ['Luis', 'Fernández de Córdoba', 'Luis', 'Fernandez'],
  ['Sean', "O'Brien", 'Sean', 'OBrien'],
  ['Sean', "O’Brien", 'Sean', "O'Brien"],
  ['Ronald', 'McDonald', 'Ronald', 'Mc Donald'],
  ['Pieter', 'van der Berg', 'Pieter', 'Berg'],
  ['Pieter', 'van der Berg', 'Pieter', 'Vanderberg'],
  ['Ludwig', 'van Beethoven', 'Ludwig', 'Beethoven'],
  ['Leonardo', 'da Vinci', 'Leonardo', 'Da Vinci'],
  ['J.', 'Smith', 'John', 'Smith'],
  ['J', 'Smith', 'John', 'Smith'],
  ['John', 'S.', 'John', 'Smith'],
  ['JR', 'Tolkien', 'John Ronald', 'Tolkien'],
  ['J. Robert', 'Oppenheimer', 'Robert', 'Oppenheimer'],
  ['Bob', 'Johnson', 'Robert', 'Johnson'],
  ['Bill', 'Gates', 'William', 'Gates'],
  ['Liz', 'Taylor', 'Elizabeth', 'Taylor'],
  ['Peggy', 'Olson', 'Margaret', 'Olson'],
  ['Dick', 'Fuld', 'Richard', 'Fuld'],
  ['Jim', 'Beam', 'James', 'Beam'],
  ['Chuck', 'Norris', 'Charles', 'Norris'],
  ['Ted', 'Lasso', 'Theodore', 'Lasso'],
  ['Chris', 'Evans', 'Christopher', 'Evans'],
  ['Alex', 'Morgan', 'Alexandra', 'Morgan'],
  ['Sasha', 'Ivanov', 'Aleksandr', 'Ivanov'],
  ['Hans', 'Zimmer', 'Johannes', 'Zimmer'],
  ['Kate', 'Winslet', 'Katherine', 'Winslet'],
  ['Steve', 'Jobs', 'Stephen', 'Jobs'],
  ['Paco', 'de Lucía', 'Francisco', 'de Lucia'],
  ['Jean-Luc', 'Picard', 'Jean Luc', 'Picard'],
  ['Jean-Luc', 'Picard', 'Jean', 'Picard'],
  ['Mohammed', 'Al-Sayed', 'Muhammad', 'Sayed'],
  ['Katherine', 'Johnson', 'Catherine', 'Johnson'],
  ['Steven', 'Jonson', 'Steven', 'Johnson'],
  ['Smith', 'John', 'John', 'Smith'],
  ['Dr. Jane', 'Goodall', 'Jane', 'Goodall'],
  ['Martin', 'Luther King Jr.', 'Martin', 'Luther King'],
  ['Maria', 'Schmidt', 'Marie', 'Schmidt'],
];

/** Too little to tell: never a reason to block. */
const UNKNOWN: Pair[] = [
  [null, null, 'John', 'Smith'],
  ['', '', 'John', 'Smith'],
  ['John', 'Smith', null, null],
  ['[not provided]', '[not provided]', 'John', 'Smith'],
  ['Unknown', 'N/A', 'Jane', 'Doe'],
  ['太郎', '山田', 'Taro', 'Yamada'],
  ['Дмитрий', 'Иванов', 'Dmitry', 'Petrov'],
];

/** Somebody else: a recycled mailbox, a shared address, a colleague's LinkedIn. */
const OTHER: Pair[] = [
  ['John', 'Smith', 'John', 'Doe'],
  ['John', 'Smith', 'Mary', 'Smith'],
  ['Anna', 'Schmidt', 'Peter', 'Meyer'],
  ['José', 'García', 'José', 'Martínez'],
  ['Bob', 'Johnson', 'William', 'Johnson'],
  ['Liz', 'Taylor', 'Margaret', 'Taylor'],
  ['Chris', 'Evans', 'Daniel', 'Evans'],
  ['Mary', 'Smith-Jones', 'Mary', 'Brown'],
  ['Pieter', 'van der Berg', 'Pieter', 'van Dijk'],
  ['Sean', "O'Brien", 'Sean', "O'Neill"],
  ['Ronald', 'McDonald', 'Ronald', 'McCarthy'],
  ['Tom', 'Hall', 'Tom', 'Hill'],
  ['Ana', 'Lee', 'Ana', 'Li'],
  ['Wei', 'Zhang', 'Wei', 'Wang'],
  ['Priya', 'Sharma', 'Priya', 'Patel'],
  ['J.', 'Smith', 'Mary', 'Smith'],
  ['John', 'S.', 'John', 'Doe'],
  ['Jürgen', 'Müller', 'Jürgen', 'Maier'],
  [null, 'Smith', null, 'Jones'],
  ['Sarah', null, 'Emily', null],
  ['Olivia', 'Martin', 'Oliver', 'Martens'],
  ['Ingrid', 'Nilsson', 'Astrid', 'Nilsson'],
  ['Hiroshi', 'Tanaka', 'Hiroshi', 'Suzuki'],
  ['Fatima', 'Khan', 'Aisha', 'Khan'],
  ['Carlos', 'Silva', 'Carlos', 'Santos'],
];

const show = (p: Pair) => `${p[0]} ${p[1]} vs ${p[2]} ${p[3]}`;
const verdict = (p: Pair) => compareNames({ first: p[0], last: p[1] }, { first: p[2], last: p[3] }).verdict;

describe('compareNames', () => {
  it('has a table of at least 60 real-world pairs with both outcomes', () => {
    expect(SAME.length + UNKNOWN.length + OTHER.length).toBeGreaterThanOrEqual(60);
    expect(OTHER.length).toBeGreaterThanOrEqual(20);
  });

  it('when the names are the same person written differently, then they match', () => {
    const wrong = SAME.filter((p) => verdict(p) !== 'match').map(show);
    expect(wrong).toEqual([]);
  });

  it('when one side has no comparable name, then there is no verdict', () => {
    const wrong = UNKNOWN.filter((p) => verdict(p) !== 'unknown').map(show);
    expect(wrong).toEqual([]);
  });

  it('when the names clearly belong to someone else, then it is a mismatch', () => {
    const wrong = OTHER.filter((p) => verdict(p) !== 'mismatch').map(show);
    expect(wrong).toEqual([]);
  });

  it('when the same pair is given the other way round, then the verdict is the same', () => {
    for (const p of [...SAME, ...OTHER]) expect(verdict([p[2], p[3], p[0], p[1]]), show(p)).toBe(verdict(p));
  });

  it('says which part contradicts', () => {
    expect(compareNames({ first: 'John', last: 'Smith' }, { first: 'John', last: 'Doe' })).toEqual({ verdict: 'mismatch', part: 'last' });
    expect(compareNames({ first: 'John', last: 'Smith' }, { first: 'Mary', last: 'Smith' })).toEqual({ verdict: 'mismatch', part: 'first' });
  });
});

describe('nameTokens', () => {
  it('folds case, diacritics, titles and punctuation', () => {
    expect(nameTokens('Dr. José-María  García')).toEqual(['jose', 'maria', 'garcia']);
    expect(nameTokens("O'Brien")).toEqual(['obrien']);
    expect(nameTokens('[not provided]')).toEqual([]);
    expect(nameTokens('  ')).toEqual([]);
  });
});
