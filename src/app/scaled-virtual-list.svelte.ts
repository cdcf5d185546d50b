/**
 * A fixed-row-height virtual list on @tanstack/virtual-core that can reach the last of 1,000,000 rows.
 * Browsers cap an element's height (about 33,554,428 px in Chromium, less elsewhere); past
 * MAX_SCROLL_HEIGHT_PX the scrollable spacer is shortened and scroll positions are scaled so that the
 * top and the bottom of the spacer still map to the first and the last row.
 */
import {
  Virtualizer,
  elementScroll,
  observeElementOffset,
  observeElementRect,
  type VirtualItem,
} from '@tanstack/virtual-core';

/** Well under every engine's cap (Firefox's is about 17.9 million px). */
export const MAX_SCROLL_HEIGHT_PX = 8_000_000;

export class ScaledVirtualList {
  items = $state<VirtualItem[]>([]);
  /** Height of the scrollable spacer, in real pixels. */
  spacerHeight = $state(0);
  /** Virtual offset of the viewport's top; `scrollTop` times the scale. */
  virtualOffset = $state(0);
  scrollTop = $state(0);

  private element: HTMLElement | null = null;
  private count: number;
  private rowHeight: number;
  private readonly virtualizer: Virtualizer<HTMLElement, HTMLElement>;

  constructor(options: { count: number; rowHeight: number; overscan?: number }) {
    this.count = options.count;
    this.rowHeight = options.rowHeight;
    this.virtualizer = new Virtualizer<HTMLElement, HTMLElement>({
      count: this.count,
      estimateSize: () => this.rowHeight,
      overscan: options.overscan ?? 8,
      getScrollElement: () => this.element,
      observeElementRect,
      observeElementOffset: (instance, callback) =>
        observeElementOffset(instance, (offset, isScrolling) => callback(offset * this.scale(), isScrolling)),
      scrollToFn: (offset, scrollOptions, instance) => elementScroll(offset / this.scale(), scrollOptions, instance),
      onChange: (instance) => this.publish(instance),
    });
    this.spacerHeight = this.realHeight();
  }

  /** Starts observing the scroll element; returns the clean-up. */
  attach(element: HTMLElement): () => void {
    this.element = element;
    const cleanup = this.virtualizer._didMount();
    this.virtualizer._willUpdate();
    this.publish(this.virtualizer);
    return () => {
      cleanup();
      this.element = null;
    };
  }

  update(count: number, rowHeight: number): void {
    if (count === this.count && rowHeight === this.rowHeight) return;
    this.count = count;
    this.rowHeight = rowHeight;
    this.virtualizer.setOptions({ ...this.virtualizer.options, count });
    this.virtualizer.measure();
    this.spacerHeight = this.realHeight();
    this.virtualizer._willUpdate();
    this.publish(this.virtualizer);
  }

  /** Where, in the real spacer, the row's top edge goes. */
  topOf(item: VirtualItem): number {
    return this.scrollTop + (item.start - this.virtualOffset);
  }

  scrollToIndex(index: number): void {
    this.virtualizer.scrollToIndex(index, { align: 'auto' });
  }

  private realHeight(): number {
    return Math.min(this.count * this.rowHeight, MAX_SCROLL_HEIGHT_PX);
  }

  /** Virtual pixels per real pixel; 1 unless the list is taller than the cap. */
  private scale(): number {
    const total = this.count * this.rowHeight;
    const spacer = this.realHeight();
    if (total <= spacer) return 1;
    const viewport = this.element?.clientHeight ?? 0;
    return (total - viewport) / Math.max(1, spacer - viewport);
  }

  private publish(instance: Virtualizer<HTMLElement, HTMLElement>): void {
    this.items = instance.getVirtualItems();
    this.scrollTop = this.element?.scrollTop ?? 0;
    this.virtualOffset = instance.scrollOffset ?? 0;
  }
}
