// WCAG 2.2 (1.4.11 non-text contrast, 2.4.13 focus appearance): the focus ring must have at least 3:1 contrast
// against every background a focusable control sits on. The colours are read from the stylesheet itself, so a
// change of palette that breaks the ratio fails here.
import { describe, expect, it } from 'vitest';
import { ADMIN_CSS } from '../../src/admin/assets.js';

/** Relative luminance of #rrggbb (WCAG 2 definition). */
function luminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = m.slice(1).map((h) => {
    const v = parseInt(h, 16) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function cssVar(name: string): string {
  const m = new RegExp(`--${name}:#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})[;}]`).exec(ADMIN_CSS);
  if (!m) throw new Error(`--${name} is not a #rgb / #rrggbb colour in the stylesheet`);
  const h = m[1]!;
  return `#${h.length === 3 ? [...h].map((c) => c + c).join('') : h}`;
}

describe('when the focus ring is drawn', () => {
  it('then the contrast function agrees with the WCAG reference values', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#ffffff', '#ffffff')).toBe(1);
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('then the ring has at least 3:1 against every background of the pages', () => {
    const rule = /:focus-visible\{outline:3px solid var\(--([a-z-]+)\)/.exec(ADMIN_CSS);
    expect(rule, 'the focus-visible rule uses a colour variable').toBeTruthy();
    const ring = cssVar(rule![1]!);
    const header = /header\.top\{background:(#[0-9a-fA-F]{6})/.exec(ADMIN_CSS)?.[1];
    expect(header).toBeTruthy();
    const backgrounds: Record<string, string> = {
      page: cssVar('bg'),
      panel: cssVar('panel'),
      header: header!,
      'ok flash': cssVar('ok-bg'),
      'error flash': cssVar('bad-bg'),
      'warning flash': cssVar('warn-bg'),
    };
    const ratios = Object.fromEntries(Object.entries(backgrounds).map(([k, bg]) => [k, Number(contrast(ring, bg).toFixed(2))]));
    for (const [k, r] of Object.entries(ratios)) expect(r, `${ring} on the ${k} background (${backgrounds[k]})`).toBeGreaterThanOrEqual(3);
  });
});
