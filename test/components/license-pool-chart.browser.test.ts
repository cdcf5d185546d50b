import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import { page } from 'vitest/browser';
import LicensePoolChart from '../../src/components/LicensePoolChart.svelte';
import type { LicensePoolEffect } from '../../src/core/build-lifecycle-plan.ts';
import '../../src/app.css';

afterEach(async () => {
  cleanup();
  await page.viewport(1280, 900);
});

const pool: LicensePoolEffect = {
  methodologyId: 'COM',
  name: 'Command',
  model: 'seat',
  seats: 900,
  inUseBefore: 783,
  inUseAfter: 569,
  reservedReleased: 214,
  consumedKept: 0,
  elaReleased: 0,
  elaReconsumed: 0,
};

function isInside(inner: DOMRect, outer: DOMRect): boolean {
  return inner.left >= outer.left - 1 && inner.right <= outer.right + 1 && inner.top >= outer.top - 4 && inner.bottom <= outer.bottom + 4;
}

function renderChart(seatUsage = { before: 10, after: 10, limit: 9 }) {
  const { container } = render(LicensePoolChart, { pools: [pool], seatUsage });
  const figure = screen.getByRole('figure');
  return { container, figure };
}

describe('LicensePoolChart', () => {
  for (const width of [1280, 360]) {
    it(`A12: each limit mark is drawn on its bar, and the legend shows it (${width} px)`, async () => {
      await page.viewport(width, 900);
      const { container, figure } = renderChart();
      const tracks = [...container.querySelectorAll<HTMLElement>('[data-part="track"]')];
      expect(tracks).toHaveLength(2);
      for (const track of tracks) {
        const mark = track.querySelector<HTMLElement>('[data-part="limit-mark"]')!;
        const rect = mark.getBoundingClientRect();
        expect(rect.width).toBeGreaterThan(0);
        expect(isInside(rect, track.getBoundingClientRect())).toBe(true);
      }
      const legend = container.querySelector<HTMLElement>('[data-part="legend"]')!;
      const swatch = legend.querySelector<HTMLElement>('[data-part="limit-swatch"]')!;
      const swatchRect = swatch.getBoundingClientRect();
      expect(swatchRect.width).toBeGreaterThan(0);
      expect(swatchRect.height).toBeGreaterThan(0);
      expect(isInside(swatchRect, legend.getBoundingClientRect())).toBe(true);
      expect(isInside(legend.getBoundingClientRect(), figure.getBoundingClientRect())).toBe(true);
      // Nothing of the chart is drawn outside it (a mark that escaped would land on the page's header).
      for (const part of container.querySelectorAll<HTMLElement>('figure *')) {
        const rect = part.getBoundingClientRect();
        if (rect.width === 0 && rect.height === 0) continue;
        expect(isInside(rect, figure.getBoundingClientRect()), part.outerHTML).toBe(true);
      }
    });
  }

  it('R1/A12: "10 of 9 in use" is said as over the limit, in the label and on screen', () => {
    const { figure } = renderChart();
    const seats = screen.getByRole('img', { name: /^Platform seats/ });
    expect(seats.getAttribute('aria-label')).toBe('Platform seats (A12): before, 10 in use, 1 over the limit of 9; after, 10 in use, 1 over the limit of 9');
    expect(figure.textContent).toContain('1 over the limit of 9');
    expect(figure.textContent).not.toMatch(/10 of 9/);
    const command = screen.getByRole('img', { name: /^Command/ });
    expect(command.getAttribute('aria-label')).toBe('Command (seats): before, 783 of 900 in use; after, 569 of 900 in use');
  });
});
