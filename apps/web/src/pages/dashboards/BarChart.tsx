import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';

/**
 * A bar chart drawn with uPlot (a canvas, about 20 KB gzipped, in the dashboards' lazy chunk
 * only). Bars of several series are stacked: each series is drawn as the running sum of itself
 * and those before it, the tallest first, so every part shows at its own height. The x axis is
 * the bar's position; `labels` say what each position is (an hour, a day, a wait-time range),
 * already formatted in the hotline's time zone and the reader's language.
 *
 * The canvas is a picture for sighted readers: it is hidden from screen readers, and the page
 * gives each chart a description and the same figures as a table.
 */
export interface BarSeries {
  /** What the series counts (translated), for the legend. */
  title: string;
  /** A CSS colour; a custom property (`--chart-answered`) is read from the page's theme. */
  color: string;
  values: number[];
}

const HEIGHT = 220;

/** The colour a CSS custom property holds now (themes change them), or the value itself. */
function resolveColor(element: Element, color: string): string {
  if (!color.startsWith('--')) return color;
  return getComputedStyle(element).getPropertyValue(color).trim() || '#1f4e79';
}

function stacked(series: BarSeries[]): number[][] {
  const sums: number[][] = [];
  series.forEach((s, i) => {
    sums.push(s.values.map((v, j) => v + (i > 0 ? (sums[i - 1]?.[j] ?? 0) : 0)));
  });
  return sums;
}

/**
 * Evenly spaced positions whose labels do not overlap: each label gets room for the longest one
 * (about 6.5 px a character at the axis' font size, plus a gap), so a phone shows fewer.
 */
function labelPositions(labels: string[], width: number): number[] {
  const longest = labels.reduce((max, l) => Math.max(max, l.length), 0);
  const fit = Math.max(1, Math.floor(width / Math.max(56, longest * 6.5 + 16)));
  const step = Math.max(1, Math.ceil(labels.length / fit));
  const positions: number[] = [];
  for (let i = 0; i < labels.length; i += step) positions.push(i);
  return positions;
}

/** Changes when the theme does (the person's choice on <html>, or the device's), so the canvas is redrawn in its colours. */
function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    const observer = new MutationObserver(bump);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const media = matchMedia('(prefers-color-scheme: dark)');
    media.addEventListener('change', bump);
    return () => {
      observer.disconnect();
      media.removeEventListener('change', bump);
    };
  }, []);
  return version;
}

/**
 * The chart's uPlot options: one stacked bar per label, `order` the series drawn tallest first,
 * colours read from the page's CSS (so the theme applies), whole-number counts on the y axis.
 */
function plotOptions(
  element: HTMLElement,
  labels: string[],
  series: BarSeries[],
  order: number[],
): uPlot.Options {
  const text = getComputedStyle(element).color;
  const grid = resolveColor(element, '--border');
  const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
  const width = Math.max(200, element.clientWidth);
  return {
    width,
    height: HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    scales: {
      x: { time: false, range: [-0.5, Math.max(0.5, labels.length - 0.5)] },
      y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
    },
    axes: [
      {
        stroke: text,
        grid: { show: false },
        ticks: { stroke: grid },
        splits: (u) => labelPositions(labels, u.bbox.width / devicePixelRatio),
        values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
      },
      {
        stroke: text,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid },
        // Counts are whole: no 0.5 ticks.
        splits: (_u, _axis, _min, max) => {
          const step = Math.max(1, Math.ceil(max / 4));
          const out: number[] = [];
          for (let v = 0; v <= max; v += step) out.push(v);
          return out;
        },
      },
    ],
    series: [
      {},
      ...order.map((i) => ({
        label: series[i]?.title ?? '',
        fill: resolveColor(element, series[i]?.color ?? ''),
        stroke: resolveColor(element, series[i]?.color ?? ''),
        width: 0,
        points: { show: false },
        ...(bars ? { paths: bars } : {}),
      })),
    ],
  };
}

export function BarChart({
  labels,
  series,
  testId,
}: {
  labels: string[];
  series: BarSeries[];
  testId?: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const theme = useThemeVersion();

  // biome-ignore lint/correctness/useExhaustiveDependencies: a theme change changes the CSS colours read inside
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const sums = stacked(series);
    const xs = labels.map((_, i) => i);
    // Drawn tallest first: the last series' running sum is the whole bar.
    const order = series.map((_, i) => i).reverse();
    const plot = new uPlot(
      plotOptions(element, labels, series, order),
      [xs, ...order.map((i) => sums[i] ?? [])],
      element,
    );
    const resize = new ResizeObserver(() => {
      const next = Math.max(200, element.clientWidth);
      if (next !== plot.width) plot.setSize({ width: next, height: HEIGHT });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [labels, series, theme]);

  // Time runs left to right in every language: the chart keeps its direction in an RTL page.
  return <div ref={container} className="bar-chart" dir="ltr" aria-hidden="true" data-testid={testId} />;
}
