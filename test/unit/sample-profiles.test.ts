// config/sample-profiles.jsonl: fictional people in the exact API shape, used by `dataset import` and the README.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Profile, SENIORITY_LEVELS } from '../../src/enrichment/contract.js';
import { companyKey, normalizeProfile } from '../../src/enrichment/normalize.js';
import { classifyTitle, resolveSeniority } from '../../src/enrichment/seniority.js';

const TODAY = new Date('2026-11-26T12:00:00Z');
const OPTS = { windowDays: 90, now: TODAY };

const lines = readFileSync(new URL('../../config/sample-profiles.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');
const raw = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
const profiles = raw.map((r) => Profile.parse(r));

describe('config/sample-profiles.jsonl', () => {
  it('has at least 60 profiles', () => {
    expect(profiles.length).toBeGreaterThanOrEqual(60);
  });

  it.each(raw.map((r, i) => [i + 1, r] as const))('line %i is a complete Profile with no extra fields', (_line, r) => {
    expect(Object.keys(r).sort()).toEqual(Object.keys(Profile.shape).sort());
    expect(Profile.parse(r)).toEqual(r);
  });

  it('starts with the README example, John Doe of Acme', () => {
    expect(profiles[0]).toMatchObject({
      first_name: 'John',
      last_name: 'Doe',
      full_name: 'John Doe',
      email: 'john.doe@acme.com',
      linkedin_url: 'https://www.linkedin.com/in/johndoe',
      title: 'VP of Sales',
      seniority: 'VP',
      company: 'Acme Inc',
      company_domain: 'acme.com',
      city: 'San Francisco',
      region: 'California',
      country: 'United States',
      country_code: 'US',
    });
  });

  it('has unique emails and LinkedIn URLs', () => {
    const emails = profiles.map((p) => p.email);
    const urls = profiles.map((p) => p.linkedin_url);
    expect(emails.every(Boolean)).toBe(true);
    expect(urls.every(Boolean)).toBe(true);
    expect(new Set(emails).size).toBe(profiles.length);
    expect(new Set(urls).size).toBe(profiles.length);
  });

  it('uses only fictional domains (reserved .example, plus the seed example acme.com)', () => {
    for (const p of profiles) {
      for (const domain of [p.company_domain, p.email?.split('@')[1], p.personal_email?.split('@')[1]]) {
        if (domain) expect(domain === 'acme.com' || domain.endsWith('.example'), domain).toBe(true);
      }
    }
  });

  it.each(profiles.map((p) => [p.full_name, p] as const))('%s is already normalised (seniority, job change, ids)', (_name, p) => {
    expect(normalizeProfile(p, OPTS)).toEqual(p);
    expect(resolveSeniority(p.title, p.seniority)).toBe(p.seniority);
    const fromTitle = classifyTitle(p.title);
    if (fromTitle?.fromKeyword) expect(p.seniority).toBe(fromTitle.level);
  });

  it('covers every seniority, company size bucket and at least 15 countries', () => {
    expect(new Set(profiles.map((p) => p.seniority))).toEqual(new Set(SENIORITY_LEVELS));
    expect(new Set(profiles.map((p) => p.company_size))).toEqual(
      new Set(['1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001-10000', '10001+']),
    );
    expect(new Set(profiles.map((p) => p.country_code)).size).toBeGreaterThanOrEqual(15);
    expect(new Set(profiles.map((p) => p.department)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(profiles.map((p) => p.industry)).size).toBeGreaterThanOrEqual(15);
  });

  it('has 1-4 positions each, dated YYYY-MM, exactly one current, plus skills and education', () => {
    for (const p of profiles) {
      expect(p.experience.length).toBeGreaterThanOrEqual(1);
      expect(p.experience.length).toBeLessThanOrEqual(4);
      expect(p.experience.filter((e) => e.is_current)).toHaveLength(1);
      for (const e of p.experience) {
        expect(e.start_date).toMatch(/^\d{4}-\d{2}$/);
        expect(e.end_date).toMatch(e.is_current ? /^$/ : /^\d{4}-\d{2}$/);
      }
      expect(p.skills.length).toBeGreaterThan(0);
      expect(p.education.length).toBeGreaterThan(0);
    }
  });

  it('has at least 8 recent moves to a different company (2026-09-01 … 2026-11-20)', () => {
    const movers = profiles.filter((p) => p.recent_job_change);
    expect(movers.length).toBeGreaterThanOrEqual(8);
    for (const p of movers) {
      expect(p.job_change_date! >= '2026-09-01' && p.job_change_date! <= '2026-11-20', p.full_name!).toBe(true);
      expect(p.previous_company && p.previous_title, p.full_name!).toBeTruthy();
      expect(companyKey(p.previous_company)).not.toBe(companyKey(p.company));
    }
  });

  it('has internal promotions that are not flagged as job changes', () => {
    const promoted = profiles.filter((p) => {
      const [current, before] = p.experience;
      return before && companyKey(current!.company) === companyKey(before.company) && current!.start_date >= '2026-09';
    });
    expect(promoted.length).toBeGreaterThanOrEqual(2);
    for (const p of promoted) expect(p.recent_job_change, p.full_name!).toBe(false);
  });

  it('has localized titles (German, French, Spanish, Portuguese)', () => {
    const titles = profiles.map((p) => p.title);
    for (const t of ['Geschäftsführer', 'Directrice Générale', 'Jefa de Ventas', 'Diretora Comercial', 'Estagiária de Engenharia']) {
      expect(titles).toContain(t);
    }
  });
});
