/** Issue 16 e2e helpers: the bench's tiles fit one screen and no tile's text is cut. */
import { expect, type Page } from '@playwright/test';

/**
 * Every tile lies wholly inside the viewport (no scrolling needed to see any bay), and no text on a
 * tile is cut: the bay number, the UID, the word and the short line each fit their box (an ellipsis
 * or a clipped line shows as a scroll size larger than the client size: by any amount across, by
 * more than the 2 px a tight line height leaves below a glyph).
 */
export async function expectTilesFit(p: Page, width: number, height: number, count: number): Promise<void> {
  await p.setViewportSize({ width, height });
  await p.evaluate(() => window.scrollTo(0, 0));
  const boxes = await p.getByTestId('bay-tile').evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      const cut = [...e.querySelectorAll<HTMLElement>('.tile__num, .tile__uid, .tile__word, .tile__line')]
        .filter((t) => t.scrollWidth > t.clientWidth || t.scrollHeight > t.clientHeight + 2)
        .map((t) => `${e.getAttribute('aria-label')}: "${t.textContent}" cut`);
      const tile = e.getBoundingClientRect();
      const outside = [...e.querySelectorAll<HTMLElement>('.tile__uid, .tile__word, .tile__line')]
        .filter((t) => t.textContent && t.getBoundingClientRect().bottom > tile.bottom + 1)
        .map((t) => `${e.getAttribute('aria-label')}: "${t.textContent}" below the tile`);
      return {
        top: r.top,
        left: r.left,
        bottom: r.bottom,
        right: r.right,
        h: r.height,
        cut: [...cut, ...outside],
      };
    }),
  );
  expect(boxes).toHaveLength(count);
  expect(boxes.flatMap((b) => b.cut)).toEqual([]);
  for (const b of boxes) {
    expect(b.top).toBeGreaterThanOrEqual(0);
    expect(b.left).toBeGreaterThanOrEqual(0);
    expect(b.bottom).toBeLessThanOrEqual(height);
    expect(b.right).toBeLessThanOrEqual(width);
    // Big enough to read from a metre: at least 80 px tall.
    expect(b.h).toBeGreaterThanOrEqual(80);
  }
}
